"""Reflective cycles: plan → act → observe → reflect, closed by a re-diagnosis.

The cycle opens on one of the educator's current deficits (or the deficit a route item
works on) and keeps the measured probability of the deficit; it closes when a finished
diagnostics measured that competency again after the cycle opened, and keeps that too.
Every text written on the way is a private record of the cycle.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from efs.diagnostics.public import current_deficits, latest_result
from efs.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from efs.limits import checked_text
from efs.money import format_number
from efs.people.public import AssignmentKind, Educator, SupportAssignment, User
from efs.routes.public import ItemKind, ItemStatus, active_route_items, evidence_submit

from . import rubric
from .models import TEXT_MAX, CycleStage, PrivateRecord, RecordKind, ReflectionCycle

REFLECT_PROMPTS = [
    ("went", gettext_lazy("What went as planned in the lesson, and what did not?")),
    ("showed", gettext_lazy("What did the observation show you that you had not seen?")),
    ("next", gettext_lazy("What will you do differently next time?")),
]


def _text(value: str, field: str) -> str:
    """A text of a cycle's stage: required, at most TEXT_MAX characters."""
    return checked_text(value, field=field, limit=TEXT_MAX, required=True)


def _own(actor: User, educator: Educator) -> None:
    if educator.user_id != actor.pk:
        raise PermissionDenied(_("Only the educator works through their cycle."), code="cycle_not_own")


@transaction.atomic
def cycle_open(
    *, actor: User, educator: Educator, competency_id: int | None = None, route_item_id: int | None = None
) -> ReflectionCycle:
    _own(actor, educator)
    deficits = {d.competency_id: d for d in current_deficits(educator_id=educator.pk)}
    item = None
    if route_item_id:
        item = next((i for i in active_route_items(educator) if i.pk == route_item_id), None)
        if item is None:
            raise NotFound(_("No such activity in your active route."), code="route_item_not_found")
        if competency_id is None:
            covered = [d for d in deficits.values() if d.code in (item.coverage or {})]
            competency_id = covered[0].competency_id if covered else None
    if competency_id is None or competency_id not in deficits:
        raise NotFound(_("This competency is not among your current deficits."), code="competency_not_found")
    if (
        ReflectionCycle.objects.filter(educator=educator, competency_id=competency_id)
        .exclude(stage=CycleStage.CLOSED)
        .exists()
    ):
        raise Conflict(_("A cycle on this competency is already open."), code="cycle_exists")
    before = deficits[competency_id]
    assert before.measured_at is not None  # a finished attempt has its finished_at (diagnostics.services)
    return ReflectionCycle.objects.create(
        educator=educator,
        region_id=educator.region_id,
        organization_id=educator.organization_id,
        competency_id=competency_id,
        route_item=item,
        before_p_deficit=before.p_deficit,
        before_measured_at=before.measured_at,
    )


def _locked(cycle: ReflectionCycle, stage: str) -> ReflectionCycle:
    cycle = ReflectionCycle.objects.select_for_update(of=("self",)).select_related("educator").get(pk=cycle.pk)
    if cycle.stage != stage:
        raise Conflict(
            _("The cycle is at another stage now."), code="cycle_wrong_stage", details={"stage": cycle.stage}
        )
    return cycle


def _record(
    cycle: ReflectionCycle, author: User, kind: str, stage: str, title: str, body: str, **extra
) -> PrivateRecord:
    return PrivateRecord.objects.create(
        educator=cycle.educator,
        region_id=cycle.region_id,
        organization_id=cycle.organization_id,
        author=author,
        kind=kind,
        title=title[:200],
        body=body,
        cycle=cycle,
        cycle_stage=stage,
        **extra,
    )


def _advance(cycle: ReflectionCycle, stage: str) -> None:
    cycle.stage = stage
    cycle.save(update_fields=["stage"])


@transaction.atomic
def cycle_plan(*, actor: User, cycle: ReflectionCycle, text: str) -> PrivateRecord:
    cycle = _locked(cycle, CycleStage.PLAN)
    _own(actor, cycle.educator)
    record = _record(cycle, actor, RecordKind.JOURNAL_ENTRY, CycleStage.PLAN, _("Cycle plan"), _text(text, _("Plan")))
    _advance(cycle, CycleStage.ACT)
    return record


@transaction.atomic
def cycle_act(*, actor: User, cycle: ReflectionCycle, text: str) -> PrivateRecord:
    cycle = _locked(cycle, CycleStage.ACT)
    _own(actor, cycle.educator)
    record = _record(
        cycle, actor, RecordKind.JOURNAL_ENTRY, CycleStage.ACT, _("What I did"), _text(text, _("What I did"))
    )
    _advance(cycle, CycleStage.OBSERVE)
    return record


@transaction.atomic
def cycle_observe(*, actor: User, cycle: ReflectionCycle, levels: dict[str, int], notes: str) -> PrivateRecord:
    """A lesson observation by the educator's tutor or mentor, with a level for each labour
    function of the rubric and time-stamped notes."""
    cycle = _locked(cycle, CycleStage.OBSERVE)
    if not SupportAssignment.objects.filter(
        supporter=actor,
        educator_id=cycle.educator_id,
        kind__in=[AssignmentKind.TUTOR, AssignmentKind.MENTOR],
        active=True,
    ).exists():
        raise PermissionDenied(
            _("The lesson is observed by the educator's tutor or mentor."), code="cycle_not_observer"
        )
    clean = {}
    for code in rubric.function_codes():
        level = levels.get(code)
        if level not in rubric.levels_of(code):
            raise ValidationFailed(
                _("Choose a level for %(code)s.") % {"code": code},
                code="rubric_level_missing",
                details={"function": code},
            )
        clean[code] = level
    unknown = set(levels) - set(clean)
    if unknown:
        raise ValidationFailed(
            _("Unknown labour function."), code="rubric_function_unknown", details={"functions": sorted(unknown)}
        )
    record = _record(
        cycle,
        actor,
        RecordKind.OBSERVATION,
        CycleStage.OBSERVE,
        _("Lesson observation"),
        _text(notes, _("Notes")),
        rubric=clean,
    )
    _advance(cycle, CycleStage.REFLECT)
    return record


@transaction.atomic
def cycle_reflect(*, actor: User, cycle: ReflectionCycle, answers: dict[str, str]) -> PrivateRecord:
    cycle = _locked(cycle, CycleStage.REFLECT)
    _own(actor, cycle.educator)
    if cycle.records.filter(cycle_stage=CycleStage.REFLECT).exists():
        raise Conflict(_("The reflection is written; close the cycle after the re-diagnosis."), code="cycle_reflected")
    parts = [f"{prompt}\n{_text(answers.get(key, ''), str(prompt))}" for key, prompt in REFLECT_PROMPTS]
    return _record(cycle, actor, RecordKind.JOURNAL_ENTRY, CycleStage.REFLECT, _("Reflection"), "\n\n".join(parts))


@transaction.atomic
def cycle_close(*, actor: User, cycle: ReflectionCycle) -> ReflectionCycle:
    """Close on a re-diagnosis of the competency finished after the cycle opened."""
    cycle = _locked(cycle, CycleStage.REFLECT)
    _own(actor, cycle.educator)
    if not cycle.records.filter(cycle_stage=CycleStage.REFLECT).exists():
        raise Conflict(_("Write the reflection first."), code="cycle_not_reflected")
    after = latest_result(educator_id=cycle.educator_id, competency_id=cycle.competency_id)
    if after is None or after.measured_at is None or after.measured_at <= cycle.opened_at:
        raise Conflict(
            _("Take the re-diagnosis of this competency first: the cycle closes on its result."),
            code="rediagnosis_missing",
        )
    cycle.after_p_deficit, cycle.after_measured_at = after.p_deficit, after.measured_at
    cycle.stage, cycle.closed_at = CycleStage.CLOSED, timezone.now()
    cycle.evidence = _to_route(actor, cycle)
    cycle.save(update_fields=["after_p_deficit", "after_measured_at", "stage", "closed_at", "evidence"])
    return cycle


def _route_item(cycle: ReflectionCycle):
    """The activity the closed cycle shows was done: the one it opened from, else a
    «reflective cycle» activity of the active route that works on the same competency."""
    items = active_route_items(cycle.educator).exclude(status__in=[ItemStatus.ACCEPTED])
    if cycle.route_item_id:
        return items.filter(pk=cycle.route_item_id).first()
    code = cycle.competency.code
    return next((item for item in items.filter(kind=ItemKind.REFLECTION) if code in (item.coverage or [])), None)


def _to_route(actor: User, cycle: ReflectionCycle):
    """A closed cycle is route evidence: its outcome (stages, before and after), never the
    texts written on the way. The tutor reviews it like any evidence. No active route or
    activity: nothing to hand over, the cycle still closes."""
    item = _route_item(cycle)
    if item is None:
        return None
    note = _(
        "Reflective cycle on «%(competency)s» closed: plan, lesson, observation and reflection done; "
        "probability of the deficit %(before)s → %(after)s at the re-diagnosis of %(date)s."
    ) % {
        "competency": cycle.competency.title,
        "before": format_number(cycle.before_p_deficit, 2),
        "after": format_number(cycle.after_p_deficit, 2),
        "date": timezone.localtime(cycle.after_measured_at).strftime("%d.%m.%Y"),
    }
    try:
        with transaction.atomic():
            return evidence_submit(actor=actor, item=item, note=note)
    except DomainError:  # the route stopped or the activity closed meanwhile: the cycle closes anyway
        return None
