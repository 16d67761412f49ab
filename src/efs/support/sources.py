"""Support as a source of route items (routes.registry): the route builder may propose a
consultation with the educator's tutor, work with their mentor and a reflective cycle on a
deficit, each with its reason. The planner weighs these free activities against programs,
so they land in the route where no program fits the deficit, the budget or the dates.

Completing them follows the evidence flow already built: a consultation requested on the
route activity hands its outcome to the route (`services.consultation_to_evidence`); a
closed cycle hands its before/after to the route (`cycles._to_route`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from efs.catalog.public import open_cohorts
from efs.diagnostics.public import current_deficits
from efs.people.public import AssignmentKind, Educator, SupportAssignment, assigned_tutor
from efs.routes.public import ItemKind, ItemSource, SourceCandidate, SourceQuery, register_item_source

from .models import CycleStage, Mentorship, MentorshipStatus, ReflectionCycle, TutorCapacity

# The share of a deficit each form closes as declared, the same scale as routes' free
# activities (routes/data/activities.json): a consultation less than a cycle, mentoring most.
CONSULTATION_SHARE = 0.1
MENTORING_SHARE = 0.25
REFLECTION_SHARE = 0.15
YOUNG_SPECIALIST_YEARS = 3


def _titles(query: SourceQuery) -> list[tuple[str, str]]:
    """(code, title) of the query's deficits, the most likely first."""
    known = {d.code: d.title for d in current_deficits(educator_id=query.educator_id)}
    codes = sorted(query.deficits, key=lambda code: (-query.deficits[code], code))
    return [(code, known.get(code, code)) for code in codes]


def _tutor_has_room(tutor_id: int, region_id: int) -> bool:
    capacity = TutorCapacity.objects.filter(tutor_id=tutor_id, region_id=region_id).values_list("capacity", flat=True)
    if not capacity:
        return True  # no capacity set: the head has not limited this tutor
    load = SupportAssignment.objects.filter(
        supporter_id=tutor_id, kind=AssignmentKind.TUTOR, active=True, educator__is_active=True
    ).count()
    return load <= capacity[0]


def consultation_candidates(query: SourceQuery) -> list[SourceCandidate]:
    """A consultation with the assigned tutor on each deficit, when the tutor is not over capacity."""
    educator = Educator.objects.filter(pk=query.educator_id).first()
    tutor = assigned_tutor(educator) if educator is not None else None
    if tutor is None or not _tutor_has_room(tutor.pk, query.region_id):
        return []
    name = tutor.display_name()
    return [
        SourceCandidate(
            key=f"{tutor.pk}-{code}",
            title=_("Consultation with the tutor %(name)s on «%(competency)s»") % {"name": name, "competency": title},
            coverage={code: CONSULTATION_SHARE},
            hours=2,
            task=_("Ask the tutor for a consultation on «%(competency)s» and work out the next steps together")
            % {"competency": title},
            expected_result=_("The difficulty is discussed; the outcome and the next steps are written down"),
            evidence_form=_("The outcome of the consultation, handed over by the educator"),
            duration_days=30,
            reason=_("the tutor %(name)s is assigned to you and has room in the caseload") % {"name": name},
        )
        for code, title in _titles(query)
    ]


def mentoring_candidates(query: SourceQuery) -> list[SourceCandidate]:
    """Work with the mentor of a young specialist (an active or a proposed mentorship)."""
    educator = Educator.objects.filter(pk=query.educator_id).select_related("organization").first()
    if educator is None or educator.experience_years > YOUNG_SPECIALIST_YEARS:
        return []
    mentorship = (
        Mentorship.objects.filter(
            mentee_id=educator.pk, status__in=[MentorshipStatus.ACTIVE, MentorshipStatus.PROPOSED]
        )
        .select_related("mentor")
        .order_by("status", "pk")  # an active one before a proposal
        .first()
    )
    if mentorship is None:
        return []
    titles = _titles(query)[:3]
    name = mentorship.mentor.display_name()
    school = str(educator.organization) if educator.organization else ""
    reason = (
        _("your mentor %(name)s (%(school)s)") % {"name": name, "school": school}
        if mentorship.status == MentorshipStatus.ACTIVE
        else _("the mentor proposed to you: %(name)s (%(school)s)") % {"name": name, "school": school}
    )
    return [
        SourceCandidate(
            key=f"{mentorship.pk}",
            title=_("Work with the mentor %(name)s on «%(competency)s»")
            % {"name": name, "competency": "», «".join(title for _code, title in titles)},
            coverage={code: MENTORING_SHARE for code, _title in titles},
            hours=12,
            task=_("Agree goals on these deficits in the mentoring plan, meet regularly, attend and discuss lessons"),
            expected_result=_("The goals of the mentoring plan on these deficits are reached"),
            evidence_form=_("The mentoring plan with the goals marked done"),
            duration_days=90,
            reason=reason,
        )
    ]


def _programs_in_period(query: SourceQuery) -> set[str]:
    """The deficits an open cohort of the region within the route's dates works on."""
    return set(
        open_cohorts(query.region_id)
        .filter(
            start_date__gte=query.period_start,
            end_date__lte=query.period_end,
            program__outcomes__competency__code__in=list(query.deficits),
        )
        .values_list("program__outcomes__competency__code", flat=True)
        .distinct()
    )


def reflection_candidates(query: SourceQuery) -> list[SourceCandidate]:
    """A reflective cycle on each deficit that no program within the route's dates works on
    and the educator has no open cycle on."""
    skip = _programs_in_period(query) | set(
        ReflectionCycle.objects.filter(educator_id=query.educator_id)
        .exclude(stage=CycleStage.CLOSED)
        .values_list("competency__code", flat=True)
    )
    return [
        SourceCandidate(
            key=code,
            title=_("Reflective cycle on «%(competency)s»") % {"competency": title},
            coverage={code: REFLECTION_SHARE},
            hours=6,
            task=_("Plan a change, try it in class, have the lesson observed, reflect; close on the re-diagnosis"),
            expected_result=_("The cycle is closed; the probability of the deficit before and after is known"),
            evidence_form=_("The closed cycle (stages and the deficit before and after)"),
            duration_days=60,
            reason=_("no program of the depository works on this deficit within the route's dates"),
        )
        for code, title in _titles(query)
        if code not in skip
    ]


def register() -> None:
    register_item_source(ItemSource(kind=ItemKind.CONSULTATION, candidates=consultation_candidates, limit=2))
    register_item_source(ItemSource(kind=ItemKind.MENTORING, candidates=mentoring_candidates, limit=1))
    register_item_source(ItemSource(kind=ItemKind.REFLECTION, candidates=reflection_candidates, limit=2))
