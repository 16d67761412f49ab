"""Runs the role × scope matrix and checks that it covers every route."""

from __future__ import annotations

import inspect
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import tests.catalog.routes
import tests.coordination.programs_routes
import tests.coordination.routes
import tests.diagnostics.routes
import tests.financing.routes
import tests.monitoring.routes
import tests.ops.routes
import tests.people.routes
import tests.practices.network_routes
import tests.practices.routes
import tests.routes.routes
import tests.support.routes
import tests.workforce.routes  # noqa: F401
from tests.matrix import ROUTES, USERS, refusal_text

# Django admin pages are covered by admin:index plus the scoped Educator admin test.
EXEMPT_NAMESPACES = {"admin"}


def view_methods(callback) -> set[str]:
    """The HTTP methods a Django view answers (other than by 405), read from its code."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return {
            m.upper()
            for m in view_class.http_method_names
            if m in {"get", "post", "put", "patch", "delete"} and hasattr(view_class, m)
        }
    source = inspect.getsource(inspect.unwrap(callback))
    if "@require_POST" in source:
        return {"POST"}
    if "@require_GET" in source or "@require_safe" in source:
        return {"GET"}
    if "request.method" in source or "request.POST" in source:
        return {"GET", "POST"}
    return {"GET"}


def _pairs(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "api-1.0.0":
                yield from _api_pairs()
            else:
                yield from _pairs(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            for method in view_methods(pattern.callback):
                yield name, method


def _api_pairs():
    from efs.api.api import api

    yield "api-1.0.0:openapi-json", "GET"
    yield "api-1.0.0:openapi-view", "GET"
    from efs.api.api import operations

    for router, operation in operations():
        name = getattr(operation, "url_name", None) or api.get_operation_url_name(operation, router=router)
        for method in operation.methods:
            yield f"api-1.0.0:{name}", method


def served_pairs() -> set[tuple[str, str]]:
    """Every (URL name, HTTP method) the project answers, from its URL patterns and the API's operations."""
    return {(n, m) for n, m in _pairs(get_resolver().url_patterns) if n.split(":")[0] not in EXEMPT_NAMESPACES}


# (URL name, method) pairs served before the matrix compared methods, still without a row.
# The list only shrinks: a new page or endpoint has its rows from its first commit.
GRANDFATHERED: set[tuple[str, str]] = set()


def test_every_route_and_method_is_in_the_matrix():
    covered = {(route.name, route.method.upper()) for route in ROUTES}
    missing = served_pairs() - covered - GRANDFATHERED
    assert sorted(missing) == [], "pages or endpoints (with their method) missing from the role × scope matrix"


def test_the_grandfathered_list_only_shrinks():
    covered = {(route.name, route.method.upper()) for route in ROUTES}
    stale = GRANDFATHERED & covered | GRANDFATHERED - served_pairs()
    assert sorted(stale) == [], "remove these from GRANDFATHERED: they have rows now (or are gone)"


def test_method_reading_sees_each_kind_of_view():
    from django.contrib.auth import views as auth_views

    from efs.diagnostics import views as diagnostics_views

    assert view_methods(auth_views.LogoutView.as_view()) == {"POST"}
    assert "POST" in view_methods(auth_views.LoginView.as_view())
    assert view_methods(diagnostics_views.finish) == {"POST"}


# Rows run app by app in this order, whatever module imported its rows first: a later app's
# setup (support assigns the tutor to the teacher) must not change what earlier rows expect.
APP_ORDER = [
    "catalog",
    "diagnostics",
    "financing",
    "monitoring",
    "ops",
    "people",
    "routes",
    "support",
    "workforce",
    "practices",
    "coordination",
]


def ordered_routes():
    def app_of(route) -> int:
        module = route.path.__module__.split(".")
        name = module[1] if len(module) > 2 and module[0] == "tests" else ""
        return APP_ORDER.index(name) if name in APP_ORDER else len(APP_ORDER)

    return sorted(ROUTES, key=app_of)


def refused_page(route, path: str, response) -> bool:
    """A page (not the API) that refused a request that changes state: it must say why, in Russian."""
    return route.method != "GET" and not path.startswith("/api/") and 400 <= response.status_code < 500


@pytest.mark.parametrize("who", USERS)
def test_matrix(world, who):
    world.users["federal"].is_staff = world.users["federal"].is_superuser = True
    world.users["federal"].save()
    failures = []
    state: dict = {}
    for route in ordered_routes():
        if route.setup:
            route.setup(world, state)
        client = world.client(who)
        path = route.path(world, state)
        kwargs = {}
        if route.data:
            body = route.data(world, state)
            if route.json:
                kwargs = {"data": json.dumps(body), "content_type": "application/json"}
            else:
                kwargs = {"data": body}
        before = route.observe(world, state) if route.observe else None
        response = getattr(client, route.method.lower())(path, **kwargs)
        expected = route.expected(who, world)
        if response.status_code != expected:
            failures.append(
                f"{route.method} {path} [{route.label or route.name}]: {response.status_code}, expected {expected}"
            )
            continue
        if route.observe:
            after = route.observe(world, state)
            if (after != before) != route.changes_for(who):
                failures.append(
                    f"{route.method} {path} [{route.label or route.name}]: the state "
                    f"{'changed' if after != before else 'did not change'} ({before!r} -> {after!r})"
                )
        if refused_page(route, path, response) and not refusal_text(response):
            failures.append(f"{route.method} {path} [{route.label or route.name}]: refused without a Russian message")
        if route.check:
            try:
                route.check(route.as_user(who), world, response)
            except AssertionError as exc:
                failures.append(f"{route.method} {path}: content: {exc}")
    assert not failures, "\n" + "\n".join(failures)


def _guard_urlconf():
    """The project's URLs and two new pages without rows: one that answers GET and POST, one
    that adds POST to a URL name the matrix knows only by GET."""
    import types

    from django.http import HttpResponse
    from django.urls import include, path
    from django.views.decorators.http import require_POST

    def new_page(request):
        return HttpResponse("posted" if request.method == "POST" else "form")

    @require_POST
    def new_action(request):
        return HttpResponse("done")

    module = types.ModuleType("matrix_guard_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("matrix-guard/", new_page, name="matrix_guard_page"),
        path("matrix-guard/action/", new_action, name="healthz"),  # a known name, a new method
        path("", include("efs.urls")),
    ]
    return module


def test_a_new_pattern_or_method_without_a_row_fails_the_matrix(settings):
    """The guard itself: served_pairs() sees a new URL pattern and a new method of a known name."""
    covered = {(route.name, route.method.upper()) for route in ROUTES}
    assert ("healthz", "GET") in covered and ("healthz", "POST") not in covered
    settings.ROOT_URLCONF = _guard_urlconf()
    missing = served_pairs() - covered - GRANDFATHERED
    assert sorted(missing) == [("healthz", "POST"), ("matrix_guard_page", "GET"), ("matrix_guard_page", "POST")]
    with pytest.raises(AssertionError, match="missing from the role × scope matrix"):
        test_every_route_and_method_is_in_the_matrix()
