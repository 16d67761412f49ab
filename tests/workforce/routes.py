"""Workforce pages and endpoints in the role × scope matrix.

Region R1 is staffed (``conftest.staff_world``) and has a base forecast; R2 has neither,
so the other region's operator reads empty pages and gets «not found» for R1's data.
"""

from __future__ import annotations

from efs.workforce import services
from tests.matrix import ROUTES, by_role, makers, page
from tests.workforce.conftest import staff_world

READERS = {"school_head", "municipal", "regional", "regional_other", "federal"}
FORECAST = {"municipal", "regional", "regional_other", "federal"}
REGION_LEVEL = {"regional", "regional_other", "federal"}


def _staffed(world, state):
    if "post" in state:
        return
    posts = staff_world(world)
    services.forecast_run(actor=world.users["regional"], region=world.r1, years=5)
    state["post"] = posts.math_a.pk


def _forbidden_else(statuses: dict[str, int], *, anonymous: int):
    """`statuses` for the listed users, 403 for the other logged-in users."""
    return by_role(statuses, anonymous=anonymous, default=403)


route, endpoint = makers("workforce", _staffed)
ROUTES += [
    route("overview", lambda w, s: "/workforce/", page(FORECAST)),
    route(
        "municipality",
        lambda w, s: f"/workforce/municipalities/{w.m1.pk}/",
        _forbidden_else(
            {"municipal": 200, "regional": 200, "federal": 200, "regional_other": 404},
            anonymous=302,
        ),
    ),
    route(
        "export_forecast",
        lambda w, s: f"/workforce/export/forecast.xlsx?region={w.r1.pk}",
        _forbidden_else(
            {"municipal": 200, "regional": 200, "federal": 200, "regional_other": 404},
            anonymous=302,
        ),
    ),
    route(
        "export_risk",
        lambda w, s: f"/workforce/export/risk.xlsx?region={w.r1.pk}",
        _forbidden_else(
            {"municipal": 200, "regional": 200, "federal": 200, "regional_other": 404},
            anonymous=302,
        ),
    ),
    route("registry", lambda w, s: f"/workforce/registry/?region={w.r1.pk}", page(READERS)),
    route("template", lambda w, s: "/workforce/registry/template/staffing.xlsx", page(READERS)),
    route(
        "post",
        lambda w, s: f"/workforce/posts/{s['post']}/",
        _forbidden_else(
            {
                "school_head": 200,
                "municipal": 200,
                "regional": 200,
                "federal": 200,
                "regional_other": 404,
            },
            anonymous=302,
        ),
    ),
    route("pipeline", lambda w, s: f"/workforce/pipeline/?region={w.r1.pk}", page(READERS)),
    route("scenarios", lambda w, s: f"/workforce/scenarios/?region={w.r1.pk}", page(REGION_LEVEL)),
    # POSTs: a reader's form comes back as a redirect with a message (an invalid form,
    # or a service that refused: nothing is changed); everyone else is forbidden.
    route(
        "overview",
        lambda w, s: "/workforce/",
        by_role(dict.fromkeys(FORECAST, 302), anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "years": 5},
    ),
    route(
        "registry",
        lambda w, s: f"/workforce/registry/?region={w.r1.pk}",
        by_role(dict.fromkeys(READERS, 302), anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "kind": "staffing"},
    ),
    route(
        "post",
        lambda w, s: f"/workforce/posts/{s['post']}/",
        by_role(
            {
                "school_head": 302,
                "municipal": 302,
                "regional": 302,
                "federal": 302,
                "regional_other": 404,
            },
            anonymous=302,
            default=403,
        ),
        method="POST",
        data=lambda w, s: {"action": "close", "closed_on": "2026-12-01"},
    ),
    route(
        "pipeline",
        lambda w, s: f"/workforce/pipeline/?region={w.r1.pk}",
        by_role(dict.fromkeys(READERS, 302), anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "action": "break", "contract": 999999},
    ),
    route(
        "scenarios",
        lambda w, s: f"/workforce/scenarios/?region={w.r1.pk}",
        by_role(dict.fromkeys(REGION_LEVEL, 302), anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "name": ""},
    ),
    endpoint(
        "forecast",
        "GET",
        lambda w, s: f"/api/workforce/forecast?region={w.r1.pk}",
        _forbidden_else(
            {"municipal": 200, "regional": 200, "federal": 200, "regional_other": 404},
            anonymous=401,
        ),
    ),
    endpoint(
        "risk",
        "GET",
        lambda w, s: f"/api/workforce/risk?region={w.r1.pk}",
        _forbidden_else(
            {"municipal": 200, "regional": 200, "federal": 200, "regional_other": 404},
            anonymous=401,
        ),
    ),
    endpoint(
        "posts",
        "GET",
        lambda w, s: f"/api/workforce/posts?region={w.r1.pk}",
        _forbidden_else(dict.fromkeys(READERS, 200), anonymous=401),
    ),
    endpoint(
        "run_create",
        "POST",
        lambda w, s: "/api/workforce/runs",
        # Without any workforce role the region is not found at all; with a reading role
        # but not the region's operator, running is forbidden.
        by_role(
            {"regional": 201, "federal": 201, "school_head": 403, "municipal": 403},
            anonymous=401,
            default=404,
        ),
        data=lambda w, s: {"region": w.r1.pk, "years": 5},
        json=True,
    ),
]
