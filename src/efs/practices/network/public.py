"""What other apps may use of the network part (ADR 0006); the lead re-exports it in
`practices/public.py`.

Discussion threads attached to another app's subject: the coordination app (a layer above)
keeps a discussion for each of its tasks and decisions. It checks the actor's access to its
own subject first, then calls these functions with a subject key such as
("coordination.task", 17). The writes below are what the demo generator uses."""

from __future__ import annotations

from dataclasses import dataclass

from efs.people.public import Region, User

from . import queries, services
from .models import Thread
from .services import (
    attendance_record,
    community_create,
    community_join,
    course_create,
    course_enroll,
    event_create,
    event_register,
    membership_decide,
    module_add,
    module_check,
    module_submit,
    post_create,
    post_hide,
    post_report,
    project_create,
    project_output_add,
    project_task_add,
    project_task_done,
    thread_create,
)


@dataclass(frozen=True)
class SubjectPost:
    id: int
    author: str
    html: str  # rendered safely: Markdown without raw HTML, links rel="nofollow noopener"
    created_at: object


def subject_thread(*, actor: User, subject: tuple[str, int], region: Region, title: str) -> Thread:
    """The subject's thread, made on first use (one per subject)."""
    return services.subject_thread(actor=actor, subject=subject, region=region, title=title)


def subject_post(*, actor: User, subject: tuple[str, int], region: Region, title: str, body: str, files=()) -> int:
    """Write in the subject's discussion (made on first use); @login mentions notify the people of
    the subject's region who are mentioned. Returns the post id."""
    thread = services.subject_thread(actor=actor, subject=subject, region=region, title=title)
    return services.post_create(actor=actor, thread=thread, body=body, files=files).pk


def subject_posts(subject: tuple[str, int]) -> list[SubjectPost]:
    """The visible posts of the subject's discussion, oldest first (none when it has no thread yet)."""
    return [
        SubjectPost(p.pk, p.author.display_name(), p.body_html, p.created_at) for p in queries.subject_posts(subject)
    ]


__all__ = [
    "SubjectPost",
    "attendance_record",
    "community_create",
    "community_join",
    "course_create",
    "course_enroll",
    "event_create",
    "event_register",
    "membership_decide",
    "module_add",
    "module_check",
    "module_submit",
    "post_create",
    "post_hide",
    "post_report",
    "project_create",
    "project_output_add",
    "project_task_add",
    "project_task_done",
    "subject_post",
    "subject_posts",
    "subject_thread",
    "thread_create",
]
