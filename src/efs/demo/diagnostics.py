"""A simulated first wave of diagnostics for the demo region.

Before a bank is calibrated, responses are collected with random booklets (a few items
of every competency for each person, DESIGN.md §6). This module simulates such a wave:
abilities correlated across competencies (ρ ≈ 0.5), answers drawn from each item's
provisional IRT parameters, conclusions computed by the real engine. The demo logins'
own records are left untouched so that anyone can take a diagnostics themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from django.db import transaction
from django.utils import timezone

from efs.competencies.models import Competency, FrameworkStatus
from efs.demo.writer import insert_rows
from efs.diagnostics import engine
from efs.diagnostics.itemformat import answer_for_score
from efs.diagnostics.models import (
    Assessment,
    AssessmentMode,
    AssessmentStatus,
    Attempt,
    AttemptStatus,
    CompetencyResult,
    Item,
    ItemStatus,
    Response,
)
from efs.people.models import Consent, ConsentDocument, ConsentKind, Educator, Region
from efs.psychometrics import score

# The demo writer's plain-tuple inserts (ADR 0003): the ORM would build 200 000 instances.
RESPONSE_COLUMNS = ("attempt_id", "item_id", "position", "pilot", "presented_at", "answer", "score", "answered_at")
RESULT_COLUMNS = ("attempt_id", "competency_id", "region_id", "theta", "se", "p_deficit", "decision", "level", "items")
SHARES = {"teacher": 0.45, "manager": 0.6, "student": 0.5}
ITEMS_PER_COMPETENCY = 8
CORRELATION = 0.5


def _answer(
    attempt: Attempt,
    measured: list[int],
    abilities: dict[int, float],
    codes: list[str],
    items_by_competency: dict[int, list[Item]],
    rng: np.random.Generator,
    region: Region,
    responses: list[tuple],
    results: list[tuple],
) -> None:
    """Simulate one finished attempt: a booklet of items per measured competency (`measured`, in
    that order), answers drawn from each item's model at the person's ability, then the engine's
    scoring. Appends the rows to `responses` and `results` and sets the attempt's counts."""
    booklet: list[Item] = []
    for competency_id in measured:
        pool = items_by_competency.get(competency_id, [])
        if pool:
            picks = rng.choice(len(pool), size=min(ITEMS_PER_COMPETENCY, len(pool)), replace=False)
            booklet.extend(pool[int(k)] for k in picks)
    answered = []
    for position, k in enumerate(rng.permutation(len(booklet)), start=1):
        item = booklet[int(k)]
        value = int(rng.choice(item.max_score + 1, p=_probabilities(item, abilities[item.competency_id])))
        answered.append((item, value))
        at = attempt.started_at + dt.timedelta(seconds=40 * position)
        responses.append((attempt.pk, item.pk, position, False, at, None, value, at))
    ab = engine.attempt_bank(attempt.assessment, codes)
    pairs = [(ab.index_of[item.pk], value) for item, value in answered if item.pk in ab.index_of]
    decided = 0
    for competency, result in zip(ab.competencies, score(ab.bank, pairs, ab.config), strict=True):
        results.append(
            (
                attempt.pk,
                competency.pk,
                region.pk,
                result.theta,
                result.se,
                result.p_deficit,
                result.decision,
                competency.level_for(result.theta),
                result.n_items,
            )
        )
        decided += result.decision != "uncertain"
    attempt.answered, attempt.decided = len(answered), decided


def _probabilities(item: Item, theta: float) -> np.ndarray:
    if item.irt_model == "GPCM":
        z = np.concatenate([[0.0], np.cumsum([item.a * (theta - s) for s in item.steps])])
    else:
        assert item.b is not None  # a 2PL/3PL item has b (itemformat)
        z = np.array([0.0, item.a * (theta - item.b)])
    weights = np.exp(z - z.max())
    return weights / weights.sum()


def simulated_answer(item: Item, theta: float, rng: np.random.Generator):
    """An answer of a person of ability `theta`: its score drawn from the item's model."""
    score_drawn = int(rng.choice(item.max_score + 1, p=_probabilities(item, theta)))
    return answer_for_score(item.as_format(), score_drawn)


@transaction.atomic
def simulate_first_wave(region: Region, *, seed: int, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    rng = np.random.default_rng(seed)
    document = ConsentDocument.objects.filter(kind=ConsentKind.DIAGNOSTICS).order_by("-published_at").first()
    # The region's basis is consent: those who took part also consented to the processing.
    personal = ConsentDocument.objects.filter(kind=ConsentKind.PERSONAL_DATA).order_by("-published_at").first()
    have_personal = set(
        Consent.objects.filter(document=personal, withdrawn_at__isnull=True).values_list("educator_id", flat=True)
    )
    attempts_made = 0
    for audience, share in SHARES.items():
        leaves = list(
            Competency.objects.filter(
                framework__audience=audience, framework__status=FrameworkStatus.PUBLISHED, is_leaf=True
            )
            .prefetch_related("subjects")
            .order_by("order")
        )
        if not leaves:
            continue
        framework = leaves[0].framework
        assessment, _ = Assessment.objects.get_or_create(
            code=f"{audience}-pilot-wave",
            defaults={
                "title": "Пилотная волна: случайные комплекты заданий",
                "description": "Первая волна сбора ответов для калибровки банка: каждому участнику — по несколько "
                               "заданий каждой компетенции.",
                "framework": framework,
                "mode": AssessmentMode.ADAPTIVE,  # scored by the same engine; booklets were random
                "status": AssessmentStatus.ARCHIVED,
                "pilot_items": 0,
            },
        )
        items_by_competency: dict[int, list[Item]] = defaultdict(list)
        for item in Item.objects.filter(competency__in=leaves, status=ItemStatus.OPERATIONAL).order_by("pk"):
            items_by_competency[item.competency_id].append(item)
        educators = list(
            Educator.objects.filter(region=region, category=audience, user__isnull=True, organization__isnull=False)
            .prefetch_related("subjects")
            .order_by("pk")
        )
        chosen = [e for e in educators if rng.random() < share]
        dims = len(leaves)
        covariance = np.full((dims, dims), CORRELATION) + (1 - CORRELATION) * np.eye(dims)
        org_effect: dict[int, float] = {}
        consents, attempts, plans = [], [], []
        for educator in chosen:
            taught = {s.pk for s in educator.subjects.all()}
            own = [
                c for c in leaves if not {s.pk for s in c.subjects.all()} or {s.pk for s in c.subjects.all()} & taught
            ]
            assert educator.organization_id is not None  # filtered organization__isnull=False
            shift = org_effect.setdefault(educator.organization_id, rng.normal(0, 0.3))
            theta = rng.multivariate_normal(
                np.full(dims, shift + 0.1 * min(educator.experience_years, 30) / 30), covariance
            )
            started = now - dt.timedelta(
                days=int(rng.integers(3, 330)), minutes=int(rng.integers(0, 600))
            )  # over the past year
            consents.append(
                Consent(
                    educator=educator,
                    document=document,
                    region_id=region.pk,
                    given_at=started - dt.timedelta(minutes=2),
                )
            )
            attempts.append(
                Attempt(
                    educator=educator,
                    region_id=region.pk,
                    organization_id=educator.organization_id,
                    assessment=assessment,
                    status=AttemptStatus.COMPLETED,
                    competency_codes=[c.code for c in own],
                    seed=int(rng.integers(1, 2**31)),
                    started_at=started,
                    deadline_at=started + dt.timedelta(minutes=assessment.time_limit_minutes),
                    finished_at=started + dt.timedelta(minutes=int(rng.integers(20, 60))),
                    stop_reason="pilot_wave",
                )
            )
            plans.append((own, {c.pk: float(theta[i]) for i, c in enumerate(leaves)}))
        Consent.objects.bulk_create(consents)
        Consent.objects.bulk_create(
            [
                Consent(educator=c.educator, document=personal, region_id=region.pk, given_at=c.given_at)
                for c in consents
                if c.educator_id not in have_personal
            ]
        )
        for attempt, consent in zip(attempts, consents, strict=True):
            attempt.consent = consent
        Attempt.objects.bulk_create(attempts)
        responses = _answer_all(
            attempts,
            [([c.pk for c in own], thetas, [c.code for c in own]) for own, thetas in plans],
            items_by_competency,
            rng,
            region,
        )
        for item_pk, count in _exposures(responses).items():
            Item.objects.filter(pk=item_pk).update(exposure_count=count)
        attempts_made += len(attempts)
    return attempts_made


def _answer_all(
    attempts: list[Attempt],
    plans: list[tuple[list[int], dict[int, float], list[str]]],
    items_by_competency: dict[int, list[Item]],
    rng: np.random.Generator,
    region: Region,
) -> list[tuple]:
    """Simulate the attempts (``_answer`` each, by its plan: measured competencies, abilities,
    codes), then write their responses and results in bulk and their counts; the responses."""
    responses: list[tuple] = []
    results: list[tuple] = []
    for attempt, (measured, abilities, codes) in zip(attempts, plans, strict=True):
        _answer(attempt, measured, abilities, codes, items_by_competency, rng, region, responses, results)
    insert_rows(Response._meta.db_table, RESPONSE_COLUMNS, responses)
    insert_rows(CompetencyResult._meta.db_table, RESULT_COLUMNS, results)
    Attempt.objects.bulk_update(attempts, ["answered", "decided"], batch_size=2000)
    return responses


def _exposures(responses: list[tuple]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for row in responses:
        counts[row[1]] += 1
    return counts


# A second measurement a year on: everyone's ability moves a little (work, courses), with
# noise; a deficit worked on with a tutor, a mentor or in a reflective cycle moves a little
# more. That extra growth is the demo's assumption about the simulated people, stated here;
# what «Does support work?» shows is computed from the simulated answers by the real engine
# and `support.effects_compute`, and varies with the sample like a real measurement.
SECOND_WAVE_GROWTH = 0.15
SECOND_WAVE_SPREAD = 0.35
SUPPORTED_EXTRA_GROWTH = 0.35


def measured_once(region: Region) -> set[int]:
    """The educators of the region with exactly one completed attempt."""
    counts: dict[int, int] = defaultdict(int)
    for educator_id in Attempt.objects.filter(region=region, status=AttemptStatus.COMPLETED).values_list(
        "educator_id", flat=True
    ):
        counts[educator_id] += 1
    return {e for e, n in counts.items() if n == 1}


@transaction.atomic
def simulate_second_wave(
    region: Region,
    *,
    seed: int,
    educator_ids: list[int],
    supported: set[tuple[int, int]],
    now: dt.datetime | None = None,
) -> int:
    """Re-diagnose the given educators of the region on the competencies of their latest
    finished attempt, with booklets as in the first wave. ``supported``: (educator id,
    competency id) pairs that get the extra growth. Returns the number of attempts."""
    now = now or timezone.now()
    rng = np.random.default_rng(seed)
    latest: dict[int, Attempt] = {}
    for attempt in (
        Attempt.objects.filter(
            educator_id__in=educator_ids, region_id=region.pk, status=AttemptStatus.COMPLETED, consent__isnull=False
        )
        .select_related("assessment", "educator")
        .order_by("educator_id", "finished_at")
    ):
        latest[attempt.educator_id] = attempt
    thetas: dict[int, dict[int, float]] = defaultdict(dict)
    for attempt_id, competency_id, theta in CompetencyResult.objects.filter(
        attempt__in=[a.pk for a in latest.values()]
    ).values_list("attempt_id", "competency_id", "theta"):
        thetas[attempt_id][competency_id] = theta
    items_by_competency: dict[int, list[Item]] = defaultdict(list)
    for item in Item.objects.filter(status=ItemStatus.OPERATIONAL).order_by("pk"):
        items_by_competency[item.competency_id].append(item)
    codes = {(f, code): pk for f, code, pk in Competency.objects.values_list("framework_id", "code", "pk")}
    attempts: list[Attempt] = []
    plans: list[dict[int, float]] = []
    for educator_id in sorted(latest):
        before = latest[educator_id]
        earliest = (before.finished_at or now) + dt.timedelta(days=1)
        started = now - dt.timedelta(days=int(rng.integers(1, 6)))
        started = (earliest if earliest > started else started) - dt.timedelta(minutes=int(rng.integers(60, 600)))
        attempts.append(
            Attempt(
                educator_id=educator_id,
                region_id=region.pk,
                organization_id=before.organization_id,
                assessment=before.assessment,
                consent_id=before.consent_id,
                status=AttemptStatus.COMPLETED,
                competency_codes=before.competency_codes,
                seed=int(rng.integers(1, 2**31)),
                started_at=started,
                deadline_at=started + dt.timedelta(minutes=before.assessment.time_limit_minutes),
                finished_at=started + dt.timedelta(minutes=int(rng.integers(20, 60))),
                stop_reason="second_wave",
            )
        )
        framework = before.assessment.framework_id
        measured = [codes[(framework, code)] for code in before.competency_codes if (framework, code) in codes]
        plans.append(
            {
                pk: thetas[before.pk].get(pk, 0.0)
                + rng.normal(SECOND_WAVE_GROWTH, SECOND_WAVE_SPREAD)
                + (SUPPORTED_EXTRA_GROWTH if (educator_id, pk) in supported else 0.0)
                for pk in measured
            }
        )
    Attempt.objects.bulk_create(attempts)
    _answer_all(
        attempts,
        [(list(abilities), abilities, a.competency_codes) for a, abilities in zip(attempts, plans, strict=True)],
        items_by_competency,
        rng,
        region,
    )
    return len(attempts)
