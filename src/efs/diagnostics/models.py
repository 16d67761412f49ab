"""Item bank, assessments, attempts, responses and results."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from efs.competencies.models import Audience, Competency, Framework

# An answer that left the browser just before the deadline still counts.
DEADLINE_GRACE = dt.timedelta(seconds=60)


class ItemKind(models.TextChoices):
    SINGLE = "single", _("single choice")
    MULTIPLE = "multiple", _("multiple choice")
    MATCHING = "matching", _("matching")
    ORDERING = "ordering", _("ordering")
    NUMERIC = "numeric", _("numeric answer")
    CASE = "case", _("situational case")


class ItemStatus(models.TextChoices):
    PILOT = "pilot", _("pilot (not scored)")
    OPERATIONAL = "operational", _("operational")
    RETIRED = "retired", _("retired")


class IrtModel(models.TextChoices):
    TWO_PL = "2PL", "2PL"
    THREE_PL = "3PL", "3PL"
    GPCM = "GPCM", "GPCM"


class Item(models.Model):
    """A test item. `content` is what a person sees; `key` never leaves the server."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="items", verbose_name=_("competency")
    )
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    kind = models.CharField(_("type"), max_length=10, choices=ItemKind.choices)
    content = models.JSONField(_("content"))
    key = models.JSONField(_("key"))
    max_score = models.PositiveSmallIntegerField(_("maximum score"))
    irt_model = models.CharField(_("IRT model"), max_length=4, choices=IrtModel.choices)
    a = models.FloatField(_("slope a"))
    b = models.FloatField(_("difficulty b"), null=True, blank=True)
    c = models.FloatField(_("guessing c"), null=True, blank=True)
    steps = models.JSONField(_("GPCM steps"), default=list, blank=True)
    provisional = models.BooleanField(
        _("provisional parameters"), default=True, help_text=_("set by experts, not yet calibrated")
    )
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.OPERATIONAL)
    exposure_count = models.PositiveIntegerField(_("times shown"), default=0)
    stats = models.JSONField(_("statistics"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    rationale = models.TextField(_("rationale of the key"), blank=True)
    calibrated_at = models.DateTimeField(_("calibrated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    fit_flag: bool  # not stored: the bank page marks a misfitting item (diagnostics.views)

    class Meta:
        ordering = ["code"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        indexes = [models.Index(fields=["competency", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(a__gt=0), name="item_positive_slope"),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="item_scores_something"),
            models.CheckConstraint(
                condition=~Q(irt_model="GPCM") | Q(max_score__gte=2), name="item_gpcm_is_polytomous"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def as_format(self) -> dict:
        """The item in the format of :mod:`efs.diagnostics.itemformat`."""
        return {"code": self.code, "kind": self.kind, **self.content, "key": self.key}


class AssessmentMode(models.TextChoices):
    ADAPTIVE = "adaptive", _("adaptive")
    FIXED = "fixed", _("fixed form")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", _("open")
    ARCHIVED = "archived", _("closed")


class Assessment(models.Model):
    """A blueprint: which competencies, how many items, how long, adaptive or fixed."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("framework")
    )
    competencies = models.ManyToManyField(Competency, blank=True, verbose_name=_("competencies (empty: all diagnosed)"))
    mode = models.CharField(_("mode"), max_length=10, choices=AssessmentMode.choices, default=AssessmentMode.ADAPTIVE)
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.ACTIVE
    )
    region = models.ForeignKey(
        "people.Region", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("region (empty: every region)")
    )
    max_items = models.PositiveSmallIntegerField(_("at most items in total"), default=80)
    min_per_competency = models.PositiveSmallIntegerField(_("at least items per competency"), default=3)
    max_per_competency = models.PositiveSmallIntegerField(_("at most items per competency"), default=10)
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit, minutes"), default=90)
    decision_confidence = models.FloatField(_("confidence of a decision"), default=0.95)
    randomesque = models.PositiveSmallIntegerField(_("random choice among the best items"), default=3)
    pilot_items = models.PositiveSmallIntegerField(_("unscored pilot items per attempt"), default=2)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_per_competency__lte=models.F("max_per_competency")), name="assessment_min_le_max"
            ),
            models.CheckConstraint(
                condition=Q(decision_confidence__gt=0.5, decision_confidence__lt=1), name="assessment_confidence_range"
            ),
            models.CheckConstraint(condition=Q(time_limit_minutes__gte=5), name="assessment_time_limit_min"),
        ]

    def __str__(self) -> str:
        return self.title


class FixedFormItem(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="fixed_items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["assessment_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "position"], name="fixed_form_unique_position"),
            models.UniqueConstraint(fields=["assessment", "item"], name="fixed_form_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} #{self.position}"


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    EXPIRED = "expired", _("time is up")
    ABANDONED = "abandoned", _("abandoned")


class Attempt(models.Model):
    """One sitting of an assessment by an educator. `region` is the shard key."""

    educator = models.ForeignKey(
        "people.Educator", on_delete=models.CASCADE, related_name="attempts", verbose_name=_("educator")
    )
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, verbose_name=_("region"))
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("assessment")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    competency_codes = models.JSONField(_("competencies measured"))
    pilot_plan = models.JSONField(_("pilot items and positions"), default=dict, blank=True)
    seed = models.PositiveIntegerField(_("random seed"))
    consent = models.ForeignKey("people.Consent", on_delete=models.PROTECT, related_name="+", verbose_name=_("consent"))
    started_at = models.DateTimeField(_("started"))
    deadline_at = models.DateTimeField(_("deadline"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    answered = models.PositiveSmallIntegerField(_("answered"), default=0)
    decided = models.PositiveSmallIntegerField(_("competencies decided"), default=0)
    remaining_max = models.PositiveSmallIntegerField(_("at most items left"), default=0)
    stop_reason = models.CharField(_("why it stopped"), max_length=40, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["educator", "-started_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["educator", "assessment"],
                condition=Q(status="in_progress"),
                name="attempt_one_open_per_assessment",
            ),
            models.CheckConstraint(
                condition=Q(deadline_at__gt=models.F("started_at")), name="attempt_deadline_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.educator} — {self.assessment} ({self.started_at:%Y-%m-%d})"

    def time_is_up(self, now: dt.datetime | None = None) -> bool:
        """Still open, but past its deadline: pages show «time is up» and the person's POST
        (or the daily job) finishes it; reading never does."""
        return self.status == AttemptStatus.IN_PROGRESS and (now or timezone.now()) > self.deadline_at + DEADLINE_GRACE

    @property
    def is_time_up(self) -> bool:
        return self.time_is_up()


class Response(models.Model):
    """An item presented at a position of an attempt and, once answered, its score.

    The row is written when the item is shown (so a reload shows the same item) and
    completed when the answer arrives; an answered row never changes.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="responses")
    position = models.PositiveSmallIntegerField(_("position"))
    pilot = models.BooleanField(_("pilot item"), default=False)
    presented_at = models.DateTimeField(_("shown"))
    answer = models.JSONField(_("answer"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["attempt_id", "position"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="response_unique_position"),
            models.UniqueConstraint(fields=["attempt", "item"], name="response_item_once"),
            models.CheckConstraint(
                condition=(Q(answered_at__isnull=True) & Q(score__isnull=True))
                | (Q(answered_at__isnull=False) & Q(score__isnull=False)),
                name="response_answered_has_score",
            ),
        ]
        indexes = [models.Index(fields=["item", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"


class Decision(models.TextChoices):
    DEFICIT = "deficit", _("deficit")
    UNCERTAIN = "uncertain", _("could not be determined")
    NO_DEFICIT = "no_deficit", _("no deficit")


class CompetencyResult(models.Model):
    """The measured state of one competency at the end of an attempt."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="results")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="results")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT)
    theta = models.FloatField(_("ability"))
    se = models.FloatField(_("standard error"))
    p_deficit = models.FloatField(_("probability of a deficit"))
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    level = models.CharField(_("level"), max_length=20)
    items = models.PositiveSmallIntegerField(_("items"))

    class Meta:
        ordering = ["attempt_id", "competency__order"]
        verbose_name = _("competency result")
        verbose_name_plural = _("competency results")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "competency"], name="result_unique_competency"),
            models.CheckConstraint(condition=Q(p_deficit__gte=0, p_deficit__lte=1), name="result_probability_range"),
            models.CheckConstraint(condition=Q(se__gt=0), name="result_positive_se"),
        ]
        indexes = [models.Index(fields=["region", "competency", "decision"])]

    def __str__(self) -> str:
        return f"{self.competency.code}: {self.get_decision_display()}"

    @property
    def confidence(self) -> float:
        """The probability of the more likely side."""
        return max(self.p_deficit, 1 - self.p_deficit)


class CalibrationStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class CalibrationRun(models.Model):
    """A background calibration of a framework's items from the collected responses."""

    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="calibrations", verbose_name=_("framework")
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=CalibrationStatus.choices, default=CalibrationStatus.QUEUED
    )
    anchor_operational = models.BooleanField(
        _("keep operational items fixed (calibrate pilots onto the scale)"), default=True
    )
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    persons = models.PositiveIntegerField(_("people"), default=0)
    responses = models.PositiveIntegerField(_("responses"), default=0)
    results = models.JSONField(_("results"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calibration run")
        verbose_name_plural = _("calibration runs")
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=1), name="calibration_progress_range")
        ]

    def __str__(self) -> str:
        return f"{self.framework} {self.created_at:%Y-%m-%d %H:%M}"
