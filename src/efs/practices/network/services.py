"""Writes of the network part: one service = one transaction, keyword-only arguments,
`DomainError`s with stable codes (docs/network.md lists them)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.limits import FILE_NAME_MAX_CHARS
from efs.people.public import Macroregion, Organization, Region, User, home_region, notify
from efs.routes.public import (
    EVIDENCE_TYPES,
    ItemKind,
    active_route_items,
    content_matches,
    evidence_submit,
)

from . import markdown
from .access import (
    community_readers,
    moderated_communities,
    network_reach,
    oversees_region,
    project_readers,
    readable_communities,
    thread_readers,
)
from .models import (
    BODY_MAX,
    DESCRIPTION_MAX,
    DONE_STATUSES,
    REASON_MAX,
    TITLE_MAX,
    Community,
    Course,
    CourseModule,
    Enrollment,
    Event,
    EventKind,
    JointProject,
    MemberRole,
    Membership,
    MembershipPolicy,
    MemberStatus,
    ModuleKind,
    ModuleProgress,
    Post,
    PostAttachment,
    PostReport,
    ProgressStatus,
    ProjectOutput,
    ProjectParticipant,
    ProjectStatus,
    ProjectTask,
    Registration,
    Thread,
)

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_PER_POST = 5
# What a colleague opens without risk; every type is checked by its content (routes.public.content_matches).
ATTACHMENT_TYPES = frozenset(EVIDENCE_TYPES - {".mp4"})
OUTPUT_MAX_BYTES = 15 * 1024 * 1024
MENTIONS_PER_POST = 20
_MENTION = re.compile(r"(?<![\w@.])@([\w.@+-]{1,150})")


# ------------------------------------------------------------------ checks shared by services


def _text(value: str, *, limit: int, field: str, required: bool = True) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationFailed(_("The text contains a NUL character."), code="text_nul")
    if required and not value:
        raise ValidationFailed(_("Fill in the field «%(field)s».") % {"field": field}, code="text_empty")
    if len(value) > limit:
        raise ValidationFailed(
            _("The field «%(field)s» is longer than %(max)s characters.") % {"field": field, "max": limit},
            code="text_too_long",
        )
    return value


def _user_region(user: User) -> Region:
    region = home_region(user)
    if region is None:
        raise PermissionDenied(
            _("Your login has no region: ask the operator to give you a role."), code="network_no_region"
        )
    return region


def checked_file(file, *, max_bytes: int, types: frozenset[str] | set[str], prefix: str) -> str:
    """The person's name of the file after the checks; the stored name becomes our own."""
    name = (getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if "\x00" in name or len(name) > FILE_NAME_MAX_CHARS:
        raise ValidationFailed(
            _("The file name is longer than %(max)s characters; rename the file.") % {"max": FILE_NAME_MAX_CHARS},
            code=f"{prefix}_file_name",
        )
    if extension not in types:
        raise ValidationFailed(
            _("Files of this type are not accepted: %(name)s. Upload PDF, office documents, images, text or ZIP.")
            % {"name": name},
            code=f"{prefix}_file_type",
        )
    if file.size > max_bytes:
        raise ValidationFailed(
            _("The file %(name)s is larger than %(mb)s MB.") % {"name": name, "mb": max_bytes // (1024 * 1024)},
            code=f"{prefix}_file_too_large",
        )
    if file.size == 0:
        raise ValidationFailed(_("The file %(name)s is empty.") % {"name": name}, code=f"{prefix}_file_empty")
    if not content_matches(file, extension):
        raise ValidationFailed(
            _("The content of %(name)s does not match its extension.") % {"name": name}, code=f"{prefix}_file_type"
        )
    file.name = f"{uuid.uuid4().hex}{extension}"
    return name


def _moderates(user: User, community: Community) -> bool:
    return Community.objects.filter(moderated_communities(user), pk=community.pk).exists()


def require_moderator(user: User, community: Community) -> None:
    if not _moderates(user, community):
        raise PermissionDenied(_("Only the community's moderators do this."), code="network_not_moderator")


def _member(user: User, community: Community) -> Membership | None:
    return Membership.objects.filter(community=community, user=user).first()


def _require_readable(user: User, community: Community) -> None:
    if not Community.objects.filter(readable_communities(user), pk=community.pk).exists():
        raise NotFound(_("Not found, or you have no access to it."))


def _require_active_member(user: User, community: Community) -> None:
    membership = _member(user, community)
    if membership is None or membership.status != MemberStatus.ACTIVE:
        raise PermissionDenied(_("Join the community first."), code="network_not_member")


# ------------------------------------------------------------------ communities


@transaction.atomic
def community_create(
    *,
    actor: User,
    region: Region,
    title: str,
    description: str = "",
    membership: str = MembershipPolicy.OPEN,
    macroregion: Macroregion | None = None,
    organization: Organization | None = None,
    moderators: tuple[User, ...] = (),
) -> Community:
    """A regional operator opens a community of the region (across a macroregion when given)."""
    if not oversees_region(actor, region.pk):
        raise PermissionDenied(_("Communities of a region are opened by its operators."), code="network_not_operator")
    if membership not in MembershipPolicy.values:
        raise ValidationFailed(_("Choose how people join."), code="community_membership_invalid")
    if macroregion is not None and not macroregion.regions.filter(pk=region.pk).exists():
        raise ValidationFailed(_("The region is not in this macroregion."), code="community_macroregion_mismatch")
    if organization is not None and organization.region_id != region.pk:
        raise ValidationFailed(_("The host organization is in another region."), code="community_organization_region")
    community = Community.objects.create(
        region=region,
        macroregion=macroregion,
        organization=organization,
        membership=membership,
        created_by=actor,
        title=_text(title, limit=TITLE_MAX, field=_("Title")),
        description=_text(description, limit=DESCRIPTION_MAX, field=_("Description"), required=False),
    )
    for user in moderators:
        Membership.objects.create(community=community, user=user, region=_user_region(user), role=MemberRole.MODERATOR)
    community.members_count = len(moderators)
    community.save(update_fields=["members_count"])
    return community


@transaction.atomic
def community_join(*, actor: User, community: Community) -> Membership:
    """Open: a member at once. By request: a pending request the moderators decide on."""
    if not Community.objects.filter(pk=community.pk).filter(community_readers(actor)).exists():
        raise NotFound(_("Not found, or you have no access to it."))
    if _member(actor, community) is not None:
        raise Conflict(_("You are already a member or your request is pending."), code="community_already_member")
    is_open = community.membership == MembershipPolicy.OPEN
    membership = Membership.objects.create(
        community=community,
        user=actor,
        region=_user_region(actor),
        status=MemberStatus.ACTIVE if is_open else MemberStatus.PENDING,
    )
    if is_open:
        Community.objects.filter(pk=community.pk).update(members_count=F("members_count") + 1)
    else:
        for moderator in _moderators(community):
            notify(
                user=moderator,
                title=_("A request to join «%(community)s»") % {"community": community.title[:150]},
                url=reverse("practices:community", args=[community.pk]),
                key=f"network-join-{membership.pk}",
            )
    return membership


def _moderators(community: Community) -> list[User]:
    ids = Membership.objects.filter(community=community, role=MemberRole.MODERATOR, status=MemberStatus.ACTIVE).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=ids))


@transaction.atomic
def membership_decide(*, actor: User, membership: Membership, approve: bool) -> Membership | None:
    membership = Membership.objects.select_for_update(of=("self",)).select_related("community").get(pk=membership.pk)
    require_moderator(actor, membership.community)
    if membership.status != MemberStatus.PENDING:
        raise Conflict(_("The request is already decided."), code="membership_decided")
    community = membership.community
    url = reverse("practices:community", args=[community.pk])
    if not approve:
        membership.delete()
        notify(
            user=membership.user,
            title=_("Your request to join «%(community)s» is declined") % {"community": community.title[:150]},
            url=url,
        )
        return None
    membership.status = MemberStatus.ACTIVE
    membership.save(update_fields=["status"])
    Community.objects.filter(pk=community.pk).update(members_count=F("members_count") + 1)
    notify(
        user=membership.user,
        title=_("You are a member of «%(community)s»") % {"community": community.title[:150]},
        url=url,
    )
    return membership


# ------------------------------------------------------------------ threads and posts


def _mentions(body: str, thread: Thread, author: User) -> list[User]:
    names = list(dict.fromkeys(m.lower() for m in _MENTION.findall(body)))[:MENTIONS_PER_POST]
    if not names:
        return []
    users = [
        u
        for u in User.objects.filter(username__in=names, is_active=True).exclude(pk=author.pk)
        if u.username.lower() in names
    ]
    # Only people who may read the thread are told about it: a mention does not open a closed community.
    return [u for u in users if Thread.objects.filter(thread_readers(u), pk=thread.pk).exists()]


def _add_post(*, actor: User, thread: Thread, body: str, files=()) -> Post:
    body = _text(body, limit=BODY_MAX, field=_("Text"))
    files = list(files or ())
    if len(files) > ATTACHMENTS_PER_POST:
        raise ValidationFailed(
            _("At most %(n)s files per message.") % {"n": ATTACHMENTS_PER_POST}, code="post_too_many_files"
        )
    names = [
        checked_file(f, max_bytes=ATTACHMENT_MAX_BYTES, types=ATTACHMENT_TYPES, prefix="attachment") for f in files
    ]
    post = Post.objects.create(
        thread=thread, region_id=thread.region_id, author=actor, body=body, body_html=markdown.render(body)
    )
    for file, name in zip(files, names, strict=True):
        PostAttachment.objects.create(post=post, region_id=thread.region_id, file=file, file_name=name, size=file.size)
    Thread.objects.filter(pk=thread.pk).update(posts_count=F("posts_count") + 1, last_post_at=post.created_at)
    url = reverse("practices:thread", args=[thread.pk]) if thread.community_id else ""
    for user in _mentions(body, thread, actor):
        notify(
            user=user,
            title=_("%(name)s mentioned you: %(thread)s")
            % {"name": actor.display_name(), "thread": thread.title[:150]},
            body=body[:300],
            url=url,
            key=f"network-mention-{post.pk}",
        )
    return post


@transaction.atomic
def thread_create(*, actor: User, community: Community, title: str, body: str, files=()) -> Thread:
    _require_readable(actor, community)
    _require_active_member(actor, community)
    thread = Thread.objects.create(
        community=community,
        region_id=community.region_id,
        author=actor,
        title=_text(title, limit=TITLE_MAX, field=_("Title")),
    )
    _add_post(actor=actor, thread=thread, body=body, files=files)
    Community.objects.filter(pk=community.pk).update(threads_count=F("threads_count") + 1)
    thread.refresh_from_db()
    return thread


@transaction.atomic
def post_create(*, actor: User, thread: Thread, body: str, files=()) -> Post:
    """A reply. In a community: its active members; a subject's thread: whoever the owning app let through."""
    thread = Thread.objects.select_for_update(of=("self",)).select_related("community").get(pk=thread.pk)
    if thread.hidden_at is not None:
        raise Conflict(_("The thread is hidden by a moderator."), code="thread_hidden")
    if thread.community is not None:
        _require_active_member(actor, thread.community)
    return _add_post(actor=actor, thread=thread, body=body, files=files)


@transaction.atomic
def post_hide(*, actor: User, post: Post, reason: str) -> Post:
    post = Post.objects.select_for_update(of=("self",)).select_related("thread__community").get(pk=post.pk)
    community = post.thread.community
    if community is None:
        raise PermissionDenied(_("Only the community's moderators do this."), code="network_not_moderator")
    require_moderator(actor, community)
    if post.hidden_at is not None:
        raise Conflict(_("The message is already hidden."), code="post_already_hidden")
    post.hidden_at = timezone.now()
    post.hidden_by = actor
    post.hide_reason = _text(reason, limit=REASON_MAX, field=_("Reason"))
    post.save(update_fields=["hidden_at", "hidden_by", "hide_reason"])
    notify(
        user=post.author,
        title=_("A moderator hid your message in «%(thread)s»") % {"thread": post.thread.title[:150]},
        body=post.hide_reason,
        url=reverse("practices:thread", args=[post.thread_id]),
    )
    return post


@transaction.atomic
def post_report(*, actor: User, post: Post, reason: str) -> PostReport:
    post = Post.objects.select_related("thread__community").get(pk=post.pk)
    reason = _text(reason, limit=REASON_MAX, field=_("Reason"))
    if post.author_id == actor.pk:
        raise Conflict(_("You cannot report your own message."), code="post_report_own")
    if PostReport.objects.filter(post=post, reporter=actor).exists():
        raise Conflict(_("You have already reported this message."), code="post_already_reported")
    report = PostReport.objects.create(post=post, region_id=post.region_id, reporter=actor, reason=reason)
    if post.thread.community is not None:
        for moderator in _moderators(post.thread.community):
            notify(
                user=moderator,
                title=_("A message is reported in «%(thread)s»") % {"thread": post.thread.title[:150]},
                body=reason,
                url=reverse("practices:thread", args=[post.thread_id]),
                key=f"network-report-{report.pk}-{moderator.pk}",
            )
    return report


@transaction.atomic
def subject_thread(*, actor: User, subject: tuple[str, int], region: Region, title: str) -> Thread:
    """The discussion thread of another app's subject, e.g. ("coordination.task", 17): made on first
    use, the same one afterwards. The calling app has already checked the actor's access to the subject."""
    kind, subject_id = subject
    if not re.fullmatch(r"[a-z_]{1,20}\.[a-z_]{1,28}", kind or "") or not isinstance(subject_id, int) or subject_id < 1:
        raise ValidationFailed(_("Unknown subject of a discussion."), code="thread_subject_invalid")
    thread, _created = Thread.objects.get_or_create(
        subject_kind=kind,
        subject_id=subject_id,
        defaults={"region": region, "author": actor, "title": _text(title, limit=TITLE_MAX, field=_("Title"))},
    )
    return thread


# ------------------------------------------------------------------ events


@transaction.atomic
def event_create(
    *,
    actor: User,
    community: Community,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    registration_deadline: dt.datetime,
    description: str = "",
    place: str = "",
    online_link: str = "",
    now: dt.datetime | None = None,
) -> Event:
    """A moderator announces an event; `now` lets the demo announce one that has taken place since."""
    require_moderator(actor, community)
    if starts_at <= (now or timezone.now()):
        raise ValidationFailed(_("The event must start in the future."), code="event_in_past")
    if kind not in EventKind.values:
        raise ValidationFailed(_("Choose the kind of event."), code="event_kind_invalid")
    if ends_at <= starts_at:
        raise ValidationFailed(_("The event must end after it starts."), code="event_ends_before_start")
    if registration_deadline > starts_at:
        raise ValidationFailed(_("Registration must close before the event starts."), code="event_deadline_after_start")
    if not 1 <= capacity <= 10_000:
        raise ValidationFailed(_("Places: from 1 to 10 000."), code="event_capacity_range")
    if online_link and not online_link.startswith(("https://", "http://")):
        raise ValidationFailed(_("The online link must start with https://."), code="event_link_invalid")
    return Event.objects.create(
        community=community,
        region_id=community.region_id,
        kind=kind,
        title=_text(title, limit=TITLE_MAX, field=_("Title")),
        description=_text(description, limit=DESCRIPTION_MAX, field=_("Description"), required=False),
        starts_at=starts_at,
        ends_at=ends_at,
        place=_text(place, limit=300, field=_("Place"), required=False),
        online_link=online_link[:300],
        capacity=capacity,
        registration_deadline=registration_deadline,
        created_by=actor,
    )


@transaction.atomic
def event_register(*, actor: User, event: Event, now: dt.datetime | None = None) -> Registration:
    """A place at the event, while there are places and until the registration deadline."""
    event = Event.objects.select_for_update(of=("self",)).select_related("community").get(pk=event.pk)
    _require_readable(actor, event.community)
    if (now or timezone.now()) > event.registration_deadline:
        raise Conflict(
            _("Registration closed on %(date)s.")
            % {"date": timezone.localtime(event.registration_deadline).strftime("%d.%m.%Y %H:%M")},
            code="event_registration_closed",
        )
    if Registration.objects.filter(event=event, user=actor).exists():
        raise Conflict(_("You are already registered."), code="event_already_registered")
    if event.registered_count >= event.capacity:
        raise Conflict(_("No places left: all %(n)s are taken.") % {"n": event.capacity}, code="event_full")
    registration = Registration.objects.create(event=event, user=actor, region=_user_region(actor))
    Event.objects.filter(pk=event.pk).update(registered_count=F("registered_count") + 1)
    return registration


@transaction.atomic
def event_unregister(*, actor: User, event: Event) -> None:
    event = Event.objects.select_for_update().get(pk=event.pk)
    registration = Registration.objects.filter(event=event, user=actor).first()
    if registration is None:
        raise Conflict(_("You are not registered."), code="event_not_registered")
    if registration.attended is not None or event.starts_at <= timezone.now():
        raise Conflict(_("The event has started; the registration stays."), code="event_started")
    registration.delete()
    Event.objects.filter(pk=event.pk).update(registered_count=F("registered_count") - 1)


@transaction.atomic
def attendance_record(*, actor: User, event: Event, attended_user_ids: set[int]) -> int:
    """A moderator records who came, for every registration of an event that has started."""
    event = Event.objects.select_for_update(of=("self",)).select_related("community").get(pk=event.pk)
    require_moderator(actor, event.community)
    if event.starts_at > timezone.now():
        raise Conflict(_("Attendance is recorded once the event has started."), code="event_not_started")
    registrations = list(Registration.objects.filter(event=event).select_for_update())
    unknown = set(attended_user_ids) - {r.user_id for r in registrations}
    if unknown:
        raise ValidationFailed(
            _("Some of the people are not registered for the event."), code="attendance_not_registered"
        )
    for registration in registrations:
        came = registration.user_id in attended_user_ids
        if registration.attended is True and not came and registration.evidence_id is not None:
            raise Conflict(
                _("The attendance is already route evidence; it cannot be withdrawn."), code="attendance_is_evidence"
            )
        registration.attended = came
        registration.recorded_by = actor
    Registration.objects.bulk_update(registrations, ["attended", "recorded_by"])
    for registration in registrations:
        if registration.attended:
            notify(
                user=registration.user,
                title=_("Your attendance is recorded: %(event)s") % {"event": event.title[:150]},
                url=reverse("practices:event", args=[event.pk]),
                key=f"network-attended-{registration.pk}",
            )
    return sum(1 for r in registrations if r.attended)


def evidence_items(user: User, *, kinds=(ItemKind.EVENT,)) -> list:
    """The activities of the user's active route an attendance can be evidence of."""
    from efs.people import access

    educator = access.own_educator(user)
    if educator is None:
        return []
    return [item for item in active_route_items(educator) if item.kind in kinds]


@transaction.atomic
def attendance_to_evidence(*, actor: User, event: Event, route_item_id: int):
    """The attendee hands a recorded attendance over as evidence of a route activity (the tutor reviews it)."""
    registration = Registration.objects.select_for_update().filter(event=event, user=actor).first()
    if registration is None:
        raise Conflict(_("You are not registered."), code="event_not_registered")
    if registration.attended is not True:
        raise Conflict(_("The moderator has not recorded your attendance."), code="attendance_not_recorded")
    if registration.evidence_id is not None:
        raise Conflict(_("The attendance is already route evidence."), code="attendance_evidence_exists")
    item = next((i for i in evidence_items(actor, kinds=tuple(ItemKind.values)) if i.pk == route_item_id), None)
    if item is None:
        raise Conflict(_("The activity is not in your active route."), code="route_item_not_found")
    when = timezone.localtime(event.starts_at).strftime("%d.%m.%Y")
    note = _(
        "Attended on %(date)s: %(kind)s «%(title)s» (network community «%(community)s»); "
        "attendance recorded by the moderator."
    ) % {
        "date": when,
        "kind": event.get_kind_display(),
        "title": event.title,
        "community": event.community.title,
    }
    evidence = evidence_submit(actor=actor, item=item, note=note)
    registration.evidence_id = evidence.pk
    registration.save(update_fields=["evidence_id"])
    return evidence


# ------------------------------------------------------------------ blended courses


@transaction.atomic
def course_create(*, actor: User, community: Community, title: str, description: str = "") -> Course:
    require_moderator(actor, community)
    return Course.objects.create(
        community=community,
        region_id=community.region_id,
        created_by=actor,
        title=_text(title, limit=TITLE_MAX, field=_("Title")),
        description=_text(description, limit=DESCRIPTION_MAX, field=_("Description"), required=False),
    )


@transaction.atomic
def module_add(
    *,
    actor: User,
    course: Course,
    kind: str,
    title: str,
    material: str = "",
    assignment: str = "",
    starts_at: dt.datetime | None = None,
    place: str = "",
) -> CourseModule:
    course = Course.objects.select_for_update(of=("self",)).select_related("community").get(pk=course.pk)
    require_moderator(actor, course.community)
    if kind not in ModuleKind.values:
        raise ValidationFailed(_("Choose the kind of module."), code="module_kind_invalid")
    if kind == ModuleKind.IN_PERSON and starts_at is None:
        raise ValidationFailed(_("An in-person session needs its date and time."), code="module_session_date")
    material = _text(material, limit=BODY_MAX, field=_("Materials"), required=False)
    last = CourseModule.objects.filter(course=course).order_by("-order").values_list("order", flat=True).first() or 0
    return CourseModule.objects.create(
        course=course,
        order=last + 1,
        kind=kind,
        title=_text(title, limit=TITLE_MAX, field=_("Title")),
        material=material,
        material_html=markdown.render(material),
        assignment=_text(assignment, limit=DESCRIPTION_MAX, field=_("Assignment"), required=False),
        starts_at=starts_at if kind == ModuleKind.IN_PERSON else None,
        place=_text(place, limit=300, field=_("Place"), required=False),
    )


@transaction.atomic
def course_enroll(*, actor: User, course: Course) -> Enrollment:
    course = Course.objects.select_related("community").get(pk=course.pk)
    _require_readable(actor, course.community)
    if Enrollment.objects.filter(course=course, user=actor).exists():
        raise Conflict(_("You are already enrolled."), code="course_already_enrolled")
    return Enrollment.objects.create(course=course, user=actor, region=_user_region(actor))


@transaction.atomic
def module_submit(*, actor: User, module: CourseModule, answer: str) -> ModuleProgress:
    """The learner's answer to an online module's assignment; a moderator checks it."""
    enrollment = Enrollment.objects.select_for_update().filter(course_id=module.course_id, user=actor).first()
    if enrollment is None:
        raise PermissionDenied(_("Enroll in the course first."), code="course_not_enrolled")
    if module.kind != ModuleKind.ONLINE or not module.assignment:
        raise Conflict(_("This module has no assignment to submit."), code="module_no_assignment")
    answer = _text(answer, limit=BODY_MAX, field=_("Answer"))
    progress = ModuleProgress.objects.filter(enrollment=enrollment, module=module).first()
    if progress is not None and progress.status == ProgressStatus.ACCEPTED:
        raise Conflict(_("The assignment is already accepted."), code="module_already_accepted")
    if progress is None:
        progress = ModuleProgress(enrollment=enrollment, module=module, region_id=enrollment.region_id)
    progress.status = ProgressStatus.SUBMITTED
    progress.answer = answer
    progress.submitted_at = timezone.now()
    progress.save()
    return progress


@transaction.atomic
def module_check(
    *, actor: User, enrollment: Enrollment, module: CourseModule, decision: str, comment: str = ""
) -> ModuleProgress:
    """A moderator accepts or returns an assignment, or records attendance of an in-person session."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",)).select_related("course__community").get(pk=enrollment.pk)
    )
    require_moderator(actor, enrollment.course.community)
    if module.course_id != enrollment.course_id:
        raise ValidationFailed(_("The module is of another course."), code="module_other_course")
    progress = ModuleProgress.objects.filter(enrollment=enrollment, module=module).first()
    if module.kind == ModuleKind.IN_PERSON:
        if decision != ProgressStatus.ATTENDED:
            raise ValidationFailed(_("An in-person session is marked as attended."), code="module_decision_invalid")
        if module.starts_at and module.starts_at > timezone.now():
            raise Conflict(_("The session has not taken place yet."), code="module_session_future")
    else:
        if decision not in (ProgressStatus.ACCEPTED, ProgressStatus.RETURNED):
            raise ValidationFailed(_("Accept the assignment or return it."), code="module_decision_invalid")
        if progress is None or progress.status != ProgressStatus.SUBMITTED:
            raise Conflict(_("There is no submitted answer to check."), code="module_nothing_submitted")
    if progress is None:
        progress = ModuleProgress(enrollment=enrollment, module=module, region_id=enrollment.region_id)
    was_done = progress.status in DONE_STATUSES
    progress.status = decision
    progress.comment = _text(comment, limit=2_000, field=_("Comment"), required=False)
    progress.checked_by = actor
    progress.checked_at = timezone.now()
    progress.save()
    if progress.status in DONE_STATUSES and not was_done:
        Enrollment.objects.filter(pk=enrollment.pk).update(done_count=F("done_count") + 1)
    notify(
        user=enrollment.user,
        title=_("«%(module)s»: %(status)s") % {"module": module.title[:150], "status": progress.get_status_display()},
        body=progress.comment,
        url=reverse("practices:course", args=[enrollment.course_id]),
    )
    return progress


# ------------------------------------------------------------------ joint projects


def require_project_editor(actor: User, project: JointProject) -> None:
    if project.coordinator_id != actor.pk and not oversees_region(actor, project.region_id):
        raise PermissionDenied(
            _("Only the project's coordinator or the lead region's operator does this."), code="project_not_coordinator"
        )


@transaction.atomic
def project_create(
    *,
    actor: User,
    lead_organization: Organization,
    title: str,
    goals: str,
    starts_on: dt.date,
    ends_on: dt.date,
    partners: tuple[Organization, ...] = (),
    coordinator: User | None = None,
    macroregion: Macroregion | None = None,
) -> JointProject:
    """A regional operator registers a joint project of organizations of several regions."""
    region = lead_organization.region
    if not oversees_region(actor, region.pk):
        raise PermissionDenied(
            _("A joint project is registered by the operator of the lead region."), code="project_not_operator"
        )
    if ends_on < starts_on:
        raise ValidationFailed(_("The project must end after it starts."), code="project_ends_before_start")
    organizations = list(dict.fromkeys([lead_organization, *partners]))
    if len({o.region_id for o in organizations}) < 2:
        raise ValidationFailed(
            _("A joint project has participants from at least two regions."), code="project_one_region"
        )
    project = JointProject.objects.create(
        region=region,
        macroregion=macroregion,
        lead_organization=lead_organization,
        coordinator=coordinator or actor,
        title=_text(title, limit=TITLE_MAX, field=_("Title")),
        goals=_text(goals, limit=DESCRIPTION_MAX, field=_("Goals")),
        starts_on=starts_on,
        ends_on=ends_on,
        status=ProjectStatus.ACTIVE if starts_on <= timezone.localdate() else ProjectStatus.PLANNED,
    )
    ProjectParticipant.objects.bulk_create(
        [ProjectParticipant(project=project, organization=o, region_id=o.region_id) for o in organizations]
    )
    return project


@transaction.atomic
def project_task_add(*, actor: User, project: JointProject, title: str, owner: User, deadline: dt.date) -> ProjectTask:
    require_project_editor(actor, project)
    if not JointProject.objects.filter(project_readers(owner), pk=project.pk).exists():
        raise ValidationFailed(_("The owner must be from a participating region."), code="project_task_owner_outside")
    task = ProjectTask.objects.create(
        project=project,
        region_id=project.region_id,
        title=_text(title, limit=TITLE_MAX, field=_("Task")),
        owner=owner,
        deadline=deadline,
    )
    if owner.pk != actor.pk:
        notify(
            user=owner,
            title=_("A task for you in the project «%(project)s»: %(task)s")
            % {"project": project.title[:120], "task": task.title[:120]},
            url=reverse("practices:project", args=[project.pk]),
        )
    return task


@transaction.atomic
def project_task_done(*, actor: User, task: ProjectTask) -> ProjectTask:
    task = ProjectTask.objects.select_for_update(of=("self",)).select_related("project").get(pk=task.pk)
    if task.owner_id != actor.pk:
        require_project_editor(actor, task.project)
    if task.done_at is not None:
        raise Conflict(_("The task is already done."), code="project_task_done")
    task.done_at = timezone.now()
    task.save(update_fields=["done_at"])
    return task


@transaction.atomic
def project_output_add(*, actor: User, project: JointProject, title: str, file) -> ProjectOutput:
    require_project_editor(actor, project)
    title = _text(title, limit=TITLE_MAX, field=_("Title"))
    if file is None:
        raise ValidationFailed(_("Attach the file of the output."), code="output_file_missing")
    name = checked_file(file, max_bytes=OUTPUT_MAX_BYTES, types=ATTACHMENT_TYPES, prefix="output")
    return ProjectOutput.objects.create(
        project=project,
        region_id=project.region_id,
        title=title,
        file=file,
        file_name=name,
        size=file.size,
        uploaded_by=actor,
    )


@transaction.atomic
def project_status_set(*, actor: User, project: JointProject, status: str) -> JointProject:
    project = JointProject.objects.select_for_update().get(pk=project.pk)
    require_project_editor(actor, project)
    if status not in ProjectStatus.values:
        raise ValidationFailed(_("Unknown project status."), code="project_status_invalid")
    project.status = status
    project.save(update_fields=["status"])
    return project


def reach_summary(user) -> bool:
    """Whether the user works in any region at all (the network pages need one)."""
    reach = network_reach(user)
    return reach.everywhere or bool(reach.region_ids)
