"""Writes of the diagnostics app: starting, answering and finishing attempts.

Every answer is saved in the same transaction that chooses the next item, under a
row lock on the attempt: a retried request (lost connection, double click, second tab)
finds its answer already saved and gets the same next item back; nothing is lost or
counted twice.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.competencies.models import Competency
from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.people.models import ConsentKind, Educator, User
from efs.people.services import consent_active, processing_require
from efs.psychometrics import cat_next, score

from . import engine
from .itemformat import AnswerError, score_answer
from .messages import answer_error_message
from .models import (
    DEADLINE_GRACE,
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

PILOT_POSITIONS = range(3, 31)


def assessments_for(educator: Educator):
    """Open assessments of the educator's audience, federal or of their region."""
    return (
        Assessment.objects.filter(
            status=AssessmentStatus.ACTIVE, framework__audience=educator.category, framework__status="published"
        )
        .filter(Q(region__isnull=True) | Q(region_id=educator.region_id))
        .select_related("framework")
        .order_by("mode", "title")
    )


def competency_codes_for(assessment: Assessment, educator: Educator) -> list[str]:
    """The diagnosed competencies of the assessment that apply to this educator
    (a subject module applies only to teachers of that subject)."""
    chosen = list(assessment.competencies.filter(is_leaf=True).prefetch_related("subjects").order_by("order"))
    if not chosen:
        chosen = list(
            Competency.objects.filter(framework=assessment.framework, is_leaf=True)
            .prefetch_related("subjects")
            .order_by("order")
        )
    taught = set(educator.subjects.values_list("pk", flat=True))
    codes = []
    for competency in chosen:
        restricted = {s.pk for s in competency.subjects.all()}
        if not restricted or restricted & taught:
            codes.append(competency.code)
    return codes


def _own(actor: User, attempt_or_educator) -> None:
    educator = attempt_or_educator if isinstance(attempt_or_educator, Educator) else attempt_or_educator.educator
    if educator.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the person themselves takes their diagnostics."))


@transaction.atomic
def attempt_start(
    *,
    actor: User,
    educator: Educator,
    assessment: Assessment,
    now: dt.datetime | None = None,
    only_codes: list[str] | None = None,
    seed: int | None = None,
) -> Attempt:
    """Start (or resume) the educator's attempt of an assessment; `only_codes` limits it to
    some competencies (a re-diagnosis after a route). `seed` drives exposure control and the
    pilot plan; it is random unless a simulation needs to be reproducible."""
    _own(actor, educator)
    now = now or timezone.now()
    if not assessments_for(educator).filter(pk=assessment.pk).exists():
        raise NotFound(_("This diagnostics is not open to you."), code="assessment_not_available")
    processing_require(educator, actor=actor)
    consent = consent_active(educator, ConsentKind.DIAGNOSTICS)
    if consent is None:
        raise ValidationFailed(
            _("Participation is voluntary: to start, give your consent to participate in the diagnostics."),
            code="consent_required",
        )
    open_attempt = (
        Attempt.objects.select_for_update()
        .filter(educator=educator, assessment=assessment, status=AttemptStatus.IN_PROGRESS)
        .first()
    )
    if open_attempt is not None:
        if _finalize_if_overdue(open_attempt, now):
            return attempt_start(
                actor=actor, educator=educator, assessment=assessment, now=now, only_codes=only_codes, seed=seed
            )
        return open_attempt
    codes = competency_codes_for(assessment, educator)
    if only_codes is not None:
        codes = [code for code in codes if code in set(only_codes)]
    if not codes:
        raise ValidationFailed(_("This diagnostics has no competencies that apply to you."), code="assessment_empty")
    seed = seed or random.SystemRandom().randrange(1, 2**31)
    attempt = Attempt.objects.create(
        educator=educator,
        region_id=educator.region_id,
        organization_id=educator.organization_id,
        assessment=assessment,
        competency_codes=codes,
        pilot_plan=_pilot_plan(assessment, codes, seed),
        seed=seed,
        consent=consent,
        started_at=now,
        deadline_at=now + dt.timedelta(minutes=assessment.time_limit_minutes),
    )
    _advance(attempt, now)
    return attempt


def _pilot_plan(assessment: Assessment, codes: list[str], seed: int) -> dict[str, int]:
    """Pilot items to present unscored, and at which positions (least exposed first)."""
    if assessment.mode != AssessmentMode.ADAPTIVE or not assessment.pilot_items:
        return {}
    candidates = list(
        Item.objects.filter(
            competency__framework=assessment.framework, competency__code__in=codes, status=ItemStatus.PILOT
        )
        .order_by("exposure_count", "pk")
        .values_list("pk", flat=True)[: assessment.pilot_items * 5]
    )
    if not candidates:
        return {}
    rng = random.Random(seed)
    chosen = rng.sample(candidates, min(assessment.pilot_items, len(candidates)))
    positions = rng.sample(list(PILOT_POSITIONS), len(chosen))
    return {str(position): pk for position, pk in zip(sorted(positions), chosen, strict=True)}


def _responses(attempt: Attempt) -> list[Response]:
    return list(attempt.responses.select_related("item").order_by("position"))


def _advance(attempt: Attempt, now: dt.datetime) -> Response | None:
    """Present the next item, or finish the attempt when the engine stops."""
    responses = _responses(attempt)
    if any(r.answered_at is None for r in responses):
        return next(r for r in responses if r.answered_at is None)
    position = len(responses) + 1
    pilot_pk = attempt.pilot_plan.get(str(position))
    if pilot_pk and not any(r.item_id == pilot_pk for r in responses):
        return _present(attempt, pilot_pk, position, now, pilot=True)
    ab = engine.attempt_bank(attempt.assessment, attempt.competency_codes)
    answered = [
        (ab.index_of[r.item_id], r.score)
        for r in responses
        if not r.pilot and r.item_id in ab.index_of and r.score is not None  # all answered (above)
    ]
    shown = [ab.index_of[r.item_id] for r in responses if r.item_id in ab.index_of]
    step = cat_next(ab.bank, answered, ab.config, rng=attempt.seed, exclude=shown)
    attempt.decided = sum(1 for d in step.dimensions if d.stopped)
    attempt.remaining_max = _remaining(attempt, ab, step)
    if step.item is None:
        _finalize(attempt, AttemptStatus.COMPLETED, step.reason or "stopped", now, ab=ab, answered=answered)
        return None
    attempt.save(update_fields=["decided", "remaining_max"])
    return _present(attempt, ab.item_pks[step.item], position, now)


def _remaining(attempt: Attempt, ab: engine.AttemptBank, step) -> int:
    assessment = attempt.assessment
    if assessment.mode == AssessmentMode.FIXED:
        return max(0, len(ab.config.fixed_form) - sum(d.n_items for d in step.dimensions))
    per_dimension = sum(max(0, assessment.max_per_competency - d.n_items) for d in step.dimensions if not d.stopped)
    total_left = assessment.max_items - sum(d.n_items for d in step.dimensions)
    return max(0, min(per_dimension, total_left))


def _present(attempt: Attempt, item_pk: int, position: int, now: dt.datetime, *, pilot: bool = False) -> Response:
    response = Response.objects.create(
        attempt=attempt, item_id=item_pk, position=position, pilot=pilot, presented_at=now
    )
    Item.objects.filter(pk=item_pk).update(exposure_count=F("exposure_count") + 1)
    return response


def _finalize(attempt: Attempt, status: str, reason: str, now: dt.datetime, *, ab=None, answered=None) -> None:
    ab = ab or engine.attempt_bank(attempt.assessment, attempt.competency_codes)
    if answered is None:
        answered = [
            (ab.index_of[r.item_id], r.score)
            for r in _responses(attempt)
            if r.answered_at and not r.pilot and r.item_id in ab.index_of
        ]
    # An item shown but never answered (time ran out) is dropped, not scored as wrong.
    attempt.responses.filter(answered_at__isnull=True).delete()
    if answered:
        results = score(ab.bank, answered, ab.config)
        CompetencyResult.objects.bulk_create(
            [
                CompetencyResult(
                    attempt=attempt,
                    competency=competency,
                    region_id=attempt.region_id,
                    theta=result.theta,
                    se=result.se,
                    p_deficit=result.p_deficit,
                    decision=result.decision,
                    level=competency.level_for(result.theta),
                    items=result.n_items,
                )
                for competency, result in zip(ab.competencies, results, strict=True)
            ]
        )
        attempt.decided = sum(1 for r in results if r.decision != "uncertain")
    attempt.status = status
    attempt.stop_reason = reason[:40]
    attempt.finished_at = now
    attempt.remaining_max = 0
    attempt.save(update_fields=["status", "stop_reason", "finished_at", "decided", "remaining_max"])
    for listener in _finished_listeners:
        listener(attempt)


# Higher apps react to a finished attempt (routes take a re-diagnosis into the route) in
# the same transaction, through this registry: diagnostics never imports them.
_finished_listeners: list[Callable[[Attempt], object]] = []


def on_attempt_finished(listener: Callable[[Attempt], object]) -> None:
    """Register `listener(attempt)`, called inside the transaction that finishes an attempt."""
    if listener not in _finished_listeners:
        _finished_listeners.append(listener)


def _finalize_if_overdue(attempt: Attempt, now: dt.datetime) -> bool:
    if attempt.status == AttemptStatus.IN_PROGRESS and now > attempt.deadline_at + DEADLINE_GRACE:
        _finalize(attempt, AttemptStatus.EXPIRED, "time_limit", now)
        return True
    return False


@dataclass(frozen=True)
class AnswerOutcome:
    attempt: Attempt
    saved: bool  # False when this exact answer had already been saved (a retry)


@transaction.atomic
def attempt_answer(
    *, actor: User, attempt: Attempt, position: int, answer, now: dt.datetime | None = None
) -> AnswerOutcome:
    """Save the answer to the item shown at `position` and present the next one."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().select_related("assessment__framework", "educator").get(pk=attempt.pk)
    _own(actor, attempt)
    response = attempt.responses.select_related("item").filter(position=position).first()
    if response is None:
        raise Conflict(_("This item was not shown in your attempt; reload the page."), code="item_not_presented")
    if response.answered_at is not None:
        try:
            same = _canonical(response.item, answer) == response.answer
        except ValidationFailed:
            same = False
        if same:
            return AnswerOutcome(attempt=attempt, saved=False)
        raise Conflict(_("This item has already been answered; answers cannot be changed."), code="already_answered")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise Conflict(_("The attempt is finished."), code="attempt_finished")
    if now > attempt.deadline_at + DEADLINE_GRACE:
        _finalize(attempt, AttemptStatus.EXPIRED, "time_limit", now)
        return AnswerOutcome(attempt=attempt, saved=False)
    canonical = _canonical(response.item, answer)
    response.answer = canonical
    response.score = score_answer(response.item.as_format(), canonical)
    response.answered_at = now
    response.save(update_fields=["answer", "score", "answered_at"])
    attempt.answered = F("answered") + 1
    attempt.save(update_fields=["answered"])
    attempt.refresh_from_db(fields=["answered"])
    _advance(attempt, now)
    return AnswerOutcome(attempt=attempt, saved=True)


def _canonical(item: Item, answer):
    from .itemformat import normalize_answer

    try:
        normalized = normalize_answer(item.as_format(), answer)
    except AnswerError as exc:
        raise ValidationFailed(answer_error_message(exc), code="answer_invalid", details={"reason": exc.code}) from None
    return normalized


@transaction.atomic
def attempt_finish_early(*, actor: User, attempt: Attempt, now: dt.datetime | None = None) -> Attempt:
    """Stop now and get results from the answers given so far."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().select_related("assessment__framework", "educator").get(pk=attempt.pk)
    _own(actor, attempt)
    if attempt.status != AttemptStatus.IN_PROGRESS or _finalize_if_overdue(attempt, now):
        return attempt
    _finalize(attempt, AttemptStatus.COMPLETED, "finished_early", now)
    return attempt


@transaction.atomic
def attempt_refresh(*, attempt: Attempt, now: dt.datetime | None = None) -> Attempt:
    """Finish an attempt whose time is up (only from a POST of the person or a job)."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().select_related("assessment__framework", "educator").get(pk=attempt.pk)
    _finalize_if_overdue(attempt, now)
    return attempt


def expire_overdue(now: dt.datetime | None = None) -> int:
    """Finish every attempt whose time is up; for the daily job and `efs diagnostics_expire`."""
    now = now or timezone.now()
    count = 0
    for pk in Attempt.objects.filter(
        status=AttemptStatus.IN_PROGRESS, deadline_at__lt=now - DEADLINE_GRACE
    ).values_list("pk", flat=True):
        with transaction.atomic():
            attempt = Attempt.objects.select_for_update().select_related("assessment__framework").get(pk=pk)
            count += _finalize_if_overdue(attempt, now)
    return count
