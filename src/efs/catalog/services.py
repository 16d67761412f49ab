"""Writes of the depository: program cards, cohorts, the inclusion workflow, reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from efs.competencies.models import Competency, FrameworkStatus
from efs.errors import Conflict, PermissionDenied, ValidationFailed, check_fields
from efs.limits import COMMENT_MAX_CHARS, checked_text
from efs.people import access as people_access
from efs.people.models import Municipality, Organization, Role, Subject, User

from . import search
from .access import require_moderator, require_provider
from .models import (
    MIN_HOURS,
    Availability,
    Cohort,
    CohortStatus,
    Program,
    ProgramKind,
    ProgramModule,
    ProgramOutcome,
    ProgramStatus,
    ProgramTransition,
    ProgramVersion,
    Review,
    ReviewCriterion,
    ReviewStatus,
    StudyForm,
    Verdict,
)

MIN_REVIEWS = 2
EDITABLE = (ProgramStatus.DRAFT, ProgramStatus.RETURNED)


@dataclass
class ProgramData:
    """A program card as a provider fills it in."""

    code: str
    kind: str
    title: str
    annotation: str
    hours: int
    form: str
    final_assessment: str
    for_teachers: bool = True
    for_managers: bool = False
    for_students: bool = False
    positions: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)  # subject codes
    distance_learning: bool = False
    e_learning: bool = False
    price: int = 0  # kopecks
    developer: str = ""
    outcomes: list[tuple[str, float, str]] = field(default_factory=list)  # (competency code, weight, text)
    modules: list[tuple[str, int]] = field(default_factory=list)  # (title, hours)
    network_partners: list[str] = field(default_factory=list)  # partner organizations' INNs (network form)


NETWORK_PARTNERS_MAX = 20


def _leaves_by_code(codes: list[str]) -> dict[str, Competency]:
    found = Competency.objects.filter(
        code__in=codes, is_leaf=True, framework__status=FrameworkStatus.PUBLISHED
    ).select_related("framework")
    return {c.code: c for c in found}


def _modules_mismatch(total: int, hours: int) -> str:
    return ngettext(
        "The modules add up to %(sum)s hour, the program has %(hours)s.",
        "The modules add up to %(sum)s hours, the program has %(hours)s.",
        total,
    ) % {"sum": total, "hours": hours}


def validate_card(
    data: ProgramData, *, program: Program | None = None, provider: Organization | None = None
) -> list[tuple[str, str]]:
    """(field, Russian message) for every problem of the card; empty when it is fine."""
    return (
        _card_problems(data, program)
        + _outcome_problems(data)
        + _module_problems(data)
        + _partner_problems(data, provider or (program.provider if program else None))
    )


def _partners_by_inn(inns: list[str]) -> dict[str, Organization]:
    return {o.inn: o for o in Organization.objects.filter(inn__in=[i for i in inns if i])}


def _partner_problems(data: ProgramData, provider: Organization | None) -> list[tuple[str, str]]:
    """Network form: the partners are organizations of the directory, named by INN, each once,
    other than the provider itself."""
    errors: list[tuple[str, str]] = []
    inns = [i.strip() for i in data.network_partners]
    if len(inns) > NETWORK_PARTNERS_MAX:
        errors.append(
            ("network_partners", _("At most %(n)s partner organizations.") % {"n": NETWORK_PARTNERS_MAX})
        )
        return errors
    found = _partners_by_inn(inns)
    unknown = [i for i in inns if i not in found]
    if unknown:
        errors.append(
            (
                "network_partners",
                _("No organization with INN %(inns)s in the directory.") % {"inns": ", ".join(unknown)},
            )
        )
    if len(set(inns)) != len(inns):
        errors.append(("network_partners", _("A partner organization is listed twice.")))
    if provider is not None and provider.inn and provider.inn in inns:
        errors.append(("network_partners", _("The provider itself is not its own network partner.")))
    return errors


def _card_problems(data: ProgramData, program: Program | None) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if not data.code.strip():
        errors.append(("code", _("Give the program a code.")))
    elif Program.objects.filter(code=data.code.strip()).exclude(pk__in=[program.pk] if program else []).exists():
        errors.append(("code", _("A program with this code already exists.")))
    if data.kind not in ProgramKind.values:
        errors.append(("kind", _("Choose the kind: qualification upgrade or professional retraining.")))
    if len(data.title.strip()) < 10:
        errors.append(("title", _("The title is too short.")))
    if len(data.annotation.strip()) < 40:
        errors.append(("annotation", _("Describe the program in at least a couple of sentences.")))
    if data.kind in MIN_HOURS and data.hours < MIN_HOURS[data.kind]:
        errors.append(
            (
                "hours",
                _("A %(kind)s program must have at least %(n)s hours.")
                % {"kind": ProgramKind(data.kind).label, "n": MIN_HOURS[data.kind]},
            )
        )
    if data.hours > 4000:
        errors.append(("hours", _("More than 4 000 hours is not plausible.")))
    if data.form not in StudyForm.values:
        errors.append(("form", _("Choose the form of study.")))
    if not data.final_assessment.strip():
        errors.append(("final_assessment", _("Give the form of the final assessment.")))
    if not (data.for_teachers or data.for_managers or data.for_students):
        errors.append(("audience", _("Choose at least one category of participants.")))
    if data.price < 0:
        errors.append(("price", _("The price cannot be negative.")))
    unknown = set(data.subjects) - set(Subject.objects.filter(code__in=data.subjects).values_list("code", flat=True))
    if unknown:
        errors.append(("subjects", _("Unknown subjects: %(s)s.") % {"s": ", ".join(sorted(unknown))}))
    return errors


def _outcome_problems(data: ProgramData) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if not data.outcomes:
        errors.append(("outcomes", _("Map the planned results to at least one competency.")))
    leaves = _leaves_by_code([code for code, _w, _t in data.outcomes])
    seen = set()
    for code, weight, _text in data.outcomes:
        if code not in leaves:
            errors.append(
                (
                    "outcomes",
                    _("Competency %(code)s is not a diagnosed competency of a published framework.") % {"code": code},
                )
            )
        if code in seen:
            errors.append(("outcomes", _("Competency %(code)s is listed twice.") % {"code": code}))
        seen.add(code)
        if not 0 < weight <= 1:
            errors.append(("outcomes", _("The coverage of %(code)s must be above 0 and at most 1.") % {"code": code}))
    return errors


def _module_problems(data: ProgramData) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if not data.modules:
        errors.append(("modules", _("List the modules of the program.")))
    elif sum(h for _t, h in data.modules) != data.hours:
        errors.append(("modules", _modules_mismatch(sum(h for _t, h in data.modules), data.hours)))
    if any(h <= 0 or not t.strip() for t, h in data.modules):
        errors.append(("modules", _("Every module needs a title and hours.")))
    return errors


def _write_card(program: Program, data: ProgramData) -> Program:
    leaves = _leaves_by_code([code for code, _w, _t in data.outcomes])
    for name in (
        "kind",
        "hours",
        "form",
        "for_teachers",
        "for_managers",
        "for_students",
        "distance_learning",
        "e_learning",
        "price",
    ):
        setattr(program, name, getattr(data, name))
    program.code = data.code.strip()
    program.title = data.title.strip()
    program.annotation = data.annotation.strip()
    program.positions = [p.strip() for p in data.positions if p.strip()]
    program.final_assessment = data.final_assessment.strip()
    program.developer = data.developer.strip()
    program.search_document = search.document(
        program.title,
        program.annotation,
        search.audience(teachers=data.for_teachers, managers=data.for_managers, students=data.for_students),
        " ".join(program.positions),
        " ".join(t for _c, _w, t in data.outcomes),
        " ".join(leaves[c].title for c, _w, _t in data.outcomes),
        " ".join(Subject.objects.filter(code__in=data.subjects).values_list("name", flat=True)),
        " ".join(t for t, _h in data.modules),
    )
    program.save()
    program.subjects.set(Subject.objects.filter(code__in=data.subjects))
    program.network_partners.set(list(_partners_by_inn([i.strip() for i in data.network_partners]).values()))
    program.outcomes.all().delete()
    ProgramOutcome.objects.bulk_create(
        [ProgramOutcome(program=program, competency=leaves[c], weight=w, text=t) for c, w, t in data.outcomes]
    )
    program.modules.all().delete()
    ProgramModule.objects.bulk_create(
        [
            ProgramModule(program=program, order=i, title=t.strip(), hours=h)
            for i, (t, h) in enumerate(data.modules, start=1)
        ]
    )
    search.reindex(program)
    return program


@transaction.atomic
def program_create(*, actor: User, provider: Organization, data: ProgramData) -> Program:
    require_provider(actor, organization=provider)
    if not provider.licensed_for_dpo:
        raise PermissionDenied(_("The organization has no licence for additional professional education."))
    check_fields(validate_card(data, provider=provider), code="program_invalid")
    program = Program(provider=provider, region_id=provider.region_id, status=ProgramStatus.DRAFT)
    return _write_card(program, data)


@transaction.atomic
def program_register(*, provider: Organization, data: ProgramData, publish: bool, source: str) -> Program:
    """A card from a registry the region already keeps, loaded by the server's operator
    from the command line (no login is involved): a draft of the provider, or, when it
    passed expert review elsewhere (such as the federal register), published at once with
    the source written into its history."""
    if not provider.licensed_for_dpo:
        raise PermissionDenied(_("The organization has no licence for additional professional education."))
    check_fields(validate_card(data, provider=provider), code="program_invalid")
    program = _write_card(Program(provider=provider, region_id=provider.region_id, status=ProgramStatus.DRAFT), data)
    if publish:
        _transition(
            program,
            ProgramStatus.PUBLISHED,
            None,
            _("Published on import: the card passed review outside the platform (%(source)s).") % {"source": source},
        )
    return program


@transaction.atomic
def program_update(*, actor: User, program: Program, data: ProgramData) -> Program:
    program = Program.objects.select_for_update().get(pk=program.pk)
    require_provider(actor, program=program)
    if program.status not in EDITABLE:
        raise Conflict(
            _("The card can be changed only while it is a draft or returned for revision."), code="program_not_editable"
        )
    check_fields(validate_card(data, program=program), code="program_invalid")
    return _write_card(program, data)


def _transition(program: Program, to: str, actor: User | None, comment: str = "") -> None:
    comment = checked_text(comment, field=_("comment"), limit=COMMENT_MAX_CHARS)
    previous = program.status
    ProgramTransition.objects.create(program=program, from_status=previous, to_status=to, by=actor, comment=comment)
    program.status = to
    if to == ProgramStatus.PUBLISHED:
        program.published_at = timezone.now()
    program.save(update_fields=["status", "published_at", "updated_at"])
    if ProgramStatus.PUBLISHED in (previous, to):
        search.reindex(program)


def program_card(program: Program) -> dict[str, Any]:
    """The card as JSON (the import/export format and the version history)."""
    return {
        "code": program.code,
        "kind": program.kind,
        "title": program.title,
        "annotation": program.annotation,
        "audience": {
            "categories": [
                c
                for c, on in (
                    ("teacher", program.for_teachers),
                    ("manager", program.for_managers),
                    ("student", program.for_students),
                )
                if on
            ],
            "positions": program.positions,
            "subjects": sorted(program.subjects.values_list("code", flat=True)),
        },
        "hours": program.hours,
        "form": program.form,
        "distance_learning": program.distance_learning,
        "e_learning": program.e_learning,
        "final_assessment": program.final_assessment,
        "price_rub": program.price / 100,
        "developer": program.developer,
        "outcomes": [
            {"competency": o.competency.code, "weight": o.weight, "text": o.text}
            for o in program.outcomes.select_related("competency")
        ],
        "modules": [{"title": m.title, "hours": m.hours} for m in program.modules.all()],
        "network_partners": [
            {"inn": o.inn, "name": o.name} for o in program.network_partners.order_by("name", "pk")
        ],
    }


@transaction.atomic
def program_submit(*, actor: User, program: Program) -> Program:
    program = Program.objects.select_for_update().get(pk=program.pk)
    require_provider(actor, program=program)
    if program.status not in EDITABLE:
        raise Conflict(_("Only a draft or a returned card can be submitted."), code="program_not_editable")
    if program.status == ProgramStatus.RETURNED:
        program.version += 1
        program.save(update_fields=["version"])
    ProgramVersion.objects.create(
        program=program, version=program.version, card=program_card(program), created_by=actor
    )
    _transition(program, ProgramStatus.SUBMITTED, actor)
    return program


def expert_affiliations(expert: User) -> set[int]:
    """Organizations an expert belongs to: their roles' units and their own educator record."""
    orgs = {g.organization_id for g in people_access.grants(expert) if g.organization_id}
    educator = getattr(expert, "educator", None)
    if educator is not None and educator.organization_id:
        orgs.add(educator.organization_id)
    return orgs


def experts_available(program: Program) -> list[User]:
    """Experts without a conflict of interest, least loaded first."""
    experts = (
        User.objects.filter(role_assignments__role=Role.EXPERT, is_active=True)
        .annotate(load=Count("program_reviews", filter=Q(program_reviews__status=ReviewStatus.ASSIGNED)))
        .order_by("load", "pk")
        .distinct()
    )
    return [e for e in experts if program.provider_id not in expert_affiliations(e)]


def reviewers_pick(
    *,
    experts: list[User] | None,
    available: Callable[[], list[User]],
    current: int,
    taken: set[int],
    conflicted: Callable[[User], bool],
    conflict_message: str,
) -> list[User]:
    """The depository's rule for a review panel, for programs and for the bank of practices:
    the experts chosen (or, without a choice, the least loaded available ones up to
    ``MIN_REVIEWS``), each without a conflict of interest and holding the expert role, and
    enough of them with the ``current`` reviews. Returns the experts not yet on the panel
    (``taken``); refuses with ``ValidationFailed`` before anything is written.
    ``conflict_message`` is a translated text with ``%(name)s``."""
    if experts is None:
        pool = [e for e in available() if e.pk not in taken]
        experts = pool[: max(0, MIN_REVIEWS - current)]
    for expert in experts:
        if conflicted(expert):
            raise ValidationFailed(
                conflict_message % {"name": expert.display_name()}, code="review_conflict_of_interest"
            )
        if not people_access.has_role(expert, Role.EXPERT):
            raise ValidationFailed(
                _("%(name)s is not an expert.") % {"name": expert.display_name()}, code="review_not_expert"
            )
    fresh = list({e.pk: e for e in experts if e.pk not in taken}.values())
    if current + len(fresh) < MIN_REVIEWS:
        raise ValidationFailed(
            _("At least %(n)s experts without a conflict of interest are needed; not enough are available.")
            % {"n": MIN_REVIEWS},
            code="review_not_enough_experts",
        )
    return fresh


@transaction.atomic
def reviews_assign(*, actor: User, program: Program, experts: list[User] | None = None) -> list[Review]:
    """Assign experts (at least two, without conflict of interest) to the submitted card."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    require_moderator(actor, program)
    if program.status not in (ProgramStatus.SUBMITTED, ProgramStatus.IN_REVIEW):
        raise Conflict(_("Experts are assigned to a submitted program."), code="program_not_submitted")
    current = list(program.reviews.filter(program_version=program.version).exclude(status=ReviewStatus.WITHDRAWN))
    taken = {r.expert_id for r in current}
    chosen = reviewers_pick(
        experts=experts,
        available=lambda: experts_available(program),
        current=len(current),
        taken=taken,
        conflicted=lambda e: program.provider_id in expert_affiliations(e),
        conflict_message=_("%(name)s works for the provider: a conflict of interest."),
    )
    created = [
        Review.objects.create(program=program, program_version=program.version, expert=e, assigned_by=actor)
        for e in chosen
    ]
    if program.status == ProgramStatus.SUBMITTED:
        _transition(program, ProgramStatus.IN_REVIEW, actor)
    return created


LOW_SCORE_SHARE = 0.6  # below this share of the maximum a review explains itself
COMMENT_MIN = 20


def review_scores(
    criteria: Mapping[str, Any], scores: Mapping[str, Any], *, named: Iterable[str] = ()
) -> tuple[dict[str, int], list[str]]:
    """A review's scores checked against its ``criteria``: the valid ones (a whole number from 0
    to the criterion's maximum) and the problems, the criteria that the scores (or ``named``,
    e.g. the comments' keys) name but that do not exist among them."""
    problems: list[str] = []
    clean: dict[str, int] = {}
    for code, criterion in criteria.items():
        value = scores.get(code)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= criterion.max_score:
            problems.append(
                _("«%(title)s»: a score from 0 to %(max)s.") % {"title": criterion.title, "max": criterion.max_score}
            )
        else:
            clean[code] = value
    unknown = (set(scores) | set(named)) - set(criteria)
    if unknown:
        problems.append(_("Unknown criteria: %(c)s.") % {"c": ", ".join(sorted(unknown))})
    return clean, problems


def review_contradictions(
    criteria: Mapping[str, Any],
    scores: Mapping[str, int],
    comment: str,
    *,
    positive: bool,
    rejected: bool,
    negative: bool,
    fails: str,
    explain: str,
) -> list[str]:
    """The depository's rules of a review, which the practice bank shares: a ``positive``
    verdict with a criterion scored 0 (``fails``, a message with ``%(criteria)s``), a rejection
    with every score full, and a ``negative`` or low-score review explained in fewer than
    COMMENT_MIN characters (``explain``, with ``%(n)s``) are contradictions."""
    problems = []
    maximum = sum(c.max_score for c in criteria.values()) or 1
    share = sum(scores.values()) / maximum
    failed = [criteria[code].title for code, value in scores.items() if value == 0]
    if positive and failed:
        problems.append(fails % {"criteria": ", ".join(f"«{t}»" for t in failed)})
    if rejected and share >= 1:
        problems.append(_("Every criterion has the full score: a rejection contradicts the scores."))
    if (negative or share < LOW_SCORE_SHARE) and len(comment.strip()) < COMMENT_MIN:
        problems.append(explain % {"n": COMMENT_MIN})
    return problems


def _review_contradictions(criteria: dict, scores: dict[str, int], verdict: str, comment: str) -> list[str]:
    """A verdict must agree with the scores, and a negative or low-score review says why."""
    return review_contradictions(
        criteria,
        scores,
        comment,
        positive=verdict == Verdict.APPROVE,
        rejected=verdict == Verdict.REJECT,
        negative=verdict in (Verdict.REVISE, Verdict.REJECT),
        fails=_(
            "The program does not meet %(criteria)s: a program that fails a criterion is not included in the "
            "depository; return it for revision or reject it."
        ),
        explain=_("Explain to the provider what to change or why the program is rejected (at least %(n)s characters)."),
    )


@transaction.atomic
def review_submit(*, actor: User, review: Review, scores: dict[str, int], verdict: str, comment: str) -> Review:
    review = Review.objects.select_for_update().select_related("program").get(pk=review.pk)
    if review.expert_id != actor.pk:
        raise PermissionDenied(_("This review is assigned to another expert."))
    if review.status != ReviewStatus.ASSIGNED or review.program_version != review.program.version:
        raise Conflict(_("This review is closed."), code="review_closed")
    criteria = {c.code: c for c in ReviewCriterion.objects.all()}
    clean, problems = review_scores(criteria, scores)
    if verdict not in Verdict.values:
        problems.append(_("Choose a verdict."))
    problems += _review_contradictions(criteria, clean, verdict, comment)
    if problems:
        raise ValidationFailed(" ".join(problems), code="review_invalid", details=problems)
    review.scores, review.verdict, review.comment = clean, verdict, comment.strip()
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = timezone.now()
    review.save()
    return review


DECISIONS: dict[str, str] = {
    Verdict.APPROVE: ProgramStatus.APPROVED,
    Verdict.REVISE: ProgramStatus.RETURNED,
    Verdict.REJECT: ProgramStatus.REJECTED,
}


def require_enough_reviews(done: int) -> None:
    """A decision on a program, a practice or a region's program waits for ``MIN_REVIEWS``
    submitted expert reviews."""
    if done < MIN_REVIEWS:
        raise Conflict(
            _("At least %(n)s expert reviews are needed before a decision; %(done)s submitted.")
            % {"n": MIN_REVIEWS, "done": done},
            code="reviews_missing",
        )


@transaction.atomic
def program_decide(*, actor: User, program: Program, decision: str, comment: str = "") -> Program:
    """The operator's decision on the experts' reviews of the current version."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    require_moderator(actor, program)
    if program.status != ProgramStatus.IN_REVIEW:
        raise Conflict(_("A decision is taken on a program under review."), code="program_not_in_review")
    if decision not in DECISIONS:
        raise ValidationFailed(_("Choose a decision."), code="decision_unknown")
    done = program.reviews.filter(program_version=program.version, status=ReviewStatus.SUBMITTED).count()
    require_enough_reviews(done)
    if decision != Verdict.APPROVE and len(comment.strip()) < 10:
        raise ValidationFailed(_("Explain the decision to the provider."), code="decision_comment_required")
    program.reviews.filter(program_version=program.version, status=ReviewStatus.ASSIGNED).update(
        status=ReviewStatus.WITHDRAWN
    )
    _transition(program, DECISIONS[decision], actor, comment.strip())
    return program


@transaction.atomic
def program_publish(*, actor: User, program: Program) -> Program:
    program = Program.objects.select_for_update().get(pk=program.pk)
    require_moderator(actor, program)
    if program.status != ProgramStatus.APPROVED:
        raise Conflict(_("Only an approved program is published."), code="program_not_approved")
    _transition(program, ProgramStatus.PUBLISHED, actor)
    return program


@transaction.atomic
def program_archive(*, actor: User, program: Program, comment: str = "") -> Program:
    program = Program.objects.select_for_update().get(pk=program.pk)
    try:
        require_provider(actor, program=program)
    except PermissionDenied:
        require_moderator(actor, program)
    if program.status != ProgramStatus.PUBLISHED:
        raise Conflict(_("Only a published program is archived."), code="program_not_published")
    _transition(program, ProgramStatus.ARCHIVED, actor, comment)
    return program


# ---------------------------------------------------------------- cohorts


@dataclass
class CohortData:
    start_date: dt.date
    end_date: dt.date
    enrollment_deadline: dt.date
    seats: int
    price: int  # kopecks
    online: bool = False
    municipality_id: int | None = None
    address: str = ""
    availability: str = Availability.REGION


def validate_cohort(program: Program, data: CohortData) -> list[str]:
    errors = []
    if data.end_date < data.start_date:
        errors.append(_("The cohort ends before it starts (dates are inclusive)."))
    if data.enrollment_deadline > data.start_date:
        errors.append(_("Enrollment must close no later than the start."))
    if data.seats <= 0:
        errors.append(_("Give the number of seats."))
    if data.price < 0:
        errors.append(_("The price cannot be negative."))
    if not data.online and not data.municipality_id:
        errors.append(_("Give the place, or mark the cohort as online."))
    if (
        data.municipality_id
        and not Municipality.objects.filter(pk=data.municipality_id, region_id=program.region_id).exists()
    ):
        errors.append(_("The place must be a municipality of the provider's region."))
    if data.availability not in Availability.values:
        errors.append(_("Choose who can enroll."))
    if (data.end_date - data.start_date).days > 730:
        errors.append(_("A cohort longer than two years is not plausible."))
    return errors


@transaction.atomic
def cohort_create(*, actor: User, program: Program, data: CohortData) -> Cohort:
    require_provider(actor, program=program)
    if program.status in (ProgramStatus.REJECTED, ProgramStatus.ARCHIVED):
        raise Conflict(
            _("Cohorts are scheduled for programs that are not rejected or archived."), code="program_closed"
        )
    errors = validate_cohort(program, data)
    if errors:
        raise ValidationFailed(" ".join(errors), code="cohort_invalid", details=errors)
    return Cohort.objects.create(
        program=program,
        region_id=program.region_id,
        start_date=data.start_date,
        end_date=data.end_date,
        enrollment_deadline=data.enrollment_deadline,
        seats=data.seats,
        price=data.price,
        online=data.online,
        municipality_id=None if data.online else data.municipality_id,
        address=data.address.strip(),
        availability=data.availability,
    )


@transaction.atomic
def cohort_cancel(*, actor: User, cohort: Cohort) -> Cohort:
    cohort = Cohort.objects.select_for_update().select_related("program").get(pk=cohort.pk)
    require_provider(actor, program=cohort.program)
    if cohort.status in (CohortStatus.FINISHED, CohortStatus.CANCELLED):
        raise Conflict(_("The cohort is already finished or cancelled."), code="cohort_closed")
    cohort.status = CohortStatus.CANCELLED
    cohort.save(update_fields=["status"])
    return cohort


# ---------------------------------------------------------------- what other apps change


def cohort_seat_take(*, cohort: Cohort) -> None:
    """One more seat of the cohort taken (financing, on an enrollment request; the caller holds
    the cohort's row lock and has checked that a seat is free)."""
    Cohort.objects.filter(pk=cohort.pk).update(seats_taken=F("seats_taken") + 1)


def cohort_seat_release(*, cohort_id: int) -> None:
    """A seat of the cohort given back (financing: a request cancelled or declined before the start)."""
    Cohort.objects.filter(pk=cohort_id, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)


def program_effects_set(*, effects: dict[int, dict[str, dict[str, Any]]]) -> int:
    """Store the measured effect of each program on the competencies it covers (routes measures
    them from re-diagnoses, docs/routes.md); the planner reads them. Returns how many programs."""
    updated = 0
    for program in Program.objects.filter(pk__in=effects):
        program.effect = effects[program.pk]
        program.save(update_fields=["effect"])
        updated += 1
    return updated
