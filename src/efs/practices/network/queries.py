"""Reads of the network part; every read of people's data starts from `efs.people.access.scoped`."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from efs.errors import NotFound
from efs.people.access import get_scoped, scoped

from .access import moderated_communities
from .models import (
    Community,
    Course,
    CourseModule,
    Enrollment,
    Event,
    JointProject,
    Membership,
    MemberStatus,
    ModuleProgress,
    Post,
    PostAttachment,
    PostReport,
    ProjectOutput,
    ProjectTask,
    Registration,
    Thread,
)

COMMUNITIES_PER_PAGE = 50
POSTS_PER_PAGE = 50


def communities(user, *, search: str = "", page: int = 1) -> Page:
    rows = scoped(Community.objects.select_related("region", "macroregion"), user).order_by("title", "id")
    if search:
        rows = rows.filter(title__icontains=search)
    return Paginator(rows, COMMUNITIES_PER_PAGE).get_page(page)


def my_memberships(user, community_ids) -> dict[int, Membership]:
    return {m.community_id: m for m in Membership.objects.filter(user=user, community_id__in=list(community_ids))}


def community(user, pk: int) -> Community:
    return get_scoped(Community.objects.select_related("region", "macroregion", "organization"), user, pk=pk)


def moderates(user, community_obj: Community) -> bool:
    return Community.objects.filter(moderated_communities(user), pk=community_obj.pk).exists()


def reads_content(user, community_obj: Community) -> bool:
    return scoped(Thread.objects.filter(community=community_obj), user).exists() or _open_or_member(user, community_obj)


def _open_or_member(user, community_obj: Community) -> bool:
    from .access import readable_communities

    return Community.objects.filter(readable_communities(user), pk=community_obj.pk).exists()


def threads(user, community_obj: Community, *, moderator: bool) -> list[Thread]:
    rows = scoped(Thread.objects.filter(community=community_obj).select_related("author"), user)
    if not moderator:
        rows = rows.filter(hidden_at__isnull=True)
    return list(rows.order_by("-last_post_at", "-id")[:100])


def pending_members(user, community_obj: Community) -> list[Membership]:
    return list(
        scoped(
            Membership.objects.filter(community=community_obj, status=MemberStatus.PENDING).select_related("user"), user
        )
    )


def moderators(user, community_obj: Community) -> list[Membership]:
    return list(
        scoped(
            Membership.objects.filter(
                community=community_obj, role="moderator", status=MemberStatus.ACTIVE
            ).select_related("user"),
            user,
        )
    )


def events(user, community_obj: Community) -> list[Event]:
    return list(scoped(Event.objects.filter(community=community_obj), user).order_by("-starts_at")[:50])


def courses(user, community_obj: Community) -> list[Course]:
    return (
        list(scoped(Course.objects.filter(community=community_obj), user))
        if _open_or_member(user, community_obj)
        else []
    )


def thread(user, pk: int) -> Thread:
    return get_scoped(Thread.objects.select_related("community", "author"), user, pk=pk)


def posts(user, thread_obj: Thread, *, page: int = 1) -> Page:
    """One page of a thread: authors and attachments come in two queries, whatever the page's size."""
    rows = (
        scoped(Post.objects.filter(thread=thread_obj), user)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=PostAttachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )
    return Paginator(rows, POSTS_PER_PAGE).get_page(page)


def post(user, pk: int) -> Post:
    return get_scoped(Post.objects.select_related("thread__community"), user, pk=pk)


def attachment(user, pk: int) -> PostAttachment:
    item = get_scoped(PostAttachment.objects.select_related("post__thread__community"), user, pk=pk)
    if item.post.hidden_at is not None and not (
        item.post.thread.community and moderates(user, item.post.thread.community)
    ):
        raise NotFound(_("Not found, or you have no access to it."))
    return item


def open_reports(user, thread_obj: Thread) -> dict[int, int]:
    """Reports per post of the thread, for its moderators."""
    from django.db.models import Count

    rows = (
        scoped(PostReport.objects.filter(post__thread=thread_obj), user)
        .values("post_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["post_id"]: r["n"] for r in rows}


def event(user, pk: int) -> Event:
    return get_scoped(Event.objects.select_related("community", "region"), user, pk=pk)


def registration(user, event_obj: Event) -> Registration | None:
    return scoped(Registration.objects.filter(event=event_obj, user=user), user).first()


def registrations(user, event_obj: Event) -> list[Registration]:
    """Everyone registered, for the moderators; the user's own registration for the others."""
    return list(scoped(Registration.objects.filter(event=event_obj).select_related("user"), user))


def my_events(user) -> list[Event]:
    ids = scoped(Registration.objects.filter(user=user), user).values("event_id")
    return list(Event.objects.filter(pk__in=ids).order_by("starts_at"))


def course(user, pk: int) -> Course:
    return get_scoped(Course.objects.select_related("community"), user, pk=pk)


def modules(course_obj: Course) -> list[CourseModule]:
    return list(CourseModule.objects.filter(course=course_obj).order_by("order"))


def enrollment(user, course_obj: Course) -> Enrollment | None:
    return scoped(Enrollment.objects.filter(course=course_obj, user=user), user).first()


@dataclass(frozen=True)
class LearnerRow:
    enrollment: Enrollment
    progress: dict[int, ModuleProgress]


def learners(user, course_obj: Course) -> list[LearnerRow]:
    rows = scoped(Enrollment.objects.filter(course=course_obj).select_related("user"), user)
    progress = scoped(ModuleProgress.objects.filter(enrollment__course=course_obj), user)
    by_enrollment: dict[int, dict[int, ModuleProgress]] = {}
    for p in progress:
        by_enrollment.setdefault(p.enrollment_id, {})[p.module_id] = p
    return [LearnerRow(e, by_enrollment.get(e.pk, {})) for e in rows]


def enrollment_visible(user, pk: int) -> Enrollment:
    return get_scoped(Enrollment.objects.select_related("course__community", "user"), user, pk=pk)


def projects(user, *, status: str = "") -> list[JointProject]:
    rows = scoped(JointProject.objects.select_related("region", "lead_organization"), user).prefetch_related(
        "participants__organization__region"
    )
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("-starts_on", "id")[:200])


def projects_of_organizations(user, organizations) -> QuerySet[JointProject]:
    """The joint projects the organizations take part in, that the user sees (a card's form)."""
    rows = JointProject.objects.filter(participants__organization__in=organizations)
    return scoped(rows, user).distinct().order_by("title")


def project(user, pk: int) -> JointProject:
    return get_scoped(
        JointProject.objects.select_related(
            "region", "lead_organization", "coordinator", "macroregion"
        ).prefetch_related("participants__organization__region"),
        user,
        pk=pk,
    )


def project_readable(user, pk: int) -> bool:
    """Whether the user sees the joint project (a practice card names it only then)."""
    return scoped(JointProject.objects.filter(pk=pk), user).exists()


def project_tasks(user, project_obj: JointProject) -> list[ProjectTask]:
    return list(scoped(ProjectTask.objects.filter(project=project_obj).select_related("owner"), user))


def project_outputs(user, project_obj: JointProject) -> list[ProjectOutput]:
    return list(scoped(ProjectOutput.objects.filter(project=project_obj).select_related("uploaded_by"), user))


def project_output(user, pk: int) -> ProjectOutput:
    return get_scoped(ProjectOutput.objects.all(), user, pk=pk)


def project_task(user, pk: int) -> ProjectTask:
    return get_scoped(ProjectTask.objects.select_related("project"), user, pk=pk)


def subject_posts(subject: tuple[str, int]) -> list[Post]:
    """The posts of another app's subject thread (the calling app checked access to the subject)."""
    kind, subject_id = subject
    return list(
        Post.objects.filter(thread__subject_kind=kind, thread__subject_id=subject_id, hidden_at__isnull=True)
        .select_related("author")
        .order_by("created_at", "id")
    )
