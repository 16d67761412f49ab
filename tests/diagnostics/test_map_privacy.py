"""The deficit map below region level resists differencing (issue 13, «Privacy by inference»).

The attack: a school head saves the map, waits for one colleague to finish the diagnostics
and fetches it again; the cells that went up by one are that colleague's decisions."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from efs.diagnostics.itemformat import full_answer
from efs.diagnostics.models import Attempt, AttemptStatus
from efs.diagnostics.queries import MIN_GROUP
from efs.diagnostics.services import attempt_answer, attempt_start
from efs.people.models import ConsentKind, Role, Scope, User
from efs.people.services import consent_give, role_grant
from tests.conftest import make_educator
from tests.diagnostics.conftest import finished_attempt
from tests.diagnostics.test_attempts import WRONG

DAY = dt.timedelta(days=1)


def _colleagues(world, n: int, start: int = 0) -> list:
    people = []
    for i in range(start, start + n):
        user = User.objects.create_user(username=f"colleague{i}", password="x")
        role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
        people.append((user, make_educator(world.org_a, f"Коллега{i}", user=user)))
    return people


def _finish(world, people, *, days_ago: int) -> None:
    for k, (user, educator) in enumerate(people):
        attempt = finished_attempt(
            user, educator, {"T.NP": 0.99 if k % 2 else 0.01, "T.RO": 0.5, "T.COM": 0.01}
        )
        Attempt.objects.filter(pk=attempt.pk).update(finished_at=timezone.now() - days_ago * DAY)


def _victim_finishes(world, bank) -> dict[str, str]:
    """The colleague takes the whole test through the services; their decisions by competency."""
    educator = world.self_educator
    consent_give(actor=world.users["teacher"], educator=educator, kind=ConsentKind.DIAGNOSTICS)
    attempt = attempt_start(
        actor=world.users["teacher"], educator=educator, assessment=bank["adaptive"]
    )
    n = 0
    while attempt.status == AttemptStatus.IN_PROGRESS:
        current = attempt.responses.filter(answered_at__isnull=True).select_related("item").first()
        answer = WRONG[current.item.kind] if n % 3 else full_answer(current.item.as_format())
        attempt = attempt_answer(
            actor=world.users["teacher"], attempt=attempt, position=current.position, answer=answer
        ).attempt
        n += 1
    return {r.competency.code: r.decision for r in attempt.results.select_related("competency")}


def _days_pass(days: int) -> None:
    """Time moves on: every attempt finished `days` earlier (and a new day's cache key)."""
    shift = days * DAY
    Attempt.objects.update(
        started_at=F("started_at") - shift,
        deadline_at=F("deadline_at") - shift,
        finished_at=F("finished_at") - shift,
    )
    cache.clear()


def _fetch(client, *, later: int = 0) -> dict[str, dict]:
    if later:
        _days_pass(later)
    response = client.get("/api/diagnostics/deficit-map")
    assert response.status_code == 200
    return {r["competency"]: r for r in response.json()}


def _diff(before: dict, after: dict) -> dict[str, dict[str, int]]:
    changes = {}
    for code in before.keys() | after.keys():
        old, new = before.get(code, {}), after.get(code, {})
        delta = {
            k: (new.get(k) or 0) - (old.get(k) or 0)
            for k in ("people", "deficit", "uncertain", "no_deficit")
        }
        if any(delta.values()):
            changes[code] = delta
    return changes


def test_a_school_head_cannot_read_one_colleagues_decisions_by_differencing(world, bank):
    cache.clear()
    _finish(world, _colleagues(world, 6), days_ago=3)
    head = world.client("school_head")
    saved = _fetch(head)
    assert all(
        saved[c]["people"] == 6 and saved[c]["deficit"] is not None
        for c in ("T.NP", "T.RO", "T.COM")
    )

    decisions = _victim_finishes(world, bank)
    assert set(decisions) >= {"T.NP", "T.RO", "T.COM", "T.MATH"}

    # The attack: fetch again the same day, the next day, a week later. Nothing moved.
    for later in (0, 1, 6):
        assert _diff(saved, _fetch(head, later=later)) == {}
    # The page and its export say the same (the page states the rule).
    page = head.get("/diagnostics/map/").content.decode()
    assert "публикуется раз в сутки" in page

    # The figures move only when at least MIN_GROUP people's results in a cell have changed.
    others = _colleagues(world, MIN_GROUP - 2, start=100)
    _finish(world, others, days_ago=0)
    assert _diff(saved, _fetch(head, later=1)) == {}  # the victim and 3 others: 4 < 5
    _finish(world, _colleagues(world, 1, start=200), days_ago=0)
    moved = _diff(saved, _fetch(head, later=1))
    assert moved and all(change["people"] >= MIN_GROUP for change in moved.values())
    assert "T.MATH" not in moved  # only the victim teaches mathematics: that cell never moves alone

    # Region level stays live: the regional operator sees today's results.
    _finish(world, _colleagues(world, 1, start=300), days_ago=0)
    assert _fetch(world.client("regional"))["T.NP"]["people"] == 6 + 1 + MIN_GROUP - 1 + 1


def test_a_municipality_filter_is_below_region_level_too(world, bank):
    cache.clear()
    _finish(world, _colleagues(world, 6), days_ago=3)
    regional = world.client("regional")
    url = f"/diagnostics/map/?municipality={world.m1.pk}"
    before = _table(regional.get(url))
    _victim_finishes(world, bank)
    page = regional.get(url).content.decode()
    assert _table(regional.get(url)) == before and "публикуется раз в сутки" in page
    live = regional.get("/diagnostics/map/")
    assert "публикуется раз в сутки" not in live.content.decode() and _table(live) != before


def _table(response) -> str:
    text = response.content.decode()
    return text[text.index("<table") : text.index("</table>")]
