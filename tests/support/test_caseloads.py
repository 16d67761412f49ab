"""Caseloads of tutors: the ЦНППМ head's page (loads, who has no tutor, a proposed
rebalancing with a fixed number of queries), the confirmation that moves educators with
history and notifications, and bad input that saves nothing."""

from __future__ import annotations

import pytest

from efs.people.models import Notification, Role, Scope, SupportAssignment
from efs.people.services import role_grant, support_assign
from efs.support import caseloads
from efs.support.models import CaseloadChange, TutorCapacity
from tests.conftest import make_educator, make_org, make_user, queries_of


def _tutor(world, name: str, *, subjects=(), org=None):
    user = make_user(name)
    role_grant(user=user, role=Role.TUTOR, scope=Scope.ASSIGNED, region=world.r1)
    if subjects:
        make_educator(org or world.org_b, name.title(), user=user, subjects=subjects)
    return user


@pytest.fixture
def region(world):
    """R1: the World tutor serves Сидорова (org B, Красноярск). Two more tutors: «petrov»
    (mathematics, 1 educator of Ачинск, capacity 2) and «orlova» (capacity 1, full with 1 of
    Красноярск, so over capacity after one more). Without a tutor: Иванова, Петрова (org A,
    Красноярск; Иванова teaches mathematics) and Кузнецова (org C, Ачинск)."""
    head = world.users["regional"]
    petrov = _tutor(world, "petrov", subjects=["mathematics"], org=world.org_c)
    orlova = _tutor(world, "orlova")
    achinsk = make_educator(world.org_c, "Ачинская")
    support_assign(supporter=petrov, educator=achinsk, kind=Role.TUTOR)
    extra = make_educator(world.org_b, "Краснова")
    support_assign(supporter=orlova, educator=extra, kind=Role.TUTOR)
    support_assign(supporter=orlova, educator=make_educator(world.org_b, "Лишняя"), kind=Role.TUTOR)
    caseloads.capacity_set(actor=head, region_id=world.r1.pk, tutor_id=petrov.pk, capacity=2)
    caseloads.capacity_set(actor=head, region_id=world.r1.pk, tutor_id=orlova.pk, capacity=1)
    caseloads.capacity_set(actor=head, region_id=world.r1.pk, tutor_id=world.users["tutor"].pk, capacity=10)
    return world, head, petrov, orlova


def test_the_page_shows_loads_capacities_and_who_has_no_tutor(region):
    world, head, petrov, orlova = region
    c = caseloads.caseloads(head)
    loads = {t.name: (t.load, t.capacity, t.overloaded) for t in c.tutors}
    assert loads == {"Orlova": (2, 1, True), "Petrov": (1, 2, False), "Tutor": (1, 10, False)}
    assert c.unassigned == 4  # Иванова, Петрова, Кузнецова and petrov's own record (org C)
    assert c.to_rebalance == 5  # and the one beyond orlova's capacity
    assert {u.name.split()[0] for u in c.unassigned_shown} == {"Иванова", "Петрова", "Кузнецова", "Petrov"}
    response = world.client("regional").get("/support/caseloads/")
    text = response.content.decode()
    assert response.status_code == 200 and "Orlova" in text and "Кузнецова" in text


def test_the_proposal_prefers_the_municipality_then_the_subject_then_the_load(region):
    world, head, petrov, orlova = region
    c = caseloads.caseloads(head)
    to = {p.educator_name.split()[0]: (p.to_name, p.from_name) for p in c.proposals}
    # Кузнецова (Ачинск): petrov already serves Ачинск.
    assert to["Кузнецова"] == ("Petrov", "")
    # Иванова (Красноярск, mathematics): the World tutor serves Красноярск and has room.
    assert to["Иванова"][0] == "Tutor"
    # orlova is over capacity by one: her newest assignment moves to a tutor with room.
    assert to["Лишняя"] == ("Tutor", "Orlova")
    reasons = {p.educator_name.split()[0]: p.reason for p in c.proposals}
    assert "тот же муниципалитет" in reasons["Кузнецова"]
    # A tutor is never proposed as their own tutor, nor beyond capacity.
    assert to["Petrov"][0] == "Tutor"
    assert len(c.proposals) == 5 and c.no_place == 0


def test_without_places_the_educators_without_a_tutor_come_first(region):
    world, head, petrov, orlova = region
    caseloads.capacity_set(actor=head, region_id=world.r1.pk, tutor_id=world.users["tutor"].pk, capacity=3)
    c = caseloads.caseloads(head)
    # 2 places with the World tutor and 1 with petrov for 4 without a tutor and 1 over capacity.
    assert len(c.proposals) == 3 and c.no_place == 2
    assert all(p.from_id is None for p in c.proposals)
    planned = {}
    for p in c.proposals:
        planned[p.to_name] = planned.get(p.to_name, 0) + 1
    assert planned == {"Tutor": 2, "Petrov": 1}


def test_confirming_moves_keeps_history_and_notifies_the_educator_and_both_tutors(region):
    world, head, petrov, orlova = region
    lishnyaya = SupportAssignment.objects.get(supporter=orlova, educator__last_name="Лишняя").educator
    tutor = world.users["tutor"]
    response = world.client("regional").post(
        "/support/caseloads/moves/",
        {
            "region": world.r1.pk,
            "moves": [f"{lishnyaya.pk}:{tutor.pk}", f"{world.self_educator.pk}:{tutor.pk}"],
            "note": "перегрузка",
        },
    )
    assert response.status_code == 302
    assert not SupportAssignment.objects.get(supporter=orlova, educator=lishnyaya).active
    assert SupportAssignment.objects.get(supporter=tutor, educator=lishnyaya).active
    changes = {c.educator_id: c for c in CaseloadChange.objects.all()}
    assert (changes[lishnyaya.pk].from_supporter, changes[lishnyaya.pk].to_supporter, changes[lishnyaya.pk].reason) == (
        orlova,
        tutor,
        "rebalanced",
    )
    assert (changes[world.self_educator.pk].from_supporter, changes[world.self_educator.pk].reason) == (
        None,
        "assigned",
    )
    assert changes[lishnyaya.pk].note == "перегрузка" and changes[lishnyaya.pk].changed_by == head
    assert Notification.objects.filter(user=orlova, title__contains="Лишняя").exists()
    assert Notification.objects.filter(user=tutor, title__contains="Лишняя").exists()
    assert Notification.objects.filter(
        user=world.users["teacher"], title__contains="Tutor"
    ).exists()  # Иванова has a login
    # The old tutor's scope no longer reaches the educator; the new tutor's does.
    from efs.people import access
    from efs.people.models import Educator

    assert not access.scoped(Educator.objects.filter(pk=lishnyaya.pk), orlova).exists()
    assert access.scoped(Educator.objects.filter(pk=lishnyaya.pk), tutor).exists()
    page = world.client("regional").get("/support/caseloads/").content.decode()
    assert "перегрузка" in page


def _state():
    return (
        sorted(SupportAssignment.objects.filter(active=True).values_list("supporter_id", "educator_id")),
        CaseloadChange.objects.count(),
        sorted(TutorCapacity.objects.values_list("tutor_id", "capacity")),
    )


@pytest.mark.parametrize(
    ("moves", "status", "code"),
    [
        ("foreign_educator", 404, "educator_not_found"),
        ("foreign_tutor", 404, "tutor_not_found"),
        ("full", 409, "tutor_full"),
        ("same", 409, "caseload_same_tutor"),
        ("twice", 422, "move_duplicate"),
    ],
)
def test_bad_moves_save_nothing(region, moves, status, code):
    world, head, petrov, orlova = region
    tutor = world.users["tutor"]
    other_region_tutor = make_user("far")
    role_grant(user=other_region_tutor, role=Role.TUTOR, scope=Scope.ASSIGNED, region=world.r2)
    ok = {"educator": world.self_educator.pk, "tutor": tutor.pk}
    payloads = {
        "foreign_educator": [ok, {"educator": world.other_region.pk, "tutor": tutor.pk}],
        "foreign_tutor": [ok, {"educator": world.same_org.pk, "tutor": other_region_tutor.pk}],
        "full": [ok, {"educator": world.same_org.pk, "tutor": orlova.pk}],
        "same": [ok, {"educator": world.other_org.pk, "tutor": tutor.pk}],
        "twice": [ok, {"educator": world.self_educator.pk, "tutor": petrov.pk}],
    }
    before = _state()
    response = world.client("regional").post(
        "/api/support/caseloads/moves",
        {"region": world.r1.pk, "moves": payloads[moves]},
        content_type="application/json",
    )
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert _state() == before


def test_the_page_form_says_what_is_wrong_in_russian(region):
    world, head, petrov, orlova = region
    before = _state()
    client = world.client("regional")
    response = client.post(
        "/support/caseloads/moves/", {"region": world.r1.pk, "moves": [f"{world.same_org.pk}:{orlova.pk}"]}, follow=True
    )
    assert response.status_code == 409 and "нет свободного места" in response.content.decode()
    response = client.post("/support/caseloads/moves/", {"region": world.r1.pk, "moves": ["x:1"]}, follow=True)
    assert response.status_code == 400 and "Перемещение называет педагога и тьютора" in response.content.decode()
    response = client.post(
        "/support/caseloads/capacity/", {"region": world.r1.pk, "tutor": petrov.pk, "capacity": -1}, follow=True
    )
    assert response.status_code == 400 and _state() == before  # the refusal's status, not the redirect


def test_capacity_bad_input(region):
    world, head, petrov, orlova = region
    client = world.client("regional")
    response = client.post(
        "/api/support/caseloads/capacity", {"tutor": petrov.pk, "capacity": 501}, content_type="application/json"
    )
    assert response.status_code == 422
    response = client.post(
        "/api/support/caseloads/capacity",
        {"tutor": world.users["teacher"].pk, "capacity": 5},
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "tutor_not_found"
    response = client.post(
        "/api/support/caseloads/capacity",
        {"region": world.r2.pk, "tutor": petrov.pk, "capacity": 5},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert TutorCapacity.objects.get(tutor=petrov).capacity == 2


def _grow(world, n: int) -> None:
    """n more educators in R1: a third without a tutor, the rest with the World tutor."""
    org = make_org(world.r1, world.m2, f"Школа {n}")
    for i in range(n):
        educator = make_educator(org, f"Рост{i}", subjects=["mathematics"] if i % 2 else ())
        if i % 3:
            support_assign(supporter=world.users["tutor"], educator=educator, kind=Role.TUTOR)


def test_the_page_makes_a_fixed_number_of_queries_whatever_the_size(region):
    world, *_rest = region
    client = world.client("regional")
    queries_of(client, "/support/caseloads/")  # the first request of a session fills caches
    small = queries_of(client, "/support/caseloads/")
    small_proposed = queries_of(client, "/support/caseloads/?propose=1")
    _grow(world, 30)
    large = queries_of(client, "/support/caseloads/")
    large_proposed = queries_of(client, "/support/caseloads/?propose=1")
    # the page reads the loads; the proposal (its candidates and subjects) only when asked for
    assert (small, small_proposed) == (large, large_proposed) == (PAGE_QUERIES, PAGE_QUERIES + 4)
    api = queries_of(client, "/api/support/caseloads")
    assert api == PAGE_QUERIES + 3


PAGE_QUERIES = 16  # two grouped counts and the municipalities in name order instead of a subquery per educator


def test_the_page_proposes_on_demand_and_a_confirmed_batch_shows_the_next(region):
    world, *_rest = region
    client = world.client("regional")
    page = client.get("/support/caseloads/").content.decode()
    assert 'id="propose"' in page and 'id="rebalance"' not in page
    page = client.get(f"/support/caseloads/?region={world.r1.pk}&propose=1").content.decode()
    assert 'id="rebalance"' in page


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 50])
def test_the_first_without_a_tutor_read_from_few_municipalities_match_a_plain_read(world, limit):
    """Reading only the municipalities that come first by name gives the same people, in the
    same order, as sorting every educator of the region without a tutor."""
    from django.db.models import OuterRef

    from efs.people.models import Educator, Municipality

    for n, municipality in enumerate((world.m2, world.m1, world.m2)):
        org = make_org(world.r1, municipality, f"Школа без тьютора {n}")
        for i in range(2):
            make_educator(org, f"Без{n}{i}")
    counts = caseloads._educator_counts(world.r1.pk)
    without = {m: w for m, _total, w in counts if w}
    names = dict(Municipality.objects.filter(region=world.r1).values_list("pk", "name"))
    plain = (
        Educator.objects.filter(region=world.r1, is_active=True)
        .filter(~caseloads._active_tutor(OuterRef("pk")))
        .order_by("organization__municipality__name", "last_name", "first_name", "pk")
    )
    expected = list(plain.values_list("pk", flat=True)[:limit])
    assert [e.pk for e in caseloads._unassigned_first(world.r1.pk, limit, without, names)] == expected
    assert sum(without.values()) == plain.count()
