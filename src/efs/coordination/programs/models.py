"""Models of the programs part of the coordination app (registered under the coordination app label).

A region's program of ЕФС support (`RegionalProgram`) lives in versions. A version is drafted from
the federal template (the components of the model a program must cover, and the review criteria),
filled with goals → tasks → activities, indicator targets and resources, then submitted, reviewed
by assigned experts and decided by the federal operator. Only a draft changes: a submitted version
is frozen for good, and a correction is a new version. Macroregion projects join the programs of a
macroregion's members: joint goals and shared tasks with executors in several regions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ActivityRow",
    "GoalRow",
    "JointGoal",
    "MacroregionProject",
    "ProgramReview",
    "ProgramTemplate",
    "RegionalProgram",
    "RegionalProgramVersion",
    "ResourceKind",
    "ResourceRow",
    "ReviewState",
    "SharedTask",
    "SharedTaskExecutor",
    "TargetRow",
    "TaskRow",
    "VersionStatus",
]


class ProgramTemplate(models.Model):
    """The federal template, one row per version: never changed, a change is a new version.

    `components`: [{"code", "title", "description"}] — what a program must cover;
    `criteria`: [{"code", "title", "max_score"}] — what experts score."""

    version = models.PositiveSmallIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=300)
    components = models.JSONField(_("components of the model"))
    criteria = models.JSONField(_("review criteria"))
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("federal template of regional programs")

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def component_titles(self) -> dict[str, str]:
        return {c["code"]: c["title"] for c in self.components}


class RegionalProgram(models.Model):
    """A region's program of ЕФС support for a span of years."""

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    title = models.CharField(_("title"), max_length=300)
    year_from = models.PositiveSmallIntegerField(_("first year"))
    year_to = models.PositiveSmallIntegerField(_("last year"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_id", "-year_from"]
        verbose_name = _("regional program of ЕФС support")
        constraints = [
            models.UniqueConstraint(fields=["region", "year_from"], name="regional_program_once_per_start"),
            models.CheckConstraint(
                condition=Q(year_from__gte=2000, year_to__lte=2100, year_to__gte=models.F("year_from")),
                name="regional_program_years",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    IN_REVIEW = "in_review", _("under expert review")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned for revision")
    SUPERSEDED = "superseded", _("replaced by a newer version")


class RegionalProgramVersion(models.Model):
    program = models.ForeignKey(RegionalProgram, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    template = models.ForeignKey(ProgramTemplate, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(
        "people.Region", on_delete=models.PROTECT, related_name="+"
    )  # the shard key, = program.region
    status = models.CharField(_("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    summary = models.TextField(_("summary"), max_length=5000, blank=True)
    educators_covered = models.PositiveIntegerField(_("educators the program covers"), default=0)
    change_note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["program_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="regional_program_version_unique"),
            # One open version (a draft or one on its way through review) at a time.
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(status__in=["draft", "submitted", "in_review"]),
                name="regional_program_one_open_version",
            ),
        ]
        indexes = [models.Index(fields=["region", "status"], name="rpv_region_status")]

    def __str__(self) -> str:
        return f"{self.program_id} v{self.number}"

    @property
    def editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class GoalRow(models.Model):
    version = models.ForeignKey(RegionalProgramVersion, on_delete=models.CASCADE, related_name="goals")
    component = models.CharField(_("component of the model"), max_length=40)
    title = models.CharField(_("goal"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version_id", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class TaskRow(models.Model):
    goal = models.ForeignKey(GoalRow, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    responsible = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible organization")
    )
    co_executors = models.ManyToManyField(
        "people.Organization", related_name="+", blank=True, verbose_name=_("co-executors")
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["goal_id", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class ActivityRow(models.Model):
    task = models.ForeignKey(TaskRow, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(_("activity"), max_length=300)
    due = models.DateField(_("due"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["task_id", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class TargetRow(models.Model):
    """A monitoring indicator's target value for a year of the program."""

    version = models.ForeignKey(RegionalProgramVersion, on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey("monitoring.Indicator", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["version_id", "indicator_id", "year"]
        constraints = [models.UniqueConstraint(fields=["version", "indicator", "year"], name="program_target_once")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.year} = {self.value}"


class ResourceKind(models.TextChoices):
    MONEY = "money", _("money, kopecks")
    STAFF_HOURS = "staff_hours", _("staff hours")
    VENUES = "venues", _("venues")


class ResourceRow(models.Model):
    version = models.ForeignKey(RegionalProgramVersion, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(_("kind"), max_length=12, choices=ResourceKind.choices)
    amount = models.BigIntegerField(_("amount"))
    organization = models.ForeignKey(
        "people.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization that provides it"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["version_id", "kind", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="program_resource_positive")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class ReviewState(models.TextChoices):
    ASSIGNED = "assigned", _("assigned")
    SUBMITTED = "submitted", _("submitted")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ProgramReview(models.Model):
    """An assigned expert's review of one version: a score and a comment per criterion of the
    version's template, strengths, weaknesses and a recommendation."""

    version = models.ForeignKey(RegionalProgramVersion, on_delete=models.CASCADE, related_name="reviews")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("expert")
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=ReviewState.choices, default=ReviewState.ASSIGNED)
    scores = models.JSONField(default=dict, blank=True)
    comments = models.JSONField(default=dict, blank=True)
    strengths = models.TextField(_("strengths"), max_length=2000, blank=True)
    weaknesses = models.TextField(_("weaknesses"), max_length=2000, blank=True)
    verdict = models.CharField(_("recommendation"), max_length=8, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["version_id", "assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "expert"], name="program_review_once_per_expert"),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(verdict__gt=""), name="program_review_submitted_has_verdict"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version_id}: {self.expert_id}"

    @property
    def total(self) -> int:
        return sum(int(v) for v in self.scores.values())


class MacroregionProject(models.Model):
    """A joint project of a macroregion's members, built on their programs."""

    macroregion = models.ForeignKey(
        "people.Macroregion", on_delete=models.CASCADE, related_name="+", verbose_name=_("macroregion")
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["macroregion_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["macroregion", "title"], name="macroregion_project_unique_title")
        ]

    def __str__(self) -> str:
        return self.title


class JointGoal(models.Model):
    """A goal the members pursue together, under a component of the federal model: the members'
    own program goals under the same component are shown beside it."""

    project = models.ForeignKey(MacroregionProject, on_delete=models.CASCADE, related_name="goals")
    component = models.CharField(_("component of the model"), max_length=40)
    title = models.CharField(_("goal"), max_length=300)

    class Meta:
        ordering = ["project_id", "pk"]

    def __str__(self) -> str:
        return self.title


class SharedTask(models.Model):
    project = models.ForeignKey(MacroregionProject, on_delete=models.CASCADE, related_name="tasks")
    goal = models.ForeignKey(JointGoal, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    due = models.DateField(_("due"), null=True, blank=True)

    class Meta:
        ordering = ["project_id", "pk"]

    def __str__(self) -> str:
        return self.title


class SharedTaskExecutor(models.Model):
    task = models.ForeignKey(SharedTask, on_delete=models.CASCADE, related_name="executors")
    organization = models.ForeignKey("people.Organization", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["task_id", "region_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["task", "organization"], name="shared_task_executor_once")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.organization_id}"
