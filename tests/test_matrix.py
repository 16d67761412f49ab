"""Runs the role × scope matrix and checks that it covers every route."""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import tests.catalog.routes
import tests.diagnostics.routes
import tests.financing.routes
import tests.people.routes
import tests.routes.routes  # noqa: F401
from tests.matrix import ROUTES, USERS

# Django admin pages are covered by admin:index plus the scoped Educator admin test.
EXEMPT_NAMESPACES = {"admin"}


def _names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_route_is_in_the_matrix():
    served = {n for n in _names(get_resolver().url_patterns) if n.split(":")[0] not in EXEMPT_NAMESPACES}
    covered = {route.name for route in ROUTES}
    assert served - covered == set(), "pages or endpoints missing from the role × scope matrix"


@pytest.mark.parametrize("who", USERS)
def test_matrix(world, who):
    world.users["federal"].is_staff = world.users["federal"].is_superuser = True
    world.users["federal"].save()
    failures = []
    state: dict = {}
    for route in ROUTES:
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
        response = getattr(client, route.method.lower())(path, **kwargs)
        expected = route.expect(who, world)
        if response.status_code != expected:
            failures.append(f"{route.method} {path} [{route.label or route.name}]: {response.status_code}, expected {expected}")
            continue
        if route.check:
            try:
                route.check(who, world, response)
            except AssertionError as exc:
                failures.append(f"{route.method} {path}: content: {exc}")
    assert failures == []
