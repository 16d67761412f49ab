"""Exact query counts of the teacher's and the tutor's pages (issue 13, «Speed»).

A count that grows means a page started to query per row or per section: find out why
before raising the number."""

from __future__ import annotations

from efs.routes.services import route_build
from tests.conftest import queries_of
from tests.routes.conftest import options


def test_the_teachers_home_and_route_pages_make_a_fixed_number_of_queries(ready):
    world = ready["world"]
    route = route_build(actor=world.users["teacher"], educator=world.self_educator, options=options())
    teacher = world.client("teacher")
    # (uncached: inside the test's transaction efs.fragments renders afresh; the cached
    # counts are in tests/web/test_fragments.py) session, user, grants, educator, attempts,
    # consent texts, consents, results, certificate (funded, else tracked), route, its items,
    # its goals, unread notifications
    teacher.get("/")  # the first request of a session also stores its time zone
    assert queries_of(teacher, "/") == HOME
    page = teacher.get("/").content.decode()
    assert f"/routes/{route.pk}/" in page
    # session, user, grants, route, goals, items, evidence, events, goals ready for
    # re-measurement, tutor check, enrollments, unread notifications (the region's basis of
    # processing comes with the route's educator)
    assert queries_of(teacher, f"/routes/{route.pk}/") == ROUTE


def test_the_tutors_home_and_queue_make_a_fixed_number_of_queries(ready):
    world = ready["world"]
    route_build(actor=world.users["teacher"], educator=world.self_educator, options=options())
    tutor = world.client("tutor")
    tutor.get("/")  # the first request of a session also stores its time zone
    assert queries_of(tutor, "/") == TUTOR_HOME
    assert queries_of(tutor, "/routes/tutor/") == TUTOR_QUEUE


HOME = 14
ROUTE = 13
TUTOR_HOME = 9
TUTOR_QUEUE = 7
