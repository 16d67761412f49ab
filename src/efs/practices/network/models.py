"""Models of the network part of the practices app (registered under the practices app label).

Network communities (сетевые методические объединения, the network school) with members and
moderators, discussion threads (of a community, or attached to another app's subject such as a
coordination task), events with registration and attendance, blended courses, and joint
projects of organizations from several regions. `region` on every table is the shard key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from efs.people.models import Macroregion, Organization, Region

TITLE_MAX = 200
BODY_MAX = 10_000
DESCRIPTION_MAX = 5_000
REASON_MAX = 500


class MembershipPolicy(models.TextChoices):
    OPEN = "open", _("open: anyone of its regions joins")
    REQUEST = "request", _("by request: a moderator admits")


class Community(models.Model):
    """A network methodological association; across the regions of a macroregion when it has one."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    macroregion = models.ForeignKey(
        Macroregion, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("macroregion")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host organization"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    membership = models.CharField(
        _("membership"), max_length=10, choices=MembershipPolicy.choices, default=MembershipPolicy.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Counters kept by the services (F() updates), so the list of 500 communities reads no aggregates.
    members_count = models.PositiveIntegerField(default=0)
    threads_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("network community")
        verbose_name_plural = _("network communities")
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="community_has_title")]
        indexes = [models.Index(fields=["region", "title", "id"])]

    def __str__(self) -> str:
        return self.title


class MemberRole(models.TextChoices):
    MEMBER = "member", _("member")
    MODERATOR = "moderator", _("moderator")


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("request pending")
    ACTIVE = "active", _("member")


class Membership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    status = models.CharField(_("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        ordering = ["community", "id"]
        constraints = [models.UniqueConstraint(fields=["community", "user"], name="membership_once")]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.community_id}"


class Thread(models.Model):
    """A discussion: in a community, or about another app's subject (`subject_kind`, `subject_id`),
    e.g. ("coordination.task", 17); exactly one of the two."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, null=True, blank=True, related_name="threads")
    subject_kind = models.CharField(max_length=50, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_post_at = models.DateTimeField(null=True, blank=True)
    posts_count = models.PositiveIntegerField(default=0)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_post_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(community__isnull=False, subject_kind="", subject_id__isnull=True)
                | Q(community__isnull=True, subject_id__isnull=False) & ~Q(subject_kind=""),
                name="thread_community_or_subject",
            ),
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id"], condition=~Q(subject_kind=""), name="thread_one_per_subject"
            ),
        ]
        indexes = [models.Index(fields=["community", "last_post_at"])]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("text"), max_length=BODY_MAX)
    # Rendered once when written (Markdown without raw HTML, see network/markdown.py).
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hide_reason = models.CharField(max_length=REASON_MAX, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at", "id"])]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.pk}"


class PostAttachment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="practices/network/posts/%Y/%m/")
    file_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file_name


class PostReport(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="post_report_once")]

    def __str__(self) -> str:
        return f"{self.post_id}: {self.reason[:40]}"


class EventKind(models.TextChoices):
    WEBINAR = "webinar", _("webinar")
    OPEN_LESSON = "open_lesson", _("open lesson")
    MASTER_CLASS = "master_class", _("master class")


class Event(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="events")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=15, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    registration_deadline = models.DateTimeField(_("registration until"))
    registered_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1) & Q(capacity__lte=10_000), name="event_capacity_range"),
            models.CheckConstraint(
                condition=Q(registered_count__lte=models.F("capacity")), name="event_not_over_capacity"
            ),
            models.CheckConstraint(
                condition=Q(registration_deadline__lte=models.F("starts_at")), name="event_deadline_before_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)
    attended = models.BooleanField(null=True, blank=True)  # None: not recorded yet
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The route evidence the attendee made of the attendance (routes.Evidence id; routes never imports practices).
    evidence_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["registered_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="registration_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.event_id}"


class Course(models.Model):
    """A blended course: online modules and in-person sessions in sequence."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="courses")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class ModuleKind(models.TextChoices):
    ONLINE = "online", _("online module")
    IN_PERSON = "in_person", _("in-person session")


class CourseModule(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=10, choices=ModuleKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    material = models.TextField(_("materials"), max_length=BODY_MAX, blank=True)
    material_html = models.TextField(editable=False, blank=True)
    assignment = models.TextField(_("assignment"), max_length=DESCRIPTION_MAX, blank=True)
    starts_at = models.DateTimeField(_("date and time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)

    class Meta:
        ordering = ["course", "order"]
        constraints = [
            models.UniqueConstraint(fields=["course", "order"], name="course_module_order_unique"),
            models.CheckConstraint(
                condition=Q(kind="online") | Q(starts_at__isnull=False), name="course_session_has_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Enrollment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    enrolled_at = models.DateTimeField(auto_now_add=True)
    done_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["enrolled_at", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="course_enrollment_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.course_id}"


class ProgressStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted, awaiting the check")
    RETURNED = "returned", _("returned for revision")
    ACCEPTED = "accepted", _("accepted")
    ATTENDED = "attended", _("attended")


DONE_STATUSES = (ProgressStatus.ACCEPTED, ProgressStatus.ATTENDED)


class ModuleProgress(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="progress")
    module = models.ForeignKey(CourseModule, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ProgressStatus.choices)
    answer = models.TextField(_("answer"), max_length=BODY_MAX, blank=True)
    comment = models.CharField(_("moderator's comment"), max_length=2_000, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["module__order"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "module"], name="module_progress_once")]

    def __str__(self) -> str:
        return f"{self.enrollment_id}/{self.module_id}: {self.status}"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ACTIVE = "active", _("in progress")
    COMPLETED = "completed", _("completed")
    SUSPENDED = "suspended", _("suspended")


class JointProject(models.Model):
    """A joint research and development project of organizations from several regions."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead region"))
    macroregion = models.ForeignKey(Macroregion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lead_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead organization")
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("coordinator")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    goals = models.TextField(_("goals"), max_length=DESCRIPTION_MAX)
    status = models.CharField(_("status"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="project_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.title


class ProjectParticipant(models.Model):
    project = models.ForeignKey(JointProject, on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    contribution = models.CharField(_("contribution"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["project", "organization"], name="project_participant_once")]

    def __str__(self) -> str:
        return f"{self.organization_id} → {self.project_id}"


class ProjectTask(models.Model):
    project = models.ForeignKey(JointProject, on_delete=models.CASCADE, related_name="tasks")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("task"), max_length=TITLE_MAX)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    deadline = models.DateField(_("deadline"))
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.title


class ProjectOutput(models.Model):
    project = models.ForeignKey(JointProject, on_delete=models.CASCADE, related_name="outputs")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    file = models.FileField(upload_to="practices/network/projects/%Y/%m/")
    file_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


__all__ = [
    "Community",
    "Course",
    "CourseModule",
    "Enrollment",
    "Event",
    "JointProject",
    "Membership",
    "ModuleProgress",
    "Post",
    "PostAttachment",
    "PostReport",
    "ProjectOutput",
    "ProjectParticipant",
    "ProjectTask",
    "Registration",
    "Thread",
]
