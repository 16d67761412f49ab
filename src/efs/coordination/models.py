"""Models of the coordination app. The programs part keeps its models in `programs/models.py`; they are
imported here so that Django registers them under this app."""

from efs.coordination.programs.models import *  # noqa: F403

# isort: split
# ---------------------------------------------------------------- the coordination council (main part)

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Council(models.Model):
    """The coordination council of a region's system of methodological support (one per region)."""

    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    name = models.CharField(_("name"), max_length=300)
    basis = models.CharField(
        _("established by"),
        max_length=300,
        blank=True,
        help_text=_("the act that established the council: its number and date"),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coordination council")
        verbose_name_plural = _("coordination councils")
        constraints = [models.UniqueConstraint(fields=["region"], name="coordination_one_council_per_region")]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("chair")
    DEPUTY = "deputy", _("deputy chair")
    SECRETARY = "secretary", _("secretary")
    MEMBER = "member", _("council member")


class CouncilMember(models.Model):
    """A person on the council, representing one subject of the regional system (an organization)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="members")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("represents")
    )
    role = models.CharField(_("role"), max_length=12, choices=MemberRole.choices, default=MemberRole.MEMBER)
    term_start = models.DateField(_("term from"))
    term_end = models.DateField(_("term until"), null=True, blank=True)

    class Meta:
        verbose_name = _("council member")
        verbose_name_plural = _("council members")
        ordering = ["council", "term_start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["council", "user", "term_start"], name="coordination_member_once_per_term"),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")),
                name="coordination_member_term_order",
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    def active_on(self, day) -> bool:
        return self.term_start <= day and (self.term_end is None or day <= self.term_end)


class WorkingGroup(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="groups")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=300)
    purpose = models.TextField(_("purpose"), max_length=2000, blank=True)
    leader = models.ForeignKey(
        CouncilMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("leader")
    )
    members = models.ManyToManyField(CouncilMember, related_name="groups", blank=True, verbose_name=_("members"))

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["council", "name"]
        constraints = [models.UniqueConstraint(fields=["council", "name"], name="coordination_group_name_unique")]

    def __str__(self) -> str:
        return self.name


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    HELD = "held", _("held")


class Meeting(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="meetings")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("number"))
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    quorum = models.BooleanField(
        _("quorum"), default=False, help_text=_("more than half of the members in office were present")
    )
    members_in_office = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("council meeting")
        verbose_name_plural = _("council meetings")
        ordering = ["council", "-starts_at"]
        constraints = [models.UniqueConstraint(fields=["council", "number"], name="coordination_meeting_number_unique")]

    def __str__(self) -> str:
        return f"№ {self.number}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("question"), max_length=500)
    speaker = models.ForeignKey(
        CouncilMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("speaker")
    )
    materials = models.TextField(_("materials"), max_length=2000, blank=True)
    task = models.ForeignKey(
        "coordination.StrategicTask",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("task"),
    )
    indicator = models.ForeignKey(
        "monitoring.Indicator",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indicator"),
    )
    program = models.ForeignKey(
        "coordination.RegionalProgram",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("regional program"),
    )
    carried_decision = models.ForeignKey(
        "coordination.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    carried = models.BooleanField(default=False, help_text="added automatically: an overdue task or an open decision")

    class Meta:
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "task"],
                condition=Q(carried=True, task__isnull=False),
                name="coordination_task_carried_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "carried_decision"],
                condition=Q(carried_decision__isnull=False),
                name="coordination_decision_carried_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="coordination_attendance_once")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.member_id}"


class DecisionMethod(models.TextChoices):
    VOTE = "vote", _("by vote")
    CONSENSUS = "consensus", _("by consensus")


class Outcome(models.TextChoices):
    PENDING = "pending", _("being voted")
    ADOPTED = "adopted", _("adopted")
    REJECTED = "rejected", _("rejected")


class Execution(models.TextChoices):
    OPEN = "open", _("in execution")
    DONE = "done", _("executed")


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("decision"), max_length=3000)
    method = models.CharField(
        _("how decided"), max_length=10, choices=DecisionMethod.choices, default=DecisionMethod.VOTE
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    execution = models.CharField(_("execution"), max_length=6, choices=Execution.choices, default=Execution.OPEN)
    due_date = models.DateField(_("due"), null=True, blank=True)
    executed_at = models.DateField(_("executed on"), null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField(default=0)
    votes_against = models.PositiveSmallIntegerField(default=0)
    votes_abstained = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="coordination_decision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.meeting.number}.{self.number}"


class VoteChoice(models.TextChoices):
    FOR = "for", _("for")
    AGAINST = "against", _("against")
    ABSTAINED = "abstained", _("abstained")


class Vote(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, choices=VoteChoice.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["decision", "member"], name="coordination_one_vote_per_member")]

    def __str__(self) -> str:
        return f"{self.decision_id}:{self.member_id}:{self.choice}"


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    FROZEN = "frozen", _("approved and frozen")


class Minutes(models.Model):
    """The minutes of a meeting. A frozen version never changes; a correction is a new version."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(default=1)
    text = models.TextField(_("text of the minutes"), max_length=20000)
    correction_reason = models.CharField(_("what is corrected"), max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(auto_now_add=True)
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="coordination_minutes_version_unique"),
            models.UniqueConstraint(
                fields=["meeting"], condition=Q(status="draft"), name="coordination_one_draft_minutes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} v{self.version}"


class MinutesApproval(models.Model):
    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="approvals")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["minutes", "member"], name="coordination_approve_once")]

    def __str__(self) -> str:
        return f"{self.minutes_id}:{self.member_id}"


class TaskStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


# The statuses of a task still to be done: counted as open, carried to the next meeting when
# overdue, and the only ones whose status, pledges and milestones change.
OPEN_TASK = (TaskStatus.PLANNED, TaskStatus.IN_PROGRESS)


class StrategicTask(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="tasks")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_("decision")
    )
    title = models.CharField(_("task"), max_length=300)
    goal = models.TextField(_("goal"), max_length=3000)
    starts_on = models.DateField(_("start"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.PLANNED)
    evidence = models.TextField(_("evidence of the result"), max_length=3000, blank=True)
    # The evidence is typed freely and may name a person: the public page shows only the text a runner
    # of the council has read and published (possibly shortened), never `evidence` itself.
    public_evidence = models.TextField(_("published evidence"), max_length=3000, blank=True)
    public_evidence_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    public_evidence_at = models.DateTimeField(null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    indicators = models.ManyToManyField(
        "monitoring.Indicator", related_name="+", blank=True, verbose_name=_("indicators")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("strategic task")
        verbose_name_plural = _("strategic tasks")
        ordering = ["council", "deadline", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("starts_on")), name="coordination_task_dates")
        ]

    def __str__(self) -> str:
        return self.title


class Part(models.TextChoices):
    RESPONSIBLE = "responsible", _("responsible")
    CO_EXECUTOR = "co_executor", _("co-executor")


class PledgeState(models.TextChoices):
    PROPOSED = "proposed", _("waiting for the organization")
    ACCEPTED = "accepted", _("accepted by the organization")
    DECLINED = "declined", _("declined by the organization")


class Participation(models.Model):
    """One organization's part in a task (the responsibility matrix) and the resources it pledges;
    it counts only once a person of that organization has accepted it."""

    task = models.ForeignKey(StrategicTask, on_delete=models.CASCADE, related_name="participations")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "people.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    part = models.CharField(_("part"), max_length=12, choices=Part.choices, default=Part.CO_EXECUTOR)
    money_kopecks = models.BigIntegerField(_("money"), default=0)
    staff_hours = models.PositiveIntegerField(_("staff hours"), default=0)
    venues = models.CharField(_("venues"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=PledgeState.choices, default=PledgeState.PROPOSED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task", "part", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "organization"], name="coordination_one_part_per_org"),
            models.UniqueConstraint(
                fields=["task"], condition=Q(part="responsible"), name="coordination_one_responsible"
            ),
            models.CheckConstraint(condition=Q(money_kopecks__gte=0), name="coordination_pledge_money_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.organization_id}"


class Milestone(models.Model):
    task = models.ForeignKey(StrategicTask, on_delete=models.CASCADE, related_name="milestones")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("milestone"), max_length=300)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("reached on"), null=True, blank=True)

    class Meta:
        ordering = ["task", "due", "pk"]

    def __str__(self) -> str:
        return self.title


class TaskRevision(models.Model):
    """One edit of a task's text or deadline: what each changed field was and became, who changed it and why."""

    task = models.ForeignKey(StrategicTask, on_delete=models.CASCADE, related_name="revisions")
    region = models.ForeignKey("people.Region", on_delete=models.PROTECT, related_name="+")
    changes = models.JSONField(_("changes"), default=dict)  # {field: [before, after]}
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.task_id}@{self.changed_at:%Y-%m-%d}"
