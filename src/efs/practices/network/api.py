"""The network part's JSON API (mounted at /api/practices/network/): communities, a thread's
posts, replying, event registration, joint projects. Every read goes through `queries`."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from efs.errors import NotFound
from efs.http import AuthedRequest
from efs.limits import Id, Search
from efs.people.access import ALL_ROLES, require_role

from . import queries, services
from .models import BODY_MAX

router = Router(tags=["practices"])


class CommunityOut(Schema):
    id: int
    title: str
    region: str
    macroregion: str | None
    membership: str = Field(..., description="open or request")
    members: int
    threads: int


class CommunityPage(Schema):
    count: int
    page: int
    pages: int
    items: list[CommunityOut]


class AttachmentOut(Schema):
    id: int
    file_name: str
    size: int


class ThreadPostOut(Schema):
    id: int
    author: str
    created_at: dt.datetime
    hidden: bool
    html: str = Field(..., description="the text rendered safely (Markdown without raw HTML); empty when hidden")
    attachments: list[AttachmentOut]


class PostPage(Schema):
    thread: int
    title: str
    count: int
    page: int
    pages: int
    items: list[ThreadPostOut]


class PostIn(Schema):
    body: str = Field(..., min_length=1, max_length=BODY_MAX)


class RegistrationOut(Schema):
    event: int
    registered_at: dt.datetime
    places_taken: int
    capacity: int


class JointProjectOut(Schema):
    id: int
    title: str
    status: str
    lead_organization: str
    regions: list[str]
    starts_on: dt.date
    ends_on: dt.date


@router.get(
    "/communities", response=CommunityPage, summary="Network communities of my regions", url_name="network_communities"
)
def network_communities(request: AuthedRequest, q: Search = "", page: int = Query(1, ge=1, le=100_000)):
    require_role(request.user, ALL_ROLES)
    found = queries.communities(request.user, search=q.replace("\x00", ""), page=page)
    items = [
        CommunityOut(
            id=c.pk,
            title=c.title,
            region=c.region.name,
            macroregion=c.macroregion.name if c.macroregion else None,
            membership=c.membership,
            members=c.members_count,
            threads=c.threads_count,
        )
        for c in found.object_list
    ]
    return CommunityPage(count=found.paginator.count, page=found.number, pages=found.paginator.num_pages, items=items)


def _post_out(post, moderator: bool) -> ThreadPostOut:
    hidden = post.hidden_at is not None
    shown = not hidden or moderator
    return ThreadPostOut(
        id=post.pk,
        author=post.author.display_name(),
        created_at=post.created_at,
        hidden=hidden,
        html=post.body_html if shown else "",
        attachments=[AttachmentOut(id=a.pk, file_name=a.file_name, size=a.size) for a in post.attachments.all()]
        if shown
        else [],
    )


@router.get(
    "/threads/{pk}/posts",
    response=PostPage,
    summary="One page (50) of a community thread's posts",
    url_name="network_thread_posts",
)
def network_thread_posts(request: AuthedRequest, pk: Id, page: int = Query(1, ge=1, le=100_000)):
    thread = queries.thread(request.user, pk)
    moderator = thread.community is not None and queries.moderates(request.user, thread.community)
    if thread.community is None or thread.hidden_at is not None and not moderator:
        raise NotFound(_("Not found, or you have no access to it."))
    found = queries.posts(request.user, thread, page=page)
    return PostPage(
        thread=thread.pk,
        title=thread.title,
        count=found.paginator.count,
        page=found.number,
        pages=found.paginator.num_pages,
        items=[_post_out(p, moderator) for p in found.object_list],
    )


@router.post(
    "/threads/{pk}/posts",
    response={201: ThreadPostOut},
    summary="Reply in a community thread (members)",
    url_name="network_thread_reply",
)
def network_thread_reply(request: AuthedRequest, pk: Id, payload: PostIn):
    thread = queries.thread(request.user, pk)
    if thread.community is None:
        raise NotFound(_("Not found, or you have no access to it."))
    post = services.post_create(actor=request.user, thread=thread, body=payload.body)
    return Status(201, _post_out(post, False))


@router.post(
    "/events/{pk}/registration",
    response={201: RegistrationOut},
    summary="Register for an event (places and the deadline are checked)",
    url_name="network_event_register",
)
def network_event_register(request: AuthedRequest, pk: Id):
    event = queries.event(request.user, pk)
    registration = services.event_register(actor=request.user, event=event)
    event.refresh_from_db()
    return Status(
        201,
        RegistrationOut(
            event=event.pk,
            registered_at=registration.registered_at,
            places_taken=event.registered_count,
            capacity=event.capacity,
        ),
    )


@router.get(
    "/projects",
    response=list[JointProjectOut],
    summary="Joint projects of my regions (all for the federal level)",
    url_name="network_projects",
)
def network_projects(request: AuthedRequest, status: str = Query("", max_length=20)):
    require_role(request.user, ALL_ROLES)
    return [
        JointProjectOut(
            id=p.pk,
            title=p.title,
            status=p.status,
            lead_organization=p.lead_organization.name,
            regions=sorted({pp.organization.region.name for pp in p.participants.all()}),
            starts_on=p.starts_on,
            ends_on=p.ends_on,
        )
        for p in queries.projects(request.user, status=status)
    ]
