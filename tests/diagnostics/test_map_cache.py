"""The deficit map from the page-fragment cache (efs.fragments): a map read from an analytics
build or from a day's snapshot is kept until a table it was made from is written; a live map
is never stored; a part made from the audit log is never stored (the log is not stamped).

Transactional tests: inside a test's transaction nothing is cached, by design."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from efs import fragments
from efs.people.models import AuditEvent
from tests.conftest import queries_of
from tests.diagnostics.test_dashboards import _diagnosed

pytestmark = pytest.mark.django_db(transaction=True)


def _diagnosed_line(page: str) -> str:
    start = page.index('<p class="text-secondary">')
    return page[start : page.index("</p>", start)]


def _body(page: str) -> str:  # the map itself (the page around it carries a masked CSRF token)
    return page[page.index("<h1") : page.index("</main>")]


def test_a_map_read_from_the_build_is_cached_until_the_next_build(world, bank):
    from efs.monitoring.public import analytics_build

    _diagnosed(world, world.org_a, 5, "a-")
    analytics_build()
    client = world.client("regional")
    client.get("/healthz")  # the session's first request stores its time zone
    first = client.get("/diagnostics/map/").content.decode()
    assert 'id="map-built"' in first and "5 человек" in _diagnosed_line(first)
    # session, user, the table stamps, the unread count (the menu's roles are kept under the stamps)
    assert queries_of(client, "/diagnostics/map/") == CACHED_MAP
    assert _body(client.get("/diagnostics/map/").content.decode()) == _body(first)

    # New results alone do not change a map read from the build: the build is what it shows.
    _diagnosed(world, world.org_b, 5, "b-")
    assert "5 человек" in _diagnosed_line(client.get("/diagnostics/map/").content.decode())
    # The next build is published: the very next map is counted from it.
    analytics_build()
    assert "10 человек" in _diagnosed_line(client.get("/diagnostics/map/").content.decode())
    # Another operator, other filters: parts of their own.
    other = client.get("/diagnostics/map/?category=manager").content.decode()
    assert "Нормативно-правовые основы" not in other


def test_a_live_map_is_not_stored(world, bank):
    _diagnosed(world, world.org_a, 5, "a-")  # no analytics build: the region level map is live
    client = world.client("regional")
    client.get("/healthz")
    counts = [queries_of(client, "/diagnostics/map/") for _ in range(3)]
    assert counts[1] == counts[2] > CACHED_MAP  # its own two-minute cache, not the fragment's
    assert "5 человек" in _diagnosed_line(client.get("/diagnostics/map/").content.decode())


def test_a_part_made_from_the_audit_log_is_never_stored(world):
    request = RequestFactory().get("/")
    request.user, request.csp_nonce = world.users["regional"], "n"
    calls: list[int] = []

    def render() -> dict[str, str]:
        calls.append(AuditEvent.objects.count())
        return {"body": f"<p>{calls[-1]}</p>"}

    for _ in range(3):
        fragments.cached(request, "audit-test", render)
    assert len(calls) == 3


CACHED_MAP = 4
