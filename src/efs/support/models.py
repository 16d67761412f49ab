"""Methodological support: consultations and the private records behind the privacy wall.

A `PrivateRecord` holds what a person says in confidence — consultation notes, mentoring
notes, journal entries, observation protocols. Its contents are read by the educator it
belongs to, its author and the people the educator shares it with (`RecordShare`,
revocable); heads and operators see counts and dates only (see `access.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TEXT_MAX = 20_000  # characters of one private text


class RecordKind(models.TextChoices):
    CONSULTATION_NOTE = "consultation_note", _("consultation notes")
    MENTORING_NOTE = "mentoring_note", _("mentoring note")
    JOURNAL_ENTRY = "journal_entry", _("journal entry")
    OBSERVATION = "observation", _("observation protocol")


class PrivateRecord(models.Model):
    """One private text about an educator's professional growth. `region` is the shard key."""

    educator = models.ForeignKey(
        "people.Educator", on_delete=models.CASCADE, related_name="support_records", verbose_name=_("educator")
    )
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    outcome = models.TextField(_("outcome"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    consultation = models.OneToOneField(
        "support.Consultation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="note",
        verbose_name=_("consultation"),
    )
    cycle = models.ForeignKey(
        "support.ReflectionCycle",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("reflective cycle"),
    )
    cycle_stage = models.CharField(_("stage of the cycle"), max_length=8, blank=True)
    rubric = models.JSONField(
        _("rubric levels"), default=dict, blank=True, help_text=_("labour function code -> level, for an observation")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("private record")
        verbose_name_plural = _("private records")
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="record_has_text"),
            models.CheckConstraint(
                condition=Q(kind="consultation_note", consultation__isnull=False)
                | (~Q(kind="consultation_note") & Q(consultation__isnull=True)),
                name="record_consultation_note_has_consultation",
            ),
        ]
        indexes = [models.Index(fields=["educator", "kind"]), models.Index(fields=["organization", "kind"])]

    def __str__(self) -> str:
        return self.title


class RecordShare(models.Model):
    """The educator lets one person read one record; revoking keeps the row for history."""

    record = models.ForeignKey(PrivateRecord, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("shared with")
    )
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    shared_at = models.DateTimeField(_("shared"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["record_id", "-shared_at", "-id"]
        verbose_name = _("share of a record")
        verbose_name_plural = _("shares of records")
        constraints = [
            models.UniqueConstraint(
                fields=["record", "user"], condition=Q(revoked_at__isnull=True), name="share_one_active_per_user"
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.user_id}"


class ConsultationFormat(models.TextChoices):
    ONLINE = "online", _("online")
    IN_PERSON = "in_person", _("in person")


class ConsultationStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("consultation", "requested")
    SCHEDULED = "scheduled", pgettext_lazy("consultation", "scheduled")
    HELD = "held", pgettext_lazy("consultation", "held")
    CANCELLED = "cancelled", pgettext_lazy("consultation", "cancelled")


OPEN_STATUSES = (ConsultationStatus.REQUESTED, ConsultationStatus.SCHEDULED)


class Consultation(models.Model):
    """An educator's request for a consultation on a competency or a route item, and its
    appointment with the tutor. The notes, outcome and next steps are a `PrivateRecord`.
    The service requires a competency or an item; an item removed from a draft route later
    leaves the consultation with its topic, so the database does not insist on one."""

    educator = models.ForeignKey(
        "people.Educator", on_delete=models.CASCADE, related_name="consultations", verbose_name=_("educator")
    )
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations_given", verbose_name=_("tutor")
    )
    competency = models.ForeignKey(
        "competencies.Competency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("competency"),
    )
    route_item = models.ForeignKey(
        "routes.RouteItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("route item"),
    )
    topic = models.CharField(_("topic"), max_length=300)
    format = models.CharField(_("format"), max_length=10, choices=ConsultationFormat.choices)
    preferred_times = models.CharField(_("preferred times"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ConsultationStatus.choices, default=ConsultationStatus.REQUESTED
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), max_length=500, blank=True)
    evidence = models.ForeignKey(
        "routes.Evidence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("route evidence"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason of cancellation"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["scheduled", "held"])
                | (Q(starts_at__isnull=False) & Q(ends_at__isnull=False)),
                name="consultation_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="consultation_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["tutor", "status", "starts_at"]),
            models.Index(fields=["educator", "status"]),
            models.Index(fields=["organization", "status"]),
        ]

    def __str__(self) -> str:
        return self.topic

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# ---------------------------------------------------------------- mentorship


class MentorshipForm(models.TextChoices):
    """The forms of mentoring of the national target model."""

    TEACHER_TEACHER = "teacher_teacher", _("teacher – teacher")
    HEAD_TEACHER = "head_teacher", _("school head – teacher")
    STUDENT_TEACHER = "student_teacher", _("student – teacher")
    GROUP = "group", _("group mentoring")


class MentorshipStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed, waiting for the school head")
    ACTIVE = "active", pgettext_lazy("mentorship", "active")
    FINISHED = "finished", pgettext_lazy("mentorship", "finished")
    DECLINED = "declined", pgettext_lazy("mentorship", "declined")


class Mentorship(models.Model):
    """A mentor and one mentee; a group is several rows with one `group_name`. The plan,
    the meeting log and the mentee's feedback are read by the two of them only."""

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentorships", verbose_name=_("mentor")
    )
    mentee = models.ForeignKey(
        "people.Educator", on_delete=models.CASCADE, related_name="mentorships", verbose_name=_("mentee")
    )
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    form = models.CharField(_("form"), max_length=16, choices=MentorshipForm.choices)
    group_name = models.CharField(_("group"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MentorshipStatus.choices, default=MentorshipStatus.PROPOSED
    )
    reason = models.CharField(_("why this mentor"), max_length=500, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    feedback = models.TextField(_("the mentee's feedback"), blank=True)
    feedback_rating = models.PositiveSmallIntegerField(_("the mentee's rating"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(status__in=["proposed", "active"]),
                name="mentorship_one_open_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(feedback_rating__isnull=True) | Q(feedback_rating__gte=1, feedback_rating__lte=5),
                name="mentorship_rating_range",
            ),
            models.CheckConstraint(condition=~Q(form="group") | ~Q(group_name=""), name="mentorship_group_has_name"),
        ]
        indexes = [models.Index(fields=["organization", "status"]), models.Index(fields=["mentor", "status"])]

    def __str__(self) -> str:
        return f"{self.mentor_id} → {self.mentee_id}"


class PlanItemKind(models.TextChoices):
    GOAL = "goal", _("goal")
    MEETING = "meeting", _("planned meeting")
    TASK = "task", _("task")


class PlanItem(models.Model):
    """A row of the personal mentoring plan: a goal on one of the mentee's deficits, a
    planned meeting or a task, with a due date."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="plan")
    kind = models.CharField(_("kind"), max_length=8, choices=PlanItemKind.choices)
    title = models.CharField(_("title"), max_length=300)
    competency = models.ForeignKey(
        "competencies.Competency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("competency"),
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["mentorship_id", "due_on", "id"]
        verbose_name = _("mentoring plan item")
        verbose_name_plural = _("mentoring plan items")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="goal") | Q(competency__isnull=False), name="plan_goal_has_competency"
            )
        ]

    def __str__(self) -> str:
        return self.title


class MentoringMeeting(models.Model):
    """The meeting log: when and how long; what was said is a private mentoring note."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("held on"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    topic = models.CharField(_("topic"), max_length=300)
    note = models.OneToOneField(PrivateRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="meeting")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["mentorship_id", "-held_on", "-id"]
        verbose_name = _("mentoring meeting")
        verbose_name_plural = _("mentoring meetings")
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=5, minutes__lte=480), name="meeting_minutes_range")
        ]

    def __str__(self) -> str:
        return f"{self.held_on}: {self.topic}"


# ---------------------------------------------------------------- reflective cycles


class CycleStage(models.TextChoices):
    PLAN = "plan", _("plan")
    ACT = "act", _("act")
    OBSERVE = "observe", _("observe")
    REFLECT = "reflect", _("reflect")
    CLOSED = "closed", _("closed")


STAGE_ORDER = [CycleStage.PLAN, CycleStage.ACT, CycleStage.OBSERVE, CycleStage.REFLECT, CycleStage.CLOSED]


class ReflectionCycle(models.Model):
    """Plan → act → observe → reflect on one competency, opened from a deficit or a route
    item, closed by a re-diagnosis of that competency (before and after are kept). What
    is written at each stage is a private record of the cycle."""

    educator = models.ForeignKey(
        "people.Educator", on_delete=models.CASCADE, related_name="reflection_cycles", verbose_name=_("educator")
    )
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    competency = models.ForeignKey(
        "competencies.Competency", on_delete=models.PROTECT, related_name="+", verbose_name=_("competency")
    )
    route_item = models.ForeignKey(
        "routes.RouteItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("route item"),
    )
    stage = models.CharField(_("stage"), max_length=8, choices=CycleStage.choices, default=CycleStage.PLAN)
    before_p_deficit = models.FloatField(_("probability of the deficit at the start"))
    before_measured_at = models.DateTimeField(_("measured at the start"))
    after_p_deficit = models.FloatField(_("probability of the deficit at the re-diagnosis"), null=True, blank=True)
    after_measured_at = models.DateTimeField(_("re-diagnosed"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    evidence = models.ForeignKey(
        "routes.Evidence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("route evidence"),
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("reflective cycle")
        verbose_name_plural = _("reflective cycles")
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage="closed") | Q(after_p_deficit__isnull=False, closed_at__isnull=False),
                name="cycle_closed_has_after",
            ),
            models.UniqueConstraint(
                fields=["educator", "competency"], condition=~Q(stage="closed"), name="cycle_one_open_per_competency"
            ),
        ]
        indexes = [models.Index(fields=["organization", "stage"])]

    def __str__(self) -> str:
        return f"{self.educator_id}: {self.competency_id} ({self.stage})"


# ---------------------------------------------------------------- caseloads


class TutorCapacity(models.Model):
    """How many educators a tutor of the region can support, set by the ЦНППМ head."""

    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("tutor")
    )
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    set_at = models.DateTimeField(_("set"), auto_now=True)

    class Meta:
        verbose_name = _("capacity of a tutor")
        verbose_name_plural = _("capacities of tutors")
        constraints = [models.UniqueConstraint(fields=["tutor", "region"], name="capacity_one_per_tutor_region")]

    def __str__(self) -> str:
        return f"{self.tutor_id}: {self.capacity}"


class ChangeReason(models.TextChoices):
    ASSIGNED = "assigned", pgettext_lazy("caseload", "assigned")
    REASSIGNED = "reassigned", pgettext_lazy("caseload", "reassigned")
    REBALANCED = "rebalanced", pgettext_lazy("caseload", "rebalanced")
    MENTORSHIP_ENDED = "mentorship_ended", _("mentorship finished")


class CaseloadChange(models.Model):
    """The history of who supports an educator: each assignment, reassignment and end. The
    current state is `people.SupportAssignment` (the scoping mechanism reads it)."""

    educator = models.ForeignKey(
        "people.Educator", on_delete=models.CASCADE, related_name="caseload_changes", verbose_name=_("educator")
    )
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10)  # people.AssignmentKind: tutor or mentor
    from_supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("before"),
    )
    to_supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("after"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ChangeReason.choices)
    note = models.CharField(_("why"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("caseload change")
        verbose_name_plural = _("caseload changes")
        indexes = [models.Index(fields=["region", "-changed_at"]), models.Index(fields=["educator", "kind"])]

    def __str__(self) -> str:
        return f"{self.educator_id}: {self.from_supporter_id} → {self.to_supporter_id}"


# ---------------------------------------------------------------- does support work?


class EffectGroup(models.TextChoices):
    FORM = "form", _("form of support")
    TUTOR = "tutor", _("tutor")
    MENTOR = "mentor", _("mentor")


class SupportForm(models.TextChoices):
    CONSULTATION = "consultation", _("consultations")
    MENTORING = "mentoring", _("mentoring")
    CYCLE = "cycle", _("reflective cycles")


class SupportEffect(models.Model):
    """The share of supported deficits closed at the re-diagnosis against comparable
    deficits without support, for one form of support, tutor or mentor of a region
    (recomputed by the daily job; method in docs/support.md). Counts only."""

    region = models.ForeignKey("people.Region", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(_("group"), max_length=8, choices=EffectGroup.choices)
    form = models.CharField(_("form of support"), max_length=12, choices=SupportForm.choices, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    episodes = models.PositiveIntegerField(_("supported deficits re-measured"))
    closed = models.PositiveIntegerField(_("of them closed"))
    compared = models.PositiveIntegerField(_("with a comparison"))
    compared_closed = models.PositiveIntegerField(_("of them closed"))
    expected = models.FloatField(_("expected share closed without support"), null=True, blank=True)
    control = models.PositiveIntegerField(_("comparable deficits without support"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["region_id", "group", "form", "person_id"]
        verbose_name = _("measured effect of support")
        verbose_name_plural = _("measured effects of support")
        indexes = [models.Index(fields=["region", "group"])]

    def __str__(self) -> str:
        return f"{self.region_id} {self.group} {self.form or self.person_id}"

    @property
    def share(self) -> float | None:
        return self.closed / self.episodes if self.episodes else None

    @property
    def compared_share(self) -> float | None:
        return self.compared_closed / self.compared if self.compared else None

    @property
    def effect(self) -> float | None:
        if self.expected is None or not self.compared:
            return None
        return self.compared_closed / self.compared - self.expected
