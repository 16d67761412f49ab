"""Route (ИОМ) pages and endpoints in the role × scope matrix.

The teacher has a draft route; the tutor is assigned to the teacher. A second educator
(org B, the tutor's other educator) has an approved route with evidence waiting for the
tutor, so the tutor's review endpoint is tried by everyone.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from efs.people.models import Role, Scope
from efs.people.services import role_grant, support_assign
from efs.routes import regional, services
from efs.routes.building import BuildOptions
from tests.catalog.routes import _depot
from tests.conftest import make_user
from tests.diagnostics.conftest import finished_attempt
from tests.matrix import (
    ROUTES,
    SURNAMES,
    VISIBLE,
    Route,
    api,
    by_role,
    makers,
    only,
    page,
    people_shown,
    rows_of,
    state_key,
)

STATUS_READERS = {"school_head", "municipal", "regional", "regional_other", "federal"}
PLANNERS = {"regional", "regional_other", "federal"}
OWN_AND_TUTOR = {"teacher", "tutor"}


def _options() -> BuildOptions:
    today = timezone.localdate()
    return BuildOptions(period_start=today, period_end=today + dt.timedelta(days=365), budget=0, max_hours=200)


def _routes(world, state):
    if "route" in state:
        return
    _depot(world, state)
    support_assign(supporter=world.users["tutor"], educator=world.self_educator, kind=Role.TUTOR)
    finished_attempt(world.users["teacher"], world.self_educator, {"T.RO": 0.98, "T.NP": 0.9})
    route = services.route_build(actor=world.users["teacher"], educator=world.self_educator, options=_options())
    state["route"], state["item"] = route.pk, route.items.first().pk
    state["cohort"] = route.items.filter(kind="cohort").first().cohort_id

    peer = make_user("peer_b")
    role_grant(user=peer, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
    world.other_org.user = peer
    world.other_org.save()
    finished_attempt(peer, world.other_org, {"T.RO": 0.99})
    running = services.route_build(actor=peer, educator=world.other_org, options=_options())
    services.route_propose(actor=peer, route=running)
    services.route_approve(actor=world.users["tutor"], route=running)
    item = running.items.first()
    services.item_start(actor=peer, item=item)
    evidence = services.evidence_submit(actor=peer, item=item, note="Конспект урока с формирующим оцениванием")
    state["running"], state["running_item"], state["evidence"] = running.pk, item.pk, evidence.pk
    state["evidence_file"] = services.evidence_submit(
        actor=peer, item=item, file=SimpleUploadedFile("lesson.pdf", b"%PDF-1.4 lesson plan")
    ).pk
    state["plan"] = regional.allocation_start(actor=world.users["regional"], region=world.r1, fund=0).pk


def _supporters_educators(who, world, response):
    """The tutor's queue names the educator whose route runs (org B) and nobody else; the teacher's
    route is a draft, not theirs to see yet. The mentor's mentee has no route: nobody."""
    if response.status_code != 200:
        return
    text = response.content.decode()
    shown = {key for key, surname in SURNAMES.items() if surname in text}
    assert shown == {"tutor": {"other_org"}, "mentor": set()}[who], shown


# The World's educators with a route: the teacher's own and the tutor's other educator (org B).
ROUTED = frozenset({"self_educator", "other_org"})


def _no_contents_for_staff(who, world, response):
    body = response.json()
    rows = body["items"]
    assert set(body["summary"]) == {"educators", "with_route", "by_status"} and body["count"] == len(rows)
    surnames = {row["name"].split()[0] for row in rows}
    assert surnames == {SURNAMES[key] for key in ROUTED & VISIBLE[who]}, (who, surnames)
    assert all("evidence" not in row and "comment" not in row for row in rows)


def _second_item(world, state):
    """The second activity of the teacher's route (the first is the API rows' own)."""
    _routes(world, state)
    from efs.routes.models import RouteItem

    if "item2" not in state:
        items = RouteItem.objects.filter(route_id=state["route"]).order_by("pk")
        state["item2"] = items.values_list("pk", flat=True)[1]


def _returned(world, state):
    """The teacher's route back with the educator (the tutor's own run has returned it already)."""
    _proposed(world, state)
    from efs.routes.models import Route as RouteModel
    from efs.routes.models import RouteStatus

    route = RouteModel.objects.get(pk=state["route"])
    if route.status == RouteStatus.PROPOSED:
        services.route_return(actor=world.users["tutor"], route=route, comment="Добавьте стажировку")


def _evidence_file(world, state):
    return {"file": SimpleUploadedFile("plan.txt", b"not a document"), "note": ""}


_page, _api = makers("routes", _routes)

_ITEMS = rows_of("routes.RouteItem", "status", "cohort_id", route_id=state_key("route"))
_ITEM = rows_of("routes.RouteItem", "status", pk=state_key("item"))
_STATUS = rows_of("routes.Route", "status", pk=state_key("route"))

ROUTES += [
    _page("mine", lambda w, s: "/routes/", only({"teacher"}, 302)),
    _page("route", lambda w, s: f"/routes/{s['route']}/", only(OWN_AND_TUTOR)),
    _page(
        "route",
        lambda w, s: f"/routes/{s['running']}/",
        only({"tutor"}),
        label="the tutor's other educator",
    ),
    _page("pdf", lambda w, s: f"/routes/{s['route']}/iom.pdf", only(OWN_AND_TUTOR)),
    _page(
        "evidence_file",
        lambda w, s: f"/routes/{s['running']}/evidence/{s['evidence_file']}/file",
        only({"tutor"}),
        label="the evidence file of the tutor's other educator",
    ),
    _page(
        "alternatives",
        lambda w, s: f"/routes/{s['route']}/items/{s['item']}/alternatives/",
        only({"teacher"}),
    ),
    _page(
        "item_start",
        lambda w, s: f"/routes/{s['route']}/items/{s['item']}/start/",
        by_role({"teacher": 409, "tutor": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {},
        observe=_ITEM,
        label="the route is not approved yet: «start» refused with its status and message",
    ),
    _page(
        "item_evidence",
        lambda w, s: f"/routes/{s['route']}/items/{s['item']}/evidence/",
        by_role({"teacher": 409, "tutor": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"note": "Конспект занятия"},
        observe=rows_of("routes.Evidence", "pk", item_id=state_key("item")),
        label="the route is not approved yet: no evidence",
    ),
    _page(
        "item_swap",
        lambda w, s: f"/routes/{s['route']}/items/{s['item']}/swap/",
        by_role({"teacher": 409, "tutor": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"cohort": s["cohort"]},
        observe=_ITEMS,
        label="the same cohort again: refused",
    ),
    _page(
        "rediagnose",
        lambda w, s: f"/routes/{s['route']}/rediagnose/",
        by_role({"teacher": 409, "tutor": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {},
        observe=rows_of("diagnostics.Attempt", "pk", educator__last_name="Иванова"),
        label="no goal is ready for the re-diagnosis: refused",
    ),
    _page(
        "rebuild",
        lambda w, s: f"/routes/{s['route']}/rebuild/",
        by_role({"teacher": 400, "tutor": 400}, anonymous=302),
        method="POST",
        data=lambda w, s: {},
        observe=_ITEMS,
        label="without the confirmation: the form refuses",
    ),
    _page(
        "limits",
        lambda w, s: f"/routes/{s['route']}/limits/",
        by_role({"teacher": 302, "tutor": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"max_hours": "300", "budget": "", "copay": ""},
        observe=rows_of("routes.Route", "max_hours", pk=state_key("route")),
        changes={"teacher"},
    ),
    Route(
        "routes:item_remove",
        "POST",
        lambda w, s: f"/routes/{s['route']}/items/{s['item2']}/remove/",
        by_role({"teacher": 302, "tutor": 403}, anonymous=302),
        setup=_second_item,
        data=lambda w, s: {},
        observe=_ITEMS,
        changes={"teacher"},
        label="the route's second activity",
    ),
    _page(
        "evidence_accept",
        lambda w, s: f"/routes/{s['running']}/items/{s['running_item']}/evidence/accept/",
        by_role({"tutor": 302}, anonymous=302),
        method="POST",
        data=lambda w, s: {"evidence": s["evidence_file"], "comment": ""},
        observe=rows_of("routes.Evidence", "accepted", pk=state_key("evidence_file")),
        changes={"tutor"},
        label="the tutor accepts the file of the other educator",
    ),
    _page(
        "evidence_return",
        lambda w, s: f"/routes/{s['running']}/items/{s['running_item']}/evidence/return/",
        by_role({"tutor": 409}, anonymous=302),
        method="POST",
        data=lambda w, s: {"evidence": s["evidence_file"], "comment": "Добавьте самоанализ"},
        observe=rows_of("routes.Evidence", "accepted", "review_comment", pk=state_key("evidence_file")),
        label="the file is accepted already: refused",
    ),
    _page(
        "add_cohort",
        lambda w, s: f"/routes/add/{s['cohort']}/",
        only({"teacher"}, 409),  # the cohort is in the route already: refused with its status
        method="POST",
        data=lambda w, s: {},
        observe=_ITEMS,
    ),
    _page("tutor", lambda w, s: "/routes/tutor/", page({"tutor", "mentor"}), check=_supporters_educators),
    _page("staff", lambda w, s: "/routes/staff/", page(STATUS_READERS), check=people_shown(ROUTED)),
    _page("region_plans", lambda w, s: "/routes/region/", page(PLANNERS)),
    _page(
        "region_plan",
        lambda w, s: f"/routes/region/{s['plan']}/",
        by_role({"regional": 200, "federal": 200, "regional_other": 404}, anonymous=302, default=403),
    ),
    _api("mine", "GET", lambda w, s: "/api/routes/mine", only({"teacher"}, anonymous=401)),
    _api(
        "staff",
        "GET",
        lambda w, s: "/api/routes/staff",
        api(STATUS_READERS),
        check=lambda who, w, r: _no_contents_for_staff(who, w, r) if r.status_code == 200 else None,
    ),
    _api("route", "GET", lambda w, s: f"/api/routes/{s['route']}", only(OWN_AND_TUTOR, anonymous=401)),
    _api(
        "item_alternatives",
        "GET",
        lambda w, s: f"/api/routes/{s['route']}/items/{s['item']}/alternatives",
        only({"teacher"}, anonymous=401),
    ),
    _api(
        "item_start",
        "POST",
        lambda w, s: f"/api/routes/{s['route']}/items/{s['item']}/start",
        by_role({"teacher": 409, "tutor": 403}),
        observe=_ITEM,
    ),
    _api(
        "item_evidence",
        "POST",
        lambda w, s: f"/api/routes/{s['running']}/items/{s['running_item']}/evidence",
        by_role({"tutor": 403}),
        data=_evidence_file,
        observe=rows_of("routes.Evidence", "pk", item_id=state_key("running_item")),
    ),
    _api(
        "evidence_review",
        "POST",
        lambda w, s: f"/api/routes/{s['running']}/evidence/{s['evidence']}/review",
        by_role({"tutor": 200}),
        data=lambda w, s: {"accept": False, "comment": "Добавьте самоанализ урока"},
        json=True,
        observe=rows_of("routes.Evidence", "accepted", "review_comment", pk=state_key("evidence")),
        changes={"tutor"},
    ),
    _api(
        "plan_get",
        "GET",
        lambda w, s: f"/api/routes/region-plans/{s['plan']}",
        by_role({"regional": 200, "federal": 200, "regional_other": 404}, default=403),
    ),
    _api(
        "plan_start",
        "POST",
        lambda w, s: "/api/routes/region-plans",
        by_role({"regional": 409, "federal": 409}, default=403),
        data=lambda w, s: {"region": w.r1.code, "fund_kopecks": 0},
        json=True,
        observe=rows_of("routes.AllocationRun", "pk", region__code="24"),  # one is running: nothing new
    ),
    _api(
        "item_add",
        "POST",
        lambda w, s: f"/api/routes/{s['route']}/items",
        by_role({"teacher": 409, "tutor": 403}),
        data=lambda w, s: {"cohort": s["cohort"]},
        json=True,
        observe=_ITEMS,
    ),
    _api(
        "item_remove",
        "DELETE",
        lambda w, s: f"/api/routes/{s['route']}/items/{s['item']}",
        by_role({"teacher": 204, "tutor": 403}),
        observe=_ITEMS,
        changes={"teacher"},
    ),
    _api(
        "route_action",
        "POST",
        lambda w, s: f"/api/routes/{s['route']}/actions",
        by_role({"teacher": 200, "tutor": 403}),
        data=lambda w, s: {"action": "propose"},
        json=True,
        observe=_STATUS,
        changes={"teacher"},
    ),
    _api(
        "build",
        "POST",
        lambda w, s: "/api/routes/build",
        by_role({"teacher": 409}),
        data=lambda w, s: {},
        json=True,
        observe=rows_of("routes.Route", "pk", educator__last_name="Иванова"),  # a route exists: nothing built
    ),
]


# ---------------------------------------------------------------- form POSTs, each with its outcome


def _proposed(world, state):
    """The teacher's route sent to the tutor (the API row has done it in the teacher's run)."""
    _routes(world, state)
    from efs.routes.models import Route as RouteModel
    from efs.routes.models import RouteStatus

    route = RouteModel.objects.get(pk=state["route"])
    if route.status == RouteStatus.DRAFT:
        services.route_propose(actor=world.users["teacher"], route=route)


ROUTES += [
    Route(
        "routes:return",
        "POST",
        lambda w, s: f"/routes/{s['route']}/return/",
        by_role({"teacher": 403, "tutor": 302}, anonymous=302),  # the educator may not return their own route
        setup=_proposed,
        data=lambda w, s: {"comment": "Добавьте стажировку"},
        observe=_STATUS,
        changes={"tutor"},
        label="the tutor returns the proposed route",
    ),
    Route(
        "routes:propose",
        "POST",
        lambda w, s: f"/routes/{s['route']}/propose/",
        by_role({"teacher": 302, "tutor": 403}, anonymous=302),
        setup=_returned,
        data=lambda w, s: {"comment": ""},
        observe=_STATUS,
        changes={"teacher"},
        label="the educator sends the returned route again",
    ),
    Route(
        "routes:approve",
        "POST",
        lambda w, s: f"/routes/{s['route']}/approve/",
        by_role({"teacher": 403, "tutor": 302}, anonymous=302),
        setup=_proposed,
        data=lambda w, s: {"comment": ""},
        observe=_STATUS,
        changes={"tutor"},
        label="the tutor approves the proposed route",
    ),
    _page(
        "mine",
        lambda w, s: "/routes/",
        only({"teacher"}, 302),
        method="POST",
        data=lambda w, s: {"max_hours": "120", "budget": "", "copay": ""},
        observe=rows_of("routes.Route", "pk", educator__last_name="Иванова"),
        label="with a route already: sent to it, nothing built",
    ),
    _page(
        "region_plans",
        lambda w, s: "/routes/region/",
        # the regional operator of r1: not their region, not found
        by_role({"regional_other": 302, "federal": 302, "regional": 404}, anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": str(w.r2.pk), "fund": "0", "max_hours": "144", "budget": ""},
        observe=rows_of("routes.AllocationRun", "pk", region__code="54"),
        changes={"regional_other", "federal"},
        macro="federal",  # the macroregion holds R2: its operator plans there
        label="a plan for region 54",
    ),
    Route(
        "routes:abandon",
        "POST",
        lambda w, s: f"/routes/{s['running']}/abandon/",
        by_role({"tutor": 302}, anonymous=302),
        setup=_routes,
        data=lambda w, s: {"comment": "Педагог перешёл в другую школу"},
        observe=rows_of("routes.Route", "status", pk=state_key("running")),
        changes={"tutor"},
        label="the tutor stops the other educator's route",
    ),
]
