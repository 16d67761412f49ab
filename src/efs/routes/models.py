"""The individual educational route (ИОМ): goals per deficit, items, evidence, history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RouteStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PROPOSED = "proposed", _("sent to the tutor")
    APPROVED = "approved", _("approved by the tutor")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    ABANDONED = "abandoned", _("abandoned")


ACTIVE = (RouteStatus.DRAFT, RouteStatus.PROPOSED, RouteStatus.APPROVED, RouteStatus.IN_PROGRESS)


class RouteOrigin(models.TextChoices):
    PERSONAL = "personal", _("built by the educator")
    REGIONAL = "regional", _("proposed by the region-wide plan")


class Route(models.Model):
    """An educator's route for a period. `region` is the shard key."""

    educator = models.ForeignKey(
        "people.Educator", on_delete=models.CASCADE, related_name="routes", verbose_name=_("educator")
    )
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attempt = models.ForeignKey(
        "diagnostics.Attempt",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="routes",
        verbose_name=_("built from the diagnostics"),
    )
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tutored_routes",
        verbose_name=_("tutor"),
    )
    status = models.CharField(_("status"), max_length=12, choices=RouteStatus.choices, default=RouteStatus.DRAFT)
    origin = models.CharField(_("origin"), max_length=10, choices=RouteOrigin.choices, default=RouteOrigin.PERSONAL)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    budget = models.PositiveBigIntegerField(_("budget, kopecks"), default=0)
    copay = models.PositiveBigIntegerField(_("co-payment the educator declares, kopecks"), default=0)
    max_hours = models.PositiveIntegerField(_("at most hours"), default=144)
    formats = models.JSONField(_("formats"), default=list, blank=True, help_text=_("online, in_person; empty: any"))
    places = models.JSONField(
        _("places"), default=list, blank=True, help_text=_("municipality ids for in-person study; empty: any")
    )
    optimal = models.BooleanField(_("optimal when built"), default=False)
    built_objective = models.FloatField(_("covered deficit weight when built"), default=0.0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("individual educational route")
        verbose_name_plural = _("individual educational routes")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="route_period_order"),
            models.UniqueConstraint(
                fields=["educator"],
                condition=Q(status__in=["draft", "proposed", "approved", "in_progress"]),
                name="route_one_active_per_educator",
            ),
        ]
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.educator}: {self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"

    @property
    def is_editable(self) -> bool:
        return self.status == RouteStatus.DRAFT


class GoalStatus(models.TextChoices):
    OPEN = "open", _("in work")
    READY = "ready", _("ready for re-diagnosis")
    ACHIEVED = "achieved", _("deficit closed")
    NOT_ACHIEVED = "not_achieved", _("deficit remains")


class RouteGoal(models.Model):
    """A deficit the route works on: where the educator is and where they aim to be."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="goals")
    competency = models.ForeignKey(
        "competencies.Competency", on_delete=models.PROTECT, related_name="+", verbose_name=_("competency")
    )
    weight = models.FloatField(_("probability of the deficit"))
    current_level = models.CharField(_("current level"), max_length=20)
    current_theta = models.FloatField(_("ability at the start"), null=True, blank=True)
    target_level = models.CharField(_("target level"), max_length=20)
    status = models.CharField(_("status"), max_length=12, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    remeasured_attempt = models.ForeignKey(
        "diagnostics.Attempt", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result_theta = models.FloatField(_("ability after the route"), null=True, blank=True)
    result_decision = models.CharField(_("decision after the route"), max_length=12, blank=True)

    class Meta:
        ordering = ["route_id", "-weight"]
        verbose_name = _("route goal")
        verbose_name_plural = _("route goals")
        constraints = [
            models.UniqueConstraint(fields=["route", "competency"], name="goal_one_per_competency"),
            models.CheckConstraint(condition=Q(weight__gte=0, weight__lte=1), name="goal_weight_range"),
        ]

    def __str__(self) -> str:
        return f"{self.route_id}: {self.competency.code}"

    @property
    def target_title(self) -> str:
        return self.competency.framework.level_titles.get(self.target_level, self.target_level)

    @property
    def current_title(self) -> str:
        return self.competency.framework.level_titles.get(self.current_level, self.current_level)

    @property
    def result_label(self) -> str:
        from efs.diagnostics.models import Decision

        return str(Decision(self.result_decision).label) if self.result_decision in Decision.values else ""


class ItemKind(models.TextChoices):
    COHORT = "cohort", _("program from the depository")
    INTERNSHIP = "internship", _("internship")
    MENTORING = "mentoring", _("mentoring")
    EVENT = "event", _("webinar or event")
    SELF_STUDY = "self_study", _("self-study")
    PRACTICE = "practice", _("effective practice")
    REFLECTION = "reflection", _("reflective cycle")
    CONSULTATION = "consultation", _("consultation with a tutor")


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    SUBMITTED = "submitted", _("evidence submitted")
    ACCEPTED = "accepted", _("done")
    RETURNED = "returned", _("evidence returned")
    CANCELLED = "cancelled", _("cancelled")


DONE = (ItemStatus.ACCEPTED,)


class RouteItem(models.Model):
    """A row of the route: activity, the deficits it addresses, dates, result, evidence."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices)
    title = models.CharField(_("activity"), max_length=500)
    cohort = models.ForeignKey(
        "catalog.Cohort", on_delete=models.PROTECT, null=True, blank=True, related_name="route_items"
    )
    program = models.ForeignKey(
        "catalog.Program", on_delete=models.PROTECT, null=True, blank=True, related_name="route_items"
    )
    coverage = models.JSONField(_("coverage of competencies"), default=dict)
    task = models.CharField(_("task"), max_length=500, blank=True)
    reason = models.TextField(_("why it is in the route"), blank=True)
    planned_start = models.DateField(_("start"), null=True, blank=True)
    planned_end = models.DateField(_("end"), null=True, blank=True)
    hours = models.PositiveIntegerField(_("hours"), default=0)
    price = models.PositiveBigIntegerField(_("price, kopecks"), default=0)
    exclusive = models.BooleanField(_("attendance in person"), default=False)
    expected_result = models.TextField(_("expected result"), blank=True)
    evidence_form = models.CharField(_("form of evidence"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["route_id", "planned_start", "order", "id"]
        verbose_name = _("route item")
        verbose_name_plural = _("route items")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="item_dates_order",
            ),
            models.CheckConstraint(
                condition=~Q(kind="cohort") | Q(cohort__isnull=False), name="item_cohort_has_cohort"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def competency_codes(self) -> list[str]:
        return list(self.coverage)


class Evidence(models.Model):
    """A file or text that shows an item was done, and the tutor's review of it."""

    item = models.ForeignKey(RouteItem, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    accepted = models.BooleanField(_("accepted"), null=True)
    review_comment = models.TextField(_("tutor's comment"), blank=True)

    class Meta:
        ordering = ["item_id", "-uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [models.CheckConstraint(condition=~Q(file="") | ~Q(note=""), name="evidence_has_content")]

    def __str__(self) -> str:
        return self.file_name or self.note[:40]


EVENT_LABELS = {
    "built": _("built automatically"),
    "proposed": _("sent to the tutor"),
    "approved": _("approved by the tutor"),
    "returned": _("returned by the tutor"),
    "abandoned": _("stopped"),
    "started": _("work started"),
    "completed": _("completed"),
    "item_added": _("activity added"),
    "item_removed": _("activity removed"),
    "item_swapped": _("activity swapped"),
    "limits_changed": _("limits changed"),
    "rebuilt": _("rebuilt after the re-diagnosis"),
    "proposed_by_region": _("proposed by the region-wide plan"),
}


class RouteEvent(models.Model):
    """The route's history: building, sending, approval, returns with comments, changes."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["route_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.route_id}: {self.action}"

    @property
    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


class AllocationStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class AllocationRun(models.Model):
    """A region-wide plan: seats and the regional fund shared among all its educators."""

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    fund = models.PositiveBigIntegerField(_("fund, kopecks"))
    max_hours = models.PositiveIntegerField(_("at most hours per educator"), default=144)
    budget_per_educator = models.PositiveBigIntegerField(_("at most per educator, kopecks"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=AllocationStatus.choices, default=AllocationStatus.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    results = models.JSONField(_("results"), default=dict, blank=True)
    routes_created = models.PositiveIntegerField(_("routes proposed"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("region-wide plan")
        verbose_name_plural = _("region-wide plans")
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=1), name="allocation_progress_range")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.created_at:%Y-%m-%d %H:%M}"
