"""Scope policies of the routes app (see efs.people.access).

The route itself, with its items, evidence and comments, is seen by the educator, their
tutor and mentor; school heads and operators see statuses and progress through the
aggregate queries (`queries.staff_routes`, `queries.region_summary`), never evidence or
comments.

``route_actions`` and ``item_actions`` are the one owner of what a user may do with a route and
its activities: the route page draws its buttons from them and the API returns them as ``actions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from efs.people.access import ScopePolicy, register
from efs.people.models import Role

from .models import ACTIVE, Evidence, GoalStatus, ItemKind, ItemStatus, Route, RouteItem, RouteStatus

if TYPE_CHECKING:
    from .services import Drift

INDIVIDUAL = frozenset({Role.TEACHER, Role.TUTOR, Role.MENTOR})
STATUS_READERS = frozenset({Role.SCHOOL_HEAD, Role.MUNICIPAL_OPERATOR, Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})

register(
    Route,
    ScopePolicy(
        region="region", municipality="organization__municipality", organization="organization", educator="educator",
        roles=INDIVIDUAL | STATUS_READERS,
    ),
)
register(Evidence, ScopePolicy(region="item__route__region", educator="item__route__educator", roles=INDIVIDUAL))


def is_supporter(user, route: Route, kinds=(Role.TUTOR,)) -> bool:
    """An active support assignment of ``user`` to the route's educator (a tutor by default)."""
    from efs.people.models import SupportAssignment

    return SupportAssignment.objects.filter(
        supporter=user, educator_id=route.educator_id, kind__in=kinds, active=True
    ).exists()


def is_tutor_of(user, route: Route) -> bool:
    """The route's tutor, or a tutor assigned to its educator: who approves, returns and reviews."""
    return route.tutor_id == user.pk or is_supporter(user, route)


def route_actions(
    user, route: Route, *, drift: Drift | None | Literal["compute"] = "compute", processing: bool | None = None
) -> dict[str, bool]:
    """What the user may do with the route (the buttons its page offers and the API's ``actions``);
    the services check the same rules again when an action is taken.

    ``drift`` (services.deficit_drift) and ``processing`` (people.processing_allowed of the educator)
    may be passed by a caller that has them already; else they are computed here."""
    from efs.people.public import processing_allowed

    from . import services

    own = route.educator.user_id == user.pk
    tutors = is_tutor_of(user, route)
    active = route.status in ACTIVE
    if processing is None:
        processing = processing_allowed(route.educator) if own or tutors else False
    if drift == "compute":
        drift = services.deficit_drift(route) if own and active else None
    editable = own and processing and route.status == RouteStatus.DRAFT
    proposed = tutors and route.status == RouteStatus.PROPOSED
    return {
        "can_edit": editable,
        "can_propose": editable,
        "can_approve": proposed and processing,
        "can_return": proposed,
        "can_abandon": (own or tutors) and active,
        "can_rebuild": own and processing and active and drift is not None,
        "can_rediagnose": own and any(g.status == GoalStatus.READY for g in route.goals.all()),
        "can_track": own and processing and route.status in (RouteStatus.APPROVED, RouteStatus.IN_PROGRESS),
        "can_review_evidence": tutors and processing,
        "own": own,
        "tutors": tutors,
    }


def item_actions(on_route: dict[str, bool], item: RouteItem) -> dict[str, bool]:
    """What the user may do with one activity of the route, given ``route_actions`` of the route."""
    tracked = on_route["can_track"]
    return {
        "can_remove": on_route["can_edit"],
        "can_swap": on_route["can_edit"] and item.kind == ItemKind.COHORT,
        "can_start": tracked and item.status == ItemStatus.PLANNED,
        # more evidence may follow while the first awaits review (a missing page, a second file)
        "can_send_evidence": tracked and item.status not in (ItemStatus.ACCEPTED, ItemStatus.CANCELLED),
        "can_review_evidence": on_route["can_review_evidence"]
        and any(e.accepted is None for e in item.evidence.all()),
    }
