"""Cached page parts (efs.fragments): exact query counts when cached, a write shows on the
very next page (also writes by ``QuerySet.update`` and by other people), never one user's
part to another, and the per-request secrets (CSRF token, CSP nonce) filled in per request.

Transactional tests: inside a test's transaction nothing is cached, by design."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client, RequestFactory

from efs import fragments
from efs.people.models import AuditEvent
from efs.routes.models import Route
from efs.routes.services import route_build
from tests.conftest import queries_of
from tests.routes.conftest import options

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(r'<style nonce="([^"]+)"')


def test_cached_pages_are_fresh_after_every_write_and_personal(ready):
    world = ready["world"]
    route = route_build(actor=world.users["teacher"], educator=world.self_educator, options=options())
    path = f"/routes/{route.pk}/"
    teacher = Client(enforce_csrf_checks=True)
    teacher.force_login(world.users["teacher"])
    teacher.get("/")  # the first request of a session also stores its time zone
    first = teacher.get("/").content.decode()
    # cached: session, user, table stamps (the menu's roles and the unread count are kept under
    # the stamps of their tables, read once for the page's own part)
    assert queries_of(teacher, "/") == CACHED_HOME
    assert "bi-dash-circle" not in first and "bi-dash-circle" not in teacher.get("/").content.decode()
    teacher.get(path)
    assert queries_of(teacher, path) == CACHED_ROUTE

    # One's own write through a page (a service, then the redirect): the next page shows it.
    # A withdrawal is a QuerySet.update (no model signal): seen all the same.
    page = teacher.get("/people/consents/").content.decode()
    token = TOKEN.search(page).group(1)
    form = {"kind": "diagnostics", "csrfmiddlewaretoken": token}
    assert teacher.post("/people/consents/withdraw/", form).status_code == 302
    assert "bi-dash-circle" in teacher.get("/").content.decode()
    assert teacher.post("/people/consents/give/", form).status_code == 302
    assert "bi-dash-circle" not in teacher.get("/").content.decode()

    # The route page's own form, posted with the token of the (cached) page of this session.
    page = teacher.get(path).content.decode()
    assert "1 234" not in page
    answer = teacher.post(
        f"{path}limits/",
        {"max_hours": "1234", "budget": "0", "copay": "0", "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 302
    assert "1234" in teacher.get(path).content.decode().replace("\xa0", "").replace(" ", "")

    # Someone else's write (an update behind every model method) is seen by the next page.
    Route.objects.filter(pk=route.pk).update(max_hours=777)
    assert "777" in teacher.get(path).content.decode()

    # Another session of the same person: its own CSRF token and CSP nonce in the cached part.
    other = Client(enforce_csrf_checks=True)
    other.force_login(world.users["teacher"])
    other.get("/")
    mine, theirs = teacher.get(path), other.get(path)
    assert queries_of(other, path) == CACHED_ROUTE
    nonce_mine, nonce_theirs = NONCE.search(mine.content.decode()), NONCE.search(theirs.content.decode())
    assert nonce_mine and nonce_theirs and nonce_mine.group(1) != nonce_theirs.group(1)
    assert nonce_theirs.group(1) in theirs["Content-Security-Policy"]
    assert fragments.CSRF_SLOT not in theirs.content.decode() and fragments.NONCE_SLOT not in theirs.content.decode()
    token = TOKEN.search(theirs.content.decode()).group(1)
    answer = other.post(
        f"{path}limits/",
        {"max_hours": "900", "budget": "0", "copay": "0", "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 302  # the filled-in token is valid for that session

    # The tutor opens the same route: their own page (audited, not cached), not the teacher's part.
    tutor = Client()
    tutor.force_login(world.users["tutor"])
    viewed = AuditEvent.objects.filter(actor=world.users["tutor"]).count
    before = viewed()
    assert tutor.get(path).status_code == tutor.get(path).status_code == 200
    assert viewed() == before + 2


def test_a_part_is_never_served_to_another_user_and_nothing_is_cached_in_a_transaction(ready):
    world = ready["world"]
    factory = RequestFactory()

    def request_of(user):
        request = factory.get("/")
        request.user = user
        request.csp_nonce = "n"
        return request

    calls: list[str] = []

    def render_for(name):
        def render():
            calls.append(name)
            return {"body": f"<p>{name}</p>"}

        return render

    teacher, tutor = world.users["teacher"], world.users["tutor"]
    assert fragments.cached(request_of(teacher), "t", render_for("teacher"))["body"] == "<p>teacher</p>"
    assert fragments.cached(request_of(teacher), "t", render_for("again"))["body"] == "<p>teacher</p>"
    assert fragments.cached(request_of(tutor), "t", render_for("tutor"))["body"] == "<p>tutor</p>"
    assert calls == ["teacher", "tutor"]
    teacher.first_name = "Новое"
    teacher.save()  # the login is read before every part: a write to it renders afresh
    assert fragments.cached(request_of(teacher), "t", render_for("renamed"))["body"] == "<p>renamed</p>"
    with transaction.atomic():
        assert fragments.cached(request_of(teacher), "t", render_for("inside"))["body"] == "<p>inside</p>"
        assert fragments.cached(request_of(teacher), "t", render_for("inside"))["body"] == "<p>inside</p>"
    assert calls == ["teacher", "tutor", "renamed", "inside", "inside"]


CACHED_HOME = 3
CACHED_ROUTE = 3


BELL = re.compile(r'id="notifications-bell".*?</a>', re.S)


def test_the_menu_and_the_unread_count_of_a_cached_page_follow_every_write(ready):
    """The roles behind the menu and the unread count are kept under their tables' stamps on a
    cached page: a notification, a notification read (an update), a role granted and revoked
    (someone else's writes) are on the very next page; one user's figures are never another's."""
    from efs.people.models import Notification, RoleAssignment
    from efs.people.services import notify, role_grant

    world = ready["world"]
    teacher, tutor = Client(), Client()
    teacher.force_login(world.users["teacher"])
    tutor.force_login(world.users["tutor"])
    for client in (teacher, tutor):
        client.get("/")

    def bell(client) -> str:
        return BELL.search(client.get("/").content.decode()).group(0)

    assert "badge" not in bell(teacher) and queries_of(teacher, "/") == CACHED_HOME
    notify(user=world.users["teacher"], title="Проверка")
    assert ">1</span>" in bell(teacher)
    assert "badge" not in bell(tutor)  # the tutor's figures are the tutor's own
    Notification.objects.filter(user=world.users["teacher"]).update(read_at="2026-01-01T00:00:00Z")
    assert "badge" not in bell(teacher)

    # A role granted by an operator (another process could do it): the next page's menu has it.
    assert "/routes/tutor/" not in teacher.get("/").content.decode()
    role_grant(user=world.users["teacher"], role="tutor", scope="assigned", region=world.self_educator.region)
    assert "/routes/tutor/" in teacher.get("/").content.decode()
    RoleAssignment.objects.filter(user=world.users["teacher"], role="tutor").delete()
    assert "/routes/tutor/" not in teacher.get("/").content.decode()


def test_a_write_after_the_stamps_were_read_is_not_hidden_by_them(ready):
    """Within one request, the stamps read for a cached part stop counting once the request
    writes: what is computed after the write is computed afresh."""
    world = ready["world"]
    request = RequestFactory().get("/")
    request.user = world.users["teacher"]
    request.csp_nonce = "n"
    fragments.cached(request, "w", lambda: {"body": "<p>x</p>"})
    assert fragments.known_versions(request) is not None
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return len(calls)

    assert fragments.remembered(request, "w", count, depends=["people_notification"]) == 1
    assert fragments.remembered(request, "w", count, depends=["people_notification"]) == 1  # kept
    world.users["teacher"].save(update_fields=["first_name"])
    assert fragments.known_versions(request) is None
    assert fragments.remembered(request, "w", count, depends=["people_notification"]) == 2
