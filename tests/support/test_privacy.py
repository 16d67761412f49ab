"""The privacy wall: contents of private records are read by the educator, the author and
the people the educator shared each record with; everybody else gets 404 on page and API,
and the overview of heads and operators shows counts and dates only."""

from __future__ import annotations

import pytest

from efs.errors import NotFound
from efs.people import access
from efs.support import services
from efs.support.models import PrivateRecord, RecordShare
from tests.conftest import queries_of
from tests.matrix import LOGGED_IN
from tests.support.routes import RECORD_READERS
from tests.support.setup import NOTES, SECRET, TOPIC, support_data


@pytest.fixture
def data(world):
    return world, support_data(world, {})


@pytest.mark.parametrize("key", sorted(RECORD_READERS))
def test_each_kind_of_record_is_not_found_for_everyone_who_may_not_read_it(data, key):
    world, state = data
    record = PrivateRecord.objects.get(pk=state[key])
    for who in LOGGED_IN:
        client = world.client(who)
        page = client.get(f"/support/records/{record.pk}/")
        api = client.get(f"/api/support/records/{record.pk}")
        expected = 200 if who in RECORD_READERS[key] else 404
        assert (who, page.status_code, api.status_code) == (who, expected, expected)
        if expected == 404:
            assert record.body not in page.content.decode()
            assert api.json()["error"]["code"] == "not_found"


def test_the_four_kinds_are_covered(data):
    _world, state = data
    kinds = set(PrivateRecord.objects.filter(pk__in=[state[k] for k in RECORD_READERS]).values_list("kind", flat=True))
    assert kinds == {"journal_entry", "consultation_note", "observation", "mentoring_note"}


def test_no_scope_reaches_a_record_not_even_federal(data):
    world, state = data
    for who in ("federal", "regional", "municipal", "school_head", "tutor"):
        visible = set(access.scoped(PrivateRecord.objects.all(), world.users[who]).values_list("pk", flat=True))
        assert state["journal"] not in visible or who == "school_head"
    assert set(access.scoped(PrivateRecord.objects.all(), world.users["federal"]).values_list("pk", flat=True)) == set()


def test_a_revoked_share_closes_the_record_again(data):
    world, state = data
    tutor = world.client("tutor")
    assert tutor.get(f"/support/records/{state['journal2']}/").status_code == 200
    response = world.client("teacher").post(
        f"/support/records/{state['journal2']}/shares/{state['share_tutor']}/revoke/"
    )
    assert response.status_code == 302
    assert tutor.get(f"/support/records/{state['journal2']}/").status_code == 404
    assert tutor.get(f"/api/support/records/{state['journal2']}").status_code == 404
    share = RecordShare.objects.get(pk=state["share_tutor"])
    assert share.revoked_at is not None  # kept for history


def test_sharing_again_after_a_revocation_opens_it(data):
    world, state = data
    teacher = world.client("teacher")
    response = teacher.post(
        f"/api/support/records/{state['journal']}/shares",
        {"user": world.users["tutor"].pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert world.client("tutor").get(f"/api/support/records/{state['journal']}").json()["body"] == SECRET
    assert (
        RecordShare.objects.filter(record_id=state["journal"]).count() == 3
    )  # head, the revoked tutor share, the new one


def test_only_supporters_and_the_school_head_can_be_given_a_record(data):
    world, state = data
    before = RecordShare.objects.count()
    response = world.client("teacher").post(
        f"/api/support/records/{state['journal']}/shares",
        {"user": world.users["regional"].pk},
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "share_user_not_found"
    assert RecordShare.objects.count() == before


def test_a_reader_who_is_not_the_owner_cannot_pass_it_on(data):
    world, state = data
    before = RecordShare.objects.count()
    response = world.client("school_head").post(
        f"/api/support/records/{state['journal']}/shares",
        {"user": world.users["tutor"].pk},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "record_not_owner"
    assert RecordShare.objects.count() == before


def test_the_same_person_is_not_shared_twice(data):
    world, state = data
    response = world.client("teacher").post(
        f"/api/support/records/{state['journal']}/shares",
        {"user": world.users["school_head"].pk},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "share_exists"


def test_the_owner_sees_the_shares_others_do_not(data):
    world, state = data
    own = world.client("teacher").get(f"/api/support/records/{state['journal']}").json()
    assert [s["user"] for s in own["shares"] if s["revoked_at"] is None] == [world.users["school_head"].pk]
    assert world.client("school_head").get(f"/api/support/records/{state['journal']}").json()["shares"] is None


def test_a_consultation_page_shows_notes_only_to_those_who_read_them(data):
    world, state = data
    assert NOTES in world.client("tutor").get(f"/support/consultations/{state['held']}/").content.decode()
    assert NOTES in world.client("teacher").get(f"/support/consultations/{state['held']}/").content.decode()
    assert world.client("teacher").get(f"/api/support/consultations/{state['held']}").json()["notes"]["body"] == NOTES


@pytest.mark.parametrize("who", ["school_head", "municipal", "regional", "federal"])
def test_the_overview_shows_counts_and_dates_only(data, who):
    world, _state = data
    response = world.client(who).get("/support/overview/")
    text = response.content.decode()
    assert response.status_code == 200
    for secret in (SECRET, NOTES, TOPIC, "Дневник", "Наблюдение урока", "ЦНППМ, ауд. 204"):
        assert secret not in text
    assert "Иванова" in text  # that support happened, and to whom
    body = world.client(who).get("/api/support/overview").json()
    assert body["records"] == {"journal_entry": 2, "observation": 1, "consultation_note": 1, "mentoring_note": 1}
    assert body["consultations"] == {"requested": 2, "held": 1}
    row = next(r for r in body["items"] if r["name"].startswith("Иванова"))
    assert set(row) == {
        "educator",
        "name",
        "organization",
        "consultations",
        "last_consultation",
        "next_consultation",
        "records",
        "last_record",
    }
    assert row["records"] == {"journal_entry": 2, "observation": 1, "consultation_note": 1}
    assert row["consultations"] == {"requested": 2, "held": 1} and row["last_consultation"] is not None


def test_the_overview_of_another_region_is_empty(data):
    world, _state = data
    body = world.client("regional_other").get("/api/support/overview").json()
    assert body["educators"] == 0 and body["items"] == [] and body["records"] == {}


def test_the_overview_makes_a_fixed_number_of_queries(data):
    world, _state = data
    client = world.client("regional")
    client.get("/support/overview/")  # warm the session and the grants' caches of the process
    # session, user, grants, educators count, the page of educators, their consultations and
    # records, totals of consultations and records, the navigation's unread count
    assert queries_of(client, "/support/overview/") == 10
    services.record_create(
        actor=world.users["teacher"], educator=world.self_educator, kind="journal_entry", title="Ещё", body="Текст"
    )
    services.record_create(
        actor=world.users["mentor"], educator=world.same_org, kind="mentoring_note", title="Ещё", body="Текст"
    )
    assert queries_of(client, "/support/overview/") == 10


def test_the_author_must_support_the_educator(data):
    world, _state = data
    before = PrivateRecord.objects.count()
    with pytest.raises(Exception) as exc:
        services.record_create(
            actor=world.users["mentor"], educator=world.other_org, kind="mentoring_note", title="x", body="y"
        )
    assert getattr(exc.value, "code", "") == "record_not_writer"
    assert PrivateRecord.objects.count() == before


def test_the_record_form_writes_a_private_journal_entry(data):
    world, _state = data
    client = world.client("teacher")
    response = client.post(
        "/support/records/new/",
        {"educator": world.self_educator.pk, "kind": "journal_entry", "title": "Мой урок", "body": "Что получилось"},
    )
    assert response.status_code == 302
    record = PrivateRecord.objects.get(title="Мой урок")
    assert record.author == world.users["teacher"] and record.kind == "journal_entry"
    assert world.client("school_head").get(f"/support/records/{record.pk}/").status_code == 404


def test_get_scoped_raises_not_found_for_an_unshared_record(data):
    world, state = data
    with pytest.raises(NotFound):
        access.get_scoped(PrivateRecord.objects.all(), world.users["regional"], pk=state["journal"])


def test_share_candidates_are_the_supporters_and_the_school_head_never_the_educator(data):
    world, _state = data
    me = world.self_educator
    users = world.users
    assert set(services.share_candidates(me)) == {users["tutor"], users["mentor"], users["school_head"]}
    # Outside a school there is no school head to share with; the supporters stay.
    type(me).objects.filter(pk=me.pk).update(organization=None)
    me.refresh_from_db()
    assert set(services.share_candidates(me)) == {users["tutor"], users["mentor"]}
