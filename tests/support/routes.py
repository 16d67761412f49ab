"""Support pages and endpoints in the role × scope matrix, with content rows for the
privacy wall: each kind of private record is read by exactly the people it should be."""

from __future__ import annotations

from tests.matrix import ROUTES, api, by_role, makers, only, page, people_exactly, people_shown
from tests.support.setup import NOTES, SECRET, TOPIC, support_data

READERS = {"teacher", "tutor", "mentor", "school_head", "municipal", "regional", "regional_other", "federal"}
OVERSEERS = {"school_head", "municipal", "regional", "regional_other", "federal"}
PARTIES = {"teacher", "tutor"}
# Who reads each kind of private record of the World fixture (tests/support/setup.py).
RECORD_READERS = {
    "journal": {"teacher", "school_head"},  # shared with the head; the tutor's share was revoked
    "consultation_note": {"teacher", "tutor"},  # the educator and the author
    "observation": {"teacher", "tutor"},  # the educator and the author
    "mentoring": {"mentor"},  # the author (the educator has no login)
}


# The World's educators on each list of people (tests/support/setup.py): the teacher
# (Иванова) has the support data, org A's other educator (Петрова) the mentor's note.
WITH_SUPPORT = frozenset({"self_educator", "same_org"})
# Private records are listed to who reads them (RECORD_READERS), not by scope: the teacher, the
# tutor and the head the teacher's, the mentor the note about Петрова; operators none.
RECORDS_LISTED = {
    "teacher": {"self_educator"},
    "tutor": {"self_educator"},
    "school_head": {"self_educator"},
    "mentor": {"same_org"},
}
# The support home of the teacher, the tutor and the mentor: whom each of them supports.
HOME_LISTED = {"teacher": {"self_educator"}, "tutor": {"self_educator"}, "mentor": {"same_org"}}


def _overview(who, world, response):
    if response.status_code == 200:
        _no_contents(who, world, response)
    people_shown(WITH_SUPPORT)(who, world, response)


def _no_contents(who, world, response):
    text = response.content.decode()
    for secret in (SECRET, NOTES, TOPIC, "Дневник", "Наблюдение урока"):
        assert secret not in text, f"{secret!r} leaked to {who}"


def _records_api(who, world, response):
    titles = {row["title"] for row in response.json()}
    if who in OVERSEERS - {"school_head"}:
        assert titles == set(), titles
    if who == "school_head":
        assert titles == {"Дневник: урок в 7 «Б»", "Дневник: родительское собрание"}, titles
    if who == "mentor":
        assert titles == {"Встреча наставника"}, titles


def _consultations_api(who, world, response):
    if who not in PARTIES and response.status_code == 200:
        assert response.json() == []


_page, _api = makers("support", support_data)


def _record_path(key: str, prefix: str):
    return lambda w, s: f"{prefix}{s[key]}" + ("/" if prefix.startswith("/support") else "")


def _past(world, state):
    return {
        "starts_at": "2020-01-10T10:00",
        "duration_minutes": 45,
        "place": "ЦНППМ",
        "online_link": "https://meet.example.ru/a",
    }


ROUTES += [
    _page(
        "index",
        lambda w, s: "/support/",
        by_role(
            {"teacher": 200, "tutor": 200, "mentor": 200} | dict.fromkeys(OVERSEERS, 302), anonymous=302, default=403
        ),
        check=people_exactly(HOME_LISTED),
    ),
    _page(
        "overview",
        lambda w, s: "/support/overview/",
        page(OVERSEERS),
        check=_overview,
    ),
    _page("calendar_ics", lambda w, s: "/support/calendar.ics", page(PARTIES)),
    _page("consultation_new", lambda w, s: "/support/consultations/new/", only({"teacher"})),
    _page(
        "consultation_new",
        lambda w, s: "/support/consultations/new/",
        only({"teacher"}, 302),
        method="POST",
        data=lambda w, s: {
            "topic": "Оценивание проектов",
            "subject": f"c{s['competency']}",
            "format": "online",
            "preferred_times": "",
        },
    ),
    _page("consultation", lambda w, s: f"/support/consultations/{s['held']}/", only(PARTIES)),
    _page("consultation_ics", lambda w, s: f"/support/consultations/{s['held']}/event.ics", only(PARTIES)),
    _page(
        "consultation_schedule",
        lambda w, s: f"/support/consultations/{s['requested']}/schedule/",
        by_role({"tutor": 422, "teacher": 403}, anonymous=302),
        method="POST",
        data=_past,
        label="a date in the past: refused with its status and message, nothing saved",
    ),
    _page(
        "consultation_record",
        lambda w, s: f"/support/consultations/{s['held']}/record/",
        by_role({"tutor": 302, "teacher": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"notes": "Дополнение", "outcome": "", "next_steps": ""},
    ),
    _page(
        "consultation_cancel",
        lambda w, s: f"/support/consultations/{s['to_cancel']}/cancel/",
        only(PARTIES, 302),
        method="POST",
        data=lambda w, s: {"reason": ""},
    ),
    _page(
        "consultation_evidence",
        lambda w, s: f"/support/consultations/{s['held']}/evidence/",
        by_role({"teacher": 409, "tutor": 403}, anonymous=302),  # as the API: no route activity to send it to
        method="POST",
        data=lambda w, s: {},
    ),
    _page("records", lambda w, s: "/support/records/", page(READERS), check=people_exactly(RECORDS_LISTED)),
    _page("record_new", lambda w, s: "/support/records/new/", page({"teacher", "tutor", "mentor"})),
    _page(
        "record_new",
        lambda w, s: "/support/records/new/",
        by_role(
            {"teacher": 302, "tutor": 400, "mentor": 400}, anonymous=302, default=403
        ),  # a journal is the educator's own: the form refuses others
        method="POST",
        data=lambda w, s: {"educator": w.self_educator.pk, "kind": "journal_entry", "title": "Запись", "body": "Текст"},
        label="a journal entry",
    ),
    *[
        _page("record", _record_path(key, "/support/records/"), only(readers), label=f"private record: {key}")
        for key, readers in RECORD_READERS.items()
    ],
    _page(
        "record_share",
        lambda w, s: f"/support/records/{s['journal']}/share/",
        by_role({"teacher": 302, "school_head": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"user": w.users["tutor"].pk},
    ),
    _page(
        "record_revoke",
        lambda w, s: f"/support/records/{s['journal2']}/shares/{s['share_head']}/revoke/",
        by_role({"teacher": 302, "tutor": 403, "school_head": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {},
    ),
    _api("consultations", "GET", lambda w, s: "/api/support/consultations", api(READERS), check=_consultations_api),
    _api(
        "consultation_request",
        "POST",
        lambda w, s: "/api/support/consultations",
        by_role({"teacher": 201}),
        data=lambda w, s: {"topic": "Ещё вопрос", "format": "online", "competency": s["competency"]},
        json=True,
    ),
    _api(
        "consultation_get", "GET", lambda w, s: f"/api/support/consultations/{s['held']}", only(PARTIES, anonymous=401)
    ),
    _api(
        "consultation_schedule",
        "POST",
        lambda w, s: f"/api/support/consultations/{s['requested']}/schedule",
        by_role({"tutor": 422, "teacher": 403}),
        data=lambda w, s: {
            "starts_at": "2020-01-10T10:00:00+07:00",
            "duration_minutes": 45,
            "online_link": "https://meet.example.ru/a",
        },
        json=True,
    ),
    _api(
        "consultation_record",
        "POST",
        lambda w, s: f"/api/support/consultations/{s['held']}/record",
        by_role({"tutor": 200, "teacher": 403}),
        data=lambda w, s: {"notes": "Дополнение"},
        json=True,
    ),
    _api(
        "consultation_cancel",
        "POST",
        lambda w, s: f"/api/support/consultations/{s['requested']}/cancel",
        by_role({"teacher": 200, "tutor": 200}),
        data=lambda w, s: {"reason": "Заболела"},
        json=True,
    ),
    _api(
        "consultation_evidence",
        "POST",
        lambda w, s: f"/api/support/consultations/{s['held']}/evidence",
        by_role({"teacher": 409, "tutor": 403}),
    ),
    _api(
        "support_records",
        "GET",
        lambda w, s: "/api/support/records",
        api(READERS),
        check=lambda who, w, r: _records_api(who, w, r) if r.status_code == 200 else None,
    ),
    _api(
        "record_create",
        "POST",
        lambda w, s: "/api/support/records",
        by_role({"teacher": 201, "tutor": 403, "mentor": 403}),
        data=lambda w, s: {"educator": w.self_educator.pk, "kind": "journal_entry", "title": "Запись", "body": "Текст"},
        json=True,
    ),
    *[
        _api(
            "record_get",
            "GET",
            _record_path(key, "/api/support/records/"),
            only(readers, anonymous=401),
            label=f"private record: {key}",
        )
        for key, readers in RECORD_READERS.items()
    ],
    _api(
        "record_share",
        "POST",
        lambda w, s: f"/api/support/records/{s['journal']}/shares",
        by_role({"teacher": 201, "school_head": 403}),
        data=lambda w, s: {"user": w.users["mentor"].pk},
        json=True,
    ),
    _api(
        "record_unshare",
        "DELETE",
        lambda w, s: f"/api/support/records/{s['journal2']}/shares/{s['share_tutor']}",
        by_role({"teacher": 204, "tutor": 403, "school_head": 403}),
    ),
    _api(
        "support_overview",
        "GET",
        lambda w, s: "/api/support/overview",
        api(OVERSEERS),
        check=lambda who, w, r: _no_contents(who, w, r) if r.status_code == 200 else None,
    ),
]

# ---------------------------------------------------------------- mentorship

from tests.support.setup import MEETING_NOTES, PLAN_TITLE, mentoring_data  # noqa: E402

MENTORING = {"teacher", "mentor"}


def _own_mentorships(who, world, response):
    """Both read their pair; the mentor not the group of the other mentor (the teacher's page row
    may have finished it by its feedback)."""
    if response.status_code != 200:
        return
    from efs.support.models import Mentorship

    ids = {row["id"] for row in response.json()}
    teachers = Mentorship.objects.filter(mentee=world.self_educator)
    pair = teachers.get(group_name="").pk
    group = teachers.get(group_name="Молодые математики").pk
    assert pair in ids and (who == "teacher" or group not in ids), (who, ids)


def _head_sees_no_plan(who, world, response):
    text = response.content.decode()
    assert PLAN_TITLE not in text and MEETING_NOTES not in text and "Разбор урока" not in text


# The mentoring page: the teacher and the mentor see their own pair (the teacher); the head sees
# the people of org A (its pairs, and the school's staff to make a pair of); nobody of another school.
PAIRS_LISTED = {
    "teacher": {"self_educator"},
    "mentor": {"self_educator"},
    "school_head": {"self_educator", "same_org"},
}


def _mentoring_list(who, world, response):
    if who == "school_head":
        _head_sees_no_plan(who, world, response)
    people_exactly(PAIRS_LISTED)(who, world, response)


_mpage, _mapi = makers("support", mentoring_data)

ROUTES += [
    _mpage(
        "mentoring",
        lambda w, s: "/support/mentoring/",
        page({"teacher", "mentor", "school_head"}),
        check=_mentoring_list,
    ),
    _mpage("mentorship", lambda w, s: f"/support/mentoring/{s['mentorship']}/", only(MENTORING)),
    _mpage(
        "mentorship_plan",
        lambda w, s: f"/support/mentoring/{s['mentorship']}/plan/",
        only(MENTORING, 302),
        method="POST",
        data=lambda w, s: {"kind": "task", "title": "Посетить урок коллеги", "due_on": "2099-01-15", "competency": ""},
    ),
    _mpage(
        "mentorship_plan_done",
        lambda w, s: f"/support/mentoring/{s['mentorship']}/plan/{s['plan_item']}/done/",
        only(MENTORING, 302),
        method="POST",
        data=lambda w, s: {},
    ),
    _mpage(
        "mentorship_meeting",
        lambda w, s: f"/support/mentoring/{s['mentorship']}/meetings/",
        by_role({"mentor": 302, "teacher": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"held_on": "2020-01-15", "minutes": 30, "topic": "Встреча", "notes": ""},
    ),
    _mpage(
        "mentorship_feedback",
        lambda w, s: f"/support/mentoring/{s['group']}/feedback/",
        only({"teacher"}, 302),
        method="POST",
        data=lambda w, s: {"text": "Было полезно", "rating": 5},
    ),
    _mpage(
        "mentoring_propose",
        lambda w, s: "/support/mentoring/propose/",
        by_role({"school_head": 302}, anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {},
    ),
    _mpage(
        "mentorship_decide",
        lambda w, s: f"/support/mentoring/{s['proposal']}/decide/",
        only({"school_head"}, 302),
        method="POST",
        data=lambda w, s: {"accept": "yes"},
    ),
    _mpage(
        "mentorship_create",
        lambda w, s: "/support/mentoring/new/",
        by_role({"school_head": 302}, anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"mentor": s["orlova"], "mentees": [s["young"]], "form": "teacher_teacher", "group_name": ""},
    ),
    _mapi("mentorships", "GET", lambda w, s: "/api/support/mentorships", api(MENTORING), check=_own_mentorships),
    _mapi(
        "mentorships_school",
        "GET",
        lambda w, s: "/api/support/mentorships/school",
        api({"school_head"}),
        check=lambda who, w, r: _head_sees_no_plan(who, w, r) if r.status_code == 200 else None,
    ),
    _mapi(
        "mentorships_propose",
        "POST",
        lambda w, s: "/api/support/mentorships/propose",
        by_role({"school_head": 201}, default=403),
    ),
    _mapi(
        "mentorship_decision",
        "POST",
        lambda w, s: f"/api/support/mentorships/{s['proposal']}/decision",
        by_role({"school_head": 409}),  # the page row has confirmed it
        data=lambda w, s: {"accept": False},
        json=True,
    ),
    _mapi(
        "mentorship_get",
        "GET",
        lambda w, s: f"/api/support/mentorships/{s['mentorship']}",
        only(MENTORING, anonymous=401),
    ),
    _mapi(
        "mentorship_plan_add",
        "POST",
        lambda w, s: f"/api/support/mentorships/{s['mentorship']}/plan",
        by_role({"teacher": 201, "mentor": 201}),
        data=lambda w, s: {"kind": "meeting", "title": "Взаимопосещение", "due_on": "2099-02-01"},
        json=True,
    ),
    _mapi(
        "mentorship_meeting_log",
        "POST",
        lambda w, s: f"/api/support/mentorships/{s['mentorship']}/meetings",
        by_role({"mentor": 201, "teacher": 403}),
        data=lambda w, s: {"held_on": "2020-01-20", "minutes": 30, "topic": "Встреча"},
        json=True,
    ),
    _mapi(
        "mentorship_feedback_give",
        "POST",
        lambda w, s: f"/api/support/mentorships/{s['group']}/feedback",
        by_role({"teacher": 409}),  # the page row has finished it
        data=lambda w, s: {"text": "Спасибо", "rating": 4},
        json=True,
    ),
]

# ---------------------------------------------------------------- reflective cycles

from tests.support.setup import LEVELS, REFLECTION, cycles_data  # noqa: E402

SUPPORTED = {"teacher", "tutor", "mentor"}


def _no_reflection(who, world, response):
    if who != "teacher":
        assert REFLECTION not in response.content.decode(), f"the reflection leaked to {who}"


_cpage, _capi = makers("support", cycles_data)

ROUTES += [
    _cpage(
        "cycles",
        lambda w, s: "/support/cycles/",
        page(SUPPORTED),
        check=people_exactly(dict.fromkeys(SUPPORTED, {"self_educator"})),  # only the teacher has cycles
    ),
    _cpage("cycle_new", lambda w, s: "/support/cycles/new/", only({"teacher"})),
    _cpage(
        "cycle_new",
        lambda w, s: "/support/cycles/new/",
        only({"teacher"}, 409),  # a cycle on this deficit is open: the message, nothing saved
        method="POST",
        data=lambda w, s: {"subject": f"c{s['competency_com']}"},
    ),
    _cpage("cycle", lambda w, s: f"/support/cycles/{s['cycle_close']}/", only(SUPPORTED), check=_no_reflection),
    _cpage(
        "cycle_step",
        lambda w, s: f"/support/cycles/{s['cycle_plan']}/step/",
        by_role({"teacher": 302, "tutor": 403, "mentor": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"text": "Что я изменю и как пойму, что получилось"},
    ),
    _cpage(
        "cycle_close",
        lambda w, s: f"/support/cycles/{s['cycle_close']}/close/",
        by_role({"teacher": 302, "tutor": 403, "mentor": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {},
    ),
    _capi(
        "cycles",
        "GET",
        lambda w, s: "/api/support/cycles",
        api(SUPPORTED),
        check=lambda who, w, r: _no_reflection(who, w, r) if r.status_code == 200 else None,
    ),
    _capi(
        "cycle_open",
        "POST",
        lambda w, s: "/api/support/cycles",
        by_role({"teacher": 409}),
        data=lambda w, s: {"competency": s["competency_com"]},
        json=True,
    ),
    _capi(
        "cycle_get",
        "GET",
        lambda w, s: f"/api/support/cycles/{s['cycle_close']}",
        only(SUPPORTED, anonymous=401),
        check=_no_reflection,
    ),
    _capi(
        "cycle_plan",
        "POST",
        lambda w, s: f"/api/support/cycles/{s['cycle_plan']}/plan",
        by_role({"teacher": 409, "tutor": 403, "mentor": 403}),  # the teacher's page row has planned it
        data=lambda w, s: {"text": "План"},
        json=True,
    ),
    _capi(
        "cycle_act",
        "POST",
        lambda w, s: f"/api/support/cycles/{s['cycle_plan']}/act",
        by_role({"teacher": 200, "tutor": 409, "mentor": 409}),
        data=lambda w, s: {"text": "Провела урок"},
        json=True,
    ),
    _capi(
        "cycle_observe",
        "POST",
        lambda w, s: f"/api/support/cycles/{s['cycle_observe']}/observe",
        by_role({"tutor": 200, "mentor": 200, "teacher": 403}),
        data=lambda w, s: {"levels": LEVELS, "notes": "09:10 — работа в парах"},
        json=True,
    ),
    _capi(
        "cycle_reflect",
        "POST",
        lambda w, s: f"/api/support/cycles/{s['cycle_reflect']}/reflect",
        by_role({"teacher": 200, "tutor": 403, "mentor": 403}),
        data=lambda w, s: {"went": "а", "showed": "б", "next": "в"},
        json=True,
    ),
    _capi(
        "cycle_close",
        "POST",
        lambda w, s: f"/api/support/cycles/{s['cycle_close']}/close",
        by_role({"teacher": 409, "tutor": 403, "mentor": 403}),
    ),
]

# ---------------------------------------------------------------- caseloads and «does support work?»

from efs.people.models import SupportAssignment  # noqa: E402
from efs.support.models import TutorCapacity  # noqa: E402
from tests.matrix import MACRO, SURNAMES  # noqa: E402
from tests.support.setup import caseload_data  # noqa: E402

HEADS = {"regional", "regional_other"}  # each heads the caseloads of their own region
R1_HEADS = {"regional", MACRO}  # who changes R1's caseloads (the macroregion holds R1)


def _capacity_saved(who, world, response):
    saved = TutorCapacity.objects.filter(tutor=world.users["tutor"], region=world.r1, capacity=7).exists()
    assert saved == (who in R1_HEADS), (who, saved)


def _caseload_tutors(who, world, response):
    """A head reads the tutors of one region it heads: R1 has two, R2 none."""
    if response.status_code != 200:
        return
    body = response.json()
    heads = {"regional": {world.r1.pk}, "regional_other": {world.r2.pk}, MACRO: {world.r1.pk, world.r2.pk}}
    assert body["region"] in heads[who], body["region"]
    tutors = {row["name"] for row in body["tutors"]}
    assert tutors == ({"Tutor", "Tutor2"} if body["region"] == world.r1.pk else set()), tutors


def _unassigned_shown(who, world, response):
    """The caseloads page's «without a tutor» list: exactly the World's educators of the region
    the head reads that have no tutor, nobody of another region."""
    if response.status_code != 200:
        return
    region = {"regional": world.r1, "regional_other": world.r2}[who]
    tutored = set(SupportAssignment.objects.filter(kind="tutor", active=True).values_list("educator_id", flat=True))
    expected = {
        key
        for key in SURNAMES
        if getattr(world, key).region_id == region.pk and getattr(world, key).pk not in tutored
    }
    text = response.content.decode()
    table = text.split('id="unassigned"', 1)[1].split("</table>", 1)[0] if 'id="unassigned"' in text else ""
    assert {key for key, surname in SURNAMES.items() if surname in table} == expected, (who, table[:300])


def _moved(who, world, response):
    moved = SupportAssignment.objects.filter(
        supporter=world.users["tutor"], educator=world.other_muni, kind="tutor", active=True
    ).exists()
    assert moved == (who in R1_HEADS), (who, moved)


def _moved_to_tutor2(who, world, response):
    rows = list(
        SupportAssignment.objects.filter(educator=world.other_muni, kind="tutor", active=True).values_list(
            "supporter__username", flat=True
        )
    )
    assert (rows == ["tutor2"]) == (who in R1_HEADS), (who, rows)


_kpage, _kapi = makers("support", caseload_data)

ROUTES += [
    _kpage("caseloads", lambda w, s: "/support/caseloads/", page(HEADS), check=_unassigned_shown),
    _kpage(
        "caseload_capacity",
        lambda w, s: "/support/caseloads/capacity/",
        by_role({"regional": 302}, anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "tutor": w.users["tutor"].pk, "capacity": 7},
        check=_capacity_saved,
    ),
    _kpage(
        "caseload_moves",
        lambda w, s: "/support/caseloads/moves/",
        by_role({"regional": 302}, anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "moves": [f"{w.other_muni.pk}:{w.users['tutor'].pk}"], "note": "Матрица"},
        check=_moved,
    ),
    _kpage("effects", lambda w, s: "/support/effects/", page(HEADS), check=people_exactly({})),  # aggregates only
    _kapi(
        "caseloads",
        "GET",
        lambda w, s: "/api/support/caseloads",
        api(HEADS | {MACRO}),
        check=_caseload_tutors,
        macro=None,
    ),
    _kapi(
        "caseload_capacity",
        "POST",
        lambda w, s: "/api/support/caseloads/capacity",
        by_role({"regional": 200}, default=403),
        data=lambda w, s: {"region": w.r1.pk, "tutor": s["tutor2"], "capacity": 3},
        json=True,
    ),
    _kapi(
        "caseload_moves",
        "POST",
        lambda w, s: "/api/support/caseloads/moves",
        by_role({"regional": 201}, default=403),
        data=lambda w, s: {"region": w.r1.pk, "moves": [{"educator": w.other_muni.pk, "tutor": s["tutor2"]}]},
        json=True,
        check=_moved_to_tutor2,
    ),
    _kapi("support_effects", "GET", lambda w, s: "/api/support/effects", api(HEADS)),
]

# ---------------------------------------------------------------- what each POST row changes, and for whom

from tests.matrix import rows_of, state_key  # noqa: E402

_CONSULTATION = {
    key: rows_of("support.Consultation", "status", "starts_at", "evidence_id", pk=state_key(key))
    for key in ("requested", "held", "to_cancel")
}
_HELD_NOTE = rows_of("support.PrivateRecord", "body", "outcome", "next_steps", consultation_id=state_key("held"))
_JOURNAL_ENTRIES = rows_of("support.PrivateRecord", "pk", kind="journal_entry", title="Запись")
_MENTORSHIPS = rows_of("support.Mentorship", "pk", "status", "mentor_id")
_CYCLE = {
    key: rows_of("support.ReflectionCycle", "stage", pk=state_key(key))
    for key in ("cycle_plan", "cycle_observe", "cycle_reflect", "cycle_close")
}


def _share(key: str, username: str):
    return rows_of("support.RecordShare", "revoked_at", record_id=state_key(key), user__username=username)


def _plan(title: str):
    return rows_of("support.PlanItem", "pk", "done_at", mentorship_id=state_key("mentorship"), title=title)


OUTCOMES = {
    ("support:consultation_new", "POST"): (
        rows_of("support.Consultation", "pk", topic="Оценивание проектов"),
        {"teacher"},
    ),
    ("support:consultation_schedule", "POST"): (_CONSULTATION["requested"], set()),  # a date in the past
    ("support:consultation_record", "POST"): (_HELD_NOTE, {"tutor"}),
    ("support:consultation_cancel", "POST"): (_CONSULTATION["to_cancel"], PARTIES),
    ("support:consultation_evidence", "POST"): (_CONSULTATION["held"], set()),  # the form sends no file
    ("support:record_new", "POST"): (_JOURNAL_ENTRIES, {"teacher"}),
    ("support:record_share", "POST"): (_share("journal", "tutor"), {"teacher"}),
    ("support:record_revoke", "POST"): (
        rows_of("support.RecordShare", "revoked_at", pk=state_key("share_head")),
        {"teacher"},
    ),
    ("api-1.0.0:consultation_request", "POST"): (
        rows_of("support.Consultation", "pk", topic="Ещё вопрос"),
        {"teacher"},
    ),
    ("api-1.0.0:consultation_schedule", "POST"): (_CONSULTATION["requested"], set()),  # a date in the past
    ("api-1.0.0:consultation_record", "POST"): (_HELD_NOTE, set()),  # the page row wrote the same notes
    ("api-1.0.0:consultation_cancel", "POST"): (_CONSULTATION["requested"], PARTIES),
    ("api-1.0.0:consultation_evidence", "POST"): (_CONSULTATION["held"], set()),  # the page row has attached it
    ("api-1.0.0:record_create", "POST"): (_JOURNAL_ENTRIES, {"teacher"}),
    ("api-1.0.0:record_share", "POST"): (_share("journal", "mentor"), {"teacher"}),
    ("api-1.0.0:record_unshare", "DELETE"): (
        rows_of("support.RecordShare", "revoked_at", pk=state_key("share_tutor")),
        {"teacher"},
    ),
    ("support:mentorship_plan", "POST"): (_plan("Посетить урок коллеги"), MENTORING),
    ("support:mentorship_plan_done", "POST"): (
        rows_of("support.PlanItem", "done_at", pk=state_key("plan_item")),
        MENTORING,
    ),
    ("support:mentorship_meeting", "POST"): (
        rows_of("support.MentoringMeeting", "pk", mentorship_id=state_key("mentorship")),
        {"mentor"},
    ),
    ("support:mentorship_feedback", "POST"): (
        rows_of("support.Mentorship", "feedback_rating", "status", pk=state_key("group")),
        {"teacher"},
    ),
    ("support:mentoring_propose", "POST"): (_MENTORSHIPS, set()),  # the school's pairs are already proposed
    ("support:mentorship_decide", "POST"): (
        rows_of("support.Mentorship", "status", pk=state_key("proposal")),
        {"school_head"},
    ),
    ("support:mentorship_create", "POST"): (_MENTORSHIPS, {"school_head"}),
    ("api-1.0.0:mentorships_propose", "POST"): (_MENTORSHIPS, set()),  # as the page row above
    ("api-1.0.0:mentorship_decision", "POST"): (
        rows_of("support.Mentorship", "status", pk=state_key("proposal")),
        set(),  # the page row has decided it
    ),
    ("api-1.0.0:mentorship_plan_add", "POST"): (_plan("Взаимопосещение"), MENTORING),
    ("api-1.0.0:mentorship_meeting_log", "POST"): (
        rows_of("support.MentoringMeeting", "pk", mentorship_id=state_key("mentorship")),
        {"mentor"},
    ),
    ("api-1.0.0:mentorship_feedback_give", "POST"): (
        rows_of("support.Mentorship", "feedback_rating", pk=state_key("group")),
        set(),  # the page row gave it
    ),
    ("support:cycle_new", "POST"): (rows_of("support.ReflectionCycle", "pk"), set()),  # one is open on it
    ("support:cycle_step", "POST"): (_CYCLE["cycle_plan"], {"teacher"}),
    ("support:cycle_close", "POST"): (_CYCLE["cycle_close"], {"teacher"}),
    ("api-1.0.0:cycle_open", "POST"): (rows_of("support.ReflectionCycle", "pk"), set()),
    ("api-1.0.0:cycle_plan", "POST"): (_CYCLE["cycle_plan"], set()),  # the page row has planned it
    ("api-1.0.0:cycle_act", "POST"): (_CYCLE["cycle_plan"], {"teacher"}),
    ("api-1.0.0:cycle_observe", "POST"): (_CYCLE["cycle_observe"], {"tutor", "mentor"}),
    ("api-1.0.0:cycle_reflect", "POST"): (_CYCLE["cycle_reflect"], set()),  # the stage stays until closing
    ("api-1.0.0:cycle_close", "POST"): (_CYCLE["cycle_close"], set()),  # the page row has closed it
    ("api-1.0.0:caseload_capacity", "POST"): (
        rows_of("support.TutorCapacity", "capacity", tutor_id=state_key("tutor2")),
        {"regional"},
    ),
}
for _route in ROUTES:
    if _route.path.__module__ == __name__ and (_route.name, _route.method) in OUTCOMES:
        _route.observe, _route.changes = OUTCOMES[_route.name, _route.method]
