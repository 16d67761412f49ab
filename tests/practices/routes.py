"""practices pages and endpoints in the role × scope matrix (the bank of practices; the
network part has its own file, network_routes.py)."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.matrix import LOGGED_IN, ROUTES, api, by_role, makers, only, page
from tests.practices.setup import CARD, bank_data, full_scores

MODERATORS = {"regional", "regional_other", "federal"}
REGION_1_MODERATORS = {"regional", "federal"}
SUBMITTERS = {"teacher", "school_head", "provider"}  # users acting for an organization

_page, _api = makers("practices", bank_data)


def _practice():
    from efs.practices.models import Practice

    return Practice.objects


def _provider_org(world) -> int:
    return world.users["provider"].role_assignments.first().organization_id


def _card_form(world, state, title="Новая практика: эвристическая беседа на уроках"):
    return {
        "title": title,
        "problem": CARD.problem,
        "target_group": CARD.target_group,
        "steps": "\n".join(CARD.steps),
        "resources": CARD.resources,
        "results": CARD.results,
        "conditions": CARD.conditions,
        "competencies": ["T.RO"],
        "subjects": ["mathematics"],
        "level": "school",
        "hours": 10,
        "authors": "",
        "organization": world.org_a.pk,
        "contest": "",
    }


def _card_json(world, state, organization=None):
    return {
        "organization": organization or world.org_a.pk,
        "title": "Практика через API: устные упражнения",
        "problem": CARD.problem,
        "target_group": CARD.target_group,
        "steps": CARD.steps,
        "resources": CARD.resources,
        "results": CARD.results,
        "conditions": CARD.conditions,
        "level": "school",
        "competencies": ["T.RO"],
        "subjects": [],
        "hours": 6,
        "authors": [],
    }


def _created(title: str, made_by: set[str]) -> dict:
    return {"observe": lambda world, state: _practice().filter(title=title).count(), "changes": made_by}


def _status_is(key: str, expected_by: dict[str, str], default: str):
    def check(who, world, response):
        state_pk = _STATE["last"][key]
        status = _practice().get(pk=state_pk).status
        assert status == expected_by.get(who, default), (who, status)

    return check


def _no_route_items(who, world, response):
    from efs.practices.models import PracticeRouteItem

    assert not PracticeRouteItem.objects.exists(), who


# The state dict of the user's run, kept for the checks (they receive no state).
_STATE: dict = {"last": {}}


def _remember(path_of):
    def path(world, state):
        _STATE["last"] = state
        return path_of(world, state)

    return path


def _reviews_of(key: str, count_by: dict[str, int]):
    def check(who, world, response):
        from efs.practices.models import PracticeReview

        n = PracticeReview.objects.filter(practice_id=_STATE["last"][key]).count()
        assert n == count_by.get(who, 0), (who, n)

    return check


def _review_status(key: str, submitted_by: set[str]):
    def check(who, world, response):
        from efs.practices.models import PracticeReview

        status = PracticeReview.objects.get(pk=_STATE["last"][key]).status
        assert status == ("submitted" if who in submitted_by else "assigned"), (who, status)

    return check


def _evidence_count(key: str, added_by: set[str]):
    def check(who, world, response):
        from efs.practices.models import PracticeEvidence

        n = PracticeEvidence.objects.filter(practice_id=_STATE["last"][key]).count()
        base = 1 if key == "draft" else 0  # the setup put one file on the first draft
        assert n == base + (1 if who in added_by else 0), (who, n)

    return check


def _replications(key: str, made_by: set[str]):
    def check(who, world, response):
        from efs.practices.models import Replication

        n = Replication.objects.filter(practice_id=_STATE["last"][key]).count()
        assert n == (1 if who in made_by else 0), (who, n)

    return check


def _contests(title: str, made_by: set[str]):
    def check(who, world, response):
        from efs.practices.models import Contest

        n = Contest.objects.filter(title=title).count()
        assert n == (1 if who in made_by else 0), (who, n)

    return check


def _title_is(key: str, title: str, changed_by: set[str]):
    def check(who, world, response):
        current = _practice().get(pk=_STATE["last"][key]).title
        assert (current == title) == (who in changed_by), (who, current)

    return check


def _no_other_regions_experts(who, world, response):
    if who == "regional_other":
        assert "Exp_One" not in response.content.decode()
    if who == "regional":
        assert "Exp_One" in response.content.decode()


def _pdf(world, state):
    return {"file": SimpleUploadedFile("results.pdf", b"%PDF-1.4 results"), "caption": "Протокол"}


def _review_form(world, state):
    return {f"score_{code}": 2 for code in full_scores()} | {"verdict": "include", "level": "school", "comment": ""}


def _contest_form(world, state, title="Конкурс практик на странице"):
    from efs.people.models import User

    jury = list(User.objects.filter(username__in=["exp_one", "exp_two"]).values_list("pk", flat=True))
    return {
        "title": title,
        "description": "Описание конкурса",
        "criteria": "",
        "deadline": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        "jury": jury,
    }


def _contest_json(world, state):
    data = _contest_form(world, state, title="Конкурс практик через API")
    return {
        "region": world.r1.pk,
        "title": data["title"],
        "description": data["description"],
        "deadline": data["deadline"],
        "jury": data["jury"],
    }


def _replication_form(world, state):
    return {
        "organization": _provider_org(world),
        "implemented_on": timezone.localdate().isoformat(),
        "adapted": "Сократили листы до пяти заданий",
        "results": "Средний балл вырос на 0,3",
    }


def _replication_json(world, state):
    return _replication_form(world, state)


ALL = set(LOGGED_IN)
DRAFT_READERS = {"teacher", *REGION_1_MODERATORS}


def _path(template: str, key: str | None = None):
    return _remember(lambda w, s: template.format(s[key]) if key else template)


ROUTES += [
    _page("index", _path("/practices/"), page(ALL)),
    _page("mine", _path("/practices/mine/"), only({"teacher"})),
    _page("ranking", _path("/practices/ranking/"), page(ALL)),
    _page("contests", _path("/practices/contests/"), page(ALL)),
    _page("contest", _path("/practices/contests/{}/", "contest"), page(ALL)),
    _page("moderation", _path("/practices/moderation/"), page(MODERATORS)),
    _page("leniency", _path("/practices/leniency/"), page(MODERATORS), check=_no_other_regions_experts),
    _page("reviews", _path("/practices/reviews/"), page({"expert"})),
    _page("review", _path("/practices/reviews/{}/", "review"), only({"expert"})),
    _page("practice", _path("/practices/{}/", "public"), page(ALL), label="a practice of the bank"),
    _page(
        "practice",
        _path("/practices/{}/", "draft"),
        only(DRAFT_READERS),
        label="a draft: its author and the region's moderators",
    ),
    _page(
        "evidence_file",
        _remember(lambda w, s: f"/practices/{s['draft']}/evidence/{s['evidence']}/"),
        only(DRAFT_READERS),
    ),
    _page("practice_new", _path("/practices/new/"), page(SUBMITTERS)),
    _page(
        "practice_new",
        _path("/practices/new/"),
        by_role({"teacher": 302, "school_head": 302, "provider": 400}, anonymous=302, default=403),
        method="POST",
        data=_card_form,
        **_created("Новая практика: эвристическая беседа на уроках", {"teacher", "school_head"}),
        label="a card of organization A: its teacher and head create it; the provider "
        "is offered only its own organization",
    ),
    _page(
        "practice_edit",
        _path("/practices/{}/edit/", "draft"),
        by_role({"teacher": 200, "regional": 403, "federal": 403}, anonymous=302),
    ),
    _page(
        "practice_edit",
        _path("/practices/{}/edit/", "draft"),
        by_role({"teacher": 302, "regional": 403, "federal": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: _card_form(w, s, title="Черновик практики: проектные задачи в 6–7 классах"),
        check=_title_is("draft", "Черновик практики: проектные задачи в 6–7 классах", {"teacher"}),
    ),
    _page(
        "evidence_add",
        _path("/practices/{}/evidence/", "draft"),
        by_role({"teacher": 302, "regional": 403, "federal": 403}, anonymous=302),
        method="POST",
        data=_pdf,
        check=_evidence_count("draft", {"teacher"}),
    ),
    _page(
        "practice_submit",
        _path("/practices/{}/submit/", "draft"),
        by_role({"teacher": 302, "regional": 403, "federal": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {},
        check=_status_is("draft", {"teacher": "submitted"}, "draft"),
    ),
    _page(
        "assign",
        _path("/practices/{}/assign/", "waiting"),
        by_role({"regional": 302, "federal": 302, "teacher": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {},
        check=_reviews_of("waiting", {"regional": 2, "federal": 2}),
    ),
    _page(
        "decide",
        _path("/practices/{}/decide/", "in_review"),
        by_role({"regional": 409, "federal": 409, "teacher": 403, "expert": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"decision": "include", "level": "school", "comment": ""},
        check=_status_is("in_review", {}, "in_review"),
        label="reviews are missing: refused (409) with a message, nothing decided",
    ),
    _page(
        "review",
        _path("/practices/reviews/{}/", "review"),
        by_role({"expert": 302}, anonymous=302),
        method="POST",
        data=_review_form,
        check=_review_status("review", {"expert"}),
    ),
    _page("contest_new", _path("/practices/contests/new/"), page(MODERATORS)),
    _page(
        "contest_new",
        _path("/practices/contests/new/"),
        by_role(dict.fromkeys(MODERATORS, 302), anonymous=302, default=403),
        method="POST",
        data=_contest_form,
        check=_contests("Конкурс практик на странице", MODERATORS),
    ),
    _page(
        "replicate", _path("/practices/{}/replicate/", "public"), by_role({"provider": 200}, anonymous=302, default=403)
    ),
    _page(
        "replicate",
        _path("/practices/{}/replicate/", "public"),
        by_role({"provider": 302}, anonymous=302, default=403),
        method="POST",
        data=_replication_form,
        check=_replications("public", {"provider"}),
    ),
    _page(
        "practice_to_route",
        _path("/practices/{}/route/", "public"),
        # Nobody has a route open to it here: the tutor's one running route was stopped by the
        # routes rows (routes:abandon), the teacher's own is no draft.
        by_role({}, anonymous=302, default=404),
        method="POST",
        data=lambda w, s: {"route": 10**9},
        label="a route the user may not add to: not found (no open route), nothing added",
        check=_no_route_items,
    ),
    # the API
    _api("practices_list", "GET", _path("/api/practices/"), api(ALL)),
    _api(
        "practice_create",
        "POST",
        _path("/api/practices/"),
        by_role({"teacher": 201, "school_head": 201}, default=403),
        json=True,
        data=_card_json,
        **_created("Практика через API: устные упражнения", {"teacher", "school_head"}),
    ),
    _api("practices_for_me", "GET", _path("/api/practices/for-me"), by_role({"teacher": 200})),
    _api("practices_ranking", "GET", _remember(lambda w, s: f"/api/practices/ranking?region={w.r1.pk}"), api(ALL)),
    _api("practices_leniency", "GET", _path("/api/practices/leniency"), api(MODERATORS)),
    _api("practices_contests", "GET", _path("/api/practices/contests"), api(ALL)),
    _api(
        "practices_contest_create",
        "POST",
        _path("/api/practices/contests"),
        by_role({"regional": 201, "federal": 201}, default=403),
        json=True,
        data=_contest_json,
        check=_contests("Конкурс практик через API", {"regional", "federal"}),
    ),
    _api("practices_my_reviews", "GET", _path("/api/practices/reviews"), api({"expert"})),
    _api(
        "practices_review_submit",
        "POST",
        _path("/api/practices/reviews/{}", "review2"),
        by_role({"expert": 200}),
        json=True,
        data=lambda w, s: {"scores": full_scores(), "verdict": "include", "level": "school"},
        check=_review_status("review2", {"expert"}),
    ),
    _api("practice_get", "GET", _path("/api/practices/{}", "public"), api(ALL)),
    _api(
        "practice_get",
        "GET",
        _path("/api/practices/{}", "draft2"),
        by_role(dict.fromkeys(DRAFT_READERS, 200)),
        label="a draft",
    ),
    _api(
        "practice_update",
        "PUT",
        _path("/api/practices/{}", "draft2"),
        by_role({"teacher": 200, "regional": 403, "federal": 403}),
        json=True,
        data=lambda w, s: _card_json(w, s) | {"title": "Второй черновик через API"},
        check=_title_is("draft2", "Второй черновик через API", {"teacher"}),
    ),
    _api(
        "practices_evidence_add",
        "POST",
        _path("/api/practices/{}/evidence", "draft2"),
        by_role({"teacher": 201, "regional": 403, "federal": 403}),
        data=_pdf,
        check=_evidence_count("draft2", {"teacher"}),
    ),
    _api(
        "practice_submit",
        "POST",
        _path("/api/practices/{}/submit", "draft2"),
        by_role({"teacher": 200, "regional": 403, "federal": 403}),
        check=_status_is("draft2", {"teacher": "submitted"}, "draft"),
    ),
    _api(
        "practices_reviews_assign",
        "POST",
        _path("/api/practices/{}/reviews", "waiting2"),
        by_role({"regional": 201, "federal": 201, "teacher": 403}),
        json=True,
        data=lambda w, s: {},
        check=_reviews_of("waiting2", {"regional": 2, "federal": 2}),
    ),
    _api(
        "practice_decide",
        "POST",
        _path("/api/practices/{}/decision", "in_review"),
        by_role({"regional": 409, "federal": 409, "teacher": 403, "expert": 403}),
        json=True,
        data=lambda w, s: {"decision": "include", "level": "school"},
        check=_status_is("in_review", {}, "in_review"),
        label="reviews are missing",
    ),
    _api("practices_replications", "GET", _path("/api/practices/{}/replications", "public"), api(ALL)),
    _api(
        "practices_replication_report",
        "POST",
        _path("/api/practices/{}/replications", "public2"),
        by_role({"provider": 201}, default=403),
        json=True,
        data=_replication_json,
        check=_replications("public2", {"provider"}),
    ),
]
