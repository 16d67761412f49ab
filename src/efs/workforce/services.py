"""Writes of the workforce app: the staffing registry, demand inputs, the pipeline,
scenarios and forecast runs. One service = one transaction; every registry change leaves
a ``PostEvent``; nothing is half-saved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.money import format_number
from efs.people import access
from efs.people.public import Educator, Municipality, Organization, Region, Subject, User
from efs.workforce.engine import WorkforceError, project

from . import forecasting
from .access import REGION_LEVEL, may_edit_registry
from .forecasting import post_held_fte
from .models import (
    Assignment,
    ClassCount,
    ContractStatus,
    CurriculumHours,
    EndReason,
    EntrantPlan,
    FirstGradeEntry,
    ForecastCell,
    ForecastRun,
    InputChange,
    LeaveRate,
    Post,
    PostEvent,
    RiskScore,
    Scenario,
    TargetedContract,
)

MAX_YEARS = 10
MIN_YEARS = 5
RISK_HORIZON = 5  # the gap part of the risk index is read this many years ahead


# ---------------------------------------------------------------- permissions


def require_registry_editor(actor: User, organization: Organization) -> None:
    """The school head of the organization, the operator of its municipality or region."""
    if not may_edit_registry(actor, organization):
        raise PermissionDenied(_("You may not change the staffing of this organization."))


def require_region_operator(actor: User, region: Region) -> None:
    access.require_region(
        actor, region.pk, roles=REGION_LEVEL, message=_("Only the operator of this region may do this.")
    )


# ---------------------------------------------------------------- the registry


def fte_text(value: Decimal | float | int) -> str:
    """An FTE as Russian text writes it: 1 -> «1», 0.5 -> «0,5», 1.25 -> «1,25» (a decimal comma,
    no trailing zeros). The one owner of FTE in notes and messages (templates localize it)."""
    return format_number(float(value), 2).rstrip("0").rstrip(",")


def _event(post: Post, actor: User | None, kind: str, note: str = "") -> None:
    PostEvent.objects.create(post=post, actor=actor, kind=kind, note=note[:500])


def _fte(value: Decimal | float | str, *, upper: int, what: str) -> Decimal:
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    if amount <= 0 or amount > upper:
        raise ValidationFailed(_("%(what)s must be above 0 and at most %(upper)s.") % {"what": what, "upper": upper})
    return amount


@transaction.atomic
def post_open(
    *,
    actor: User,
    organization: Organization,
    subject: Subject | None,
    position: str,
    fte: Decimal,
    opened_on: dt.date,
) -> Post:
    require_registry_editor(actor, organization)
    if not position.strip():
        raise ValidationFailed(_("Name the position."))
    post = Post.objects.create(
        region_id=organization.region_id,
        organization=organization,
        subject=subject,
        position=position.strip()[:200],
        fte=_fte(fte, upper=10, what=_("The post's FTE")),
        opened_on=opened_on,
    )
    _event(post, actor, PostEvent.Kind.OPENED, fte_text(post.fte))
    return post


@transaction.atomic
def post_fill(
    *,
    actor: User,
    post: Post,
    educator: Educator,
    fte: Decimal,
    started_on: dt.date,
    out_of_field: bool = False,
) -> Assignment:
    post = Post.objects.select_for_update().get(pk=post.pk)
    require_registry_editor(actor, post.organization)
    if post.closed_on is not None:
        raise Conflict(_("The post is closed."))
    if educator.region_id != post.region_id:
        raise ValidationFailed(_("The educator works in another region."))
    amount = _fte(fte, upper=3, what=_("The holding's FTE"))
    if post_held_fte(post, on=started_on) + amount > post.fte:
        raise Conflict(
            _("The post has only %(free)s FTE free.")
            % {"free": fte_text(post.fte - post_held_fte(post, on=started_on))}
        )
    assignment = Assignment.objects.create(
        post=post,
        region_id=post.region_id,
        educator=educator,
        fte=amount,
        started_on=started_on,
        out_of_field=out_of_field,
    )
    _event(post, actor, PostEvent.Kind.FILLED, f"{educator.pk}: {fte_text(amount)}")
    return assignment


@transaction.atomic
def assignment_end(*, actor: User, assignment: Assignment, ended_on: dt.date, reason: str) -> Assignment:
    assignment = Assignment.objects.select_for_update().select_related("post__organization").get(pk=assignment.pk)
    require_registry_editor(actor, assignment.post.organization)
    if assignment.ended_on is not None:
        raise Conflict(_("This holding has already ended."))
    if reason not in EndReason.values:
        raise ValidationFailed(_("Choose why the holding ended."))
    if ended_on < assignment.started_on:
        raise ValidationFailed(_("A holding cannot end before it started."))
    assignment.ended_on, assignment.end_reason = ended_on, reason
    assignment.save(update_fields=["ended_on", "end_reason"])
    _event(
        assignment.post,
        actor,
        PostEvent.Kind.VACATED,
        f"{assignment.educator_id}: {fte_text(assignment.fte)} ({reason})",
    )
    return assignment


@transaction.atomic
def post_close(*, actor: User, post: Post, closed_on: dt.date) -> Post:
    post = Post.objects.select_for_update().get(pk=post.pk)
    require_registry_editor(actor, post.organization)
    if post.closed_on is not None:
        raise Conflict(_("The post is already closed."))
    if post.assignments.filter(ended_on__isnull=True).exists():
        raise Conflict(_("End the holdings of the post first."))
    if closed_on < post.opened_on:
        raise ValidationFailed(_("A post cannot close before it opened."))
    post.closed_on = closed_on
    post.save(update_fields=["closed_on"])
    _event(post, actor, PostEvent.Kind.CLOSED)
    return post


@transaction.atomic
def post_change(*, actor: User, post: Post, fte: Decimal, position: str) -> Post:
    post = Post.objects.select_for_update().get(pk=post.pk)
    require_registry_editor(actor, post.organization)
    if post.closed_on is not None:
        raise Conflict(_("The post is closed."))
    amount = _fte(fte, upper=10, what=_("The post's FTE"))
    if post_held_fte(post) > amount:
        raise Conflict(_("The post's holders hold more than that."))
    before = f"{post.position}, {fte_text(post.fte)}"
    post.fte, post.position = amount, (position.strip() or post.position)[:200]
    post.save(update_fields=["fte", "position"])
    _event(post, actor, PostEvent.Kind.CHANGED, f"{before} → {post.position}, {fte_text(post.fte)}")
    return post


# ---------------------------------------------------------------- region settings


@dataclass(frozen=True)
class Band:
    from_age: int
    to_age: int
    rate: Decimal


ENTRY_PUPILS_MAX = 100_000  # first-graders of one municipality in a year
ENTRANT_FTE_MAX = Decimal(1000)  # planned entrants of one municipality × subject in a year
INPUT_YEAR_MIN, INPUT_YEAR_MAX = 2000, 2100
CURRICULUM_HOURS_MAX = Decimal(20)


def _changed(*, region: Region, actor: User | None, kind: str, subject: str, before: str, after: str) -> None:
    InputChange.objects.create(
        region=region,
        actor=actor,
        kind=kind,
        subject=subject[:300],
        before=before[:500],
        after=after[:500],
    )


def _bands_text(bands) -> str:
    return "; ".join(f"{b.from_age}–{b.to_age}: {Decimal(str(b.rate)).normalize():f}" for b in bands)


@transaction.atomic
def leave_rates_set(*, actor: User, region: Region, bands: list[Band]) -> None:
    """Replace the region's default leave rates (bands must not share an age); history kept."""
    require_region_operator(actor, region)
    from efs.workforce.engine import LeaveBand
    from efs.workforce.engine.model import check_bands

    if not bands:
        raise ValidationFailed(_("Give at least one age band."))
    try:
        check_bands([LeaveBand(b.from_age, b.to_age, float(b.rate)) for b in bands])
    except WorkforceError:
        raise ValidationFailed(
            _("Age bands must lie within 14–100, not overlap, and rates must be between 0 and 1.")
        ) from None
    current = list(LeaveRate.objects.select_for_update().filter(region=region).order_by("from_age"))
    ordered = sorted(bands, key=lambda b: b.from_age)
    before, after = _bands_text(current), _bands_text(ordered)
    if before == after:
        return
    LeaveRate.objects.filter(region=region).delete()
    LeaveRate.objects.bulk_create(
        LeaveRate(region=region, from_age=b.from_age, to_age=b.to_age, rate=b.rate) for b in ordered
    )
    _changed(
        region=region,
        actor=actor,
        kind=InputChange.Kind.LEAVE_RATES,
        subject=_("default leave rates"),
        before=before,
        after=after,
    )


@transaction.atomic
def leave_rates_load(*, region: Region, bands: list[tuple[int, int, Decimal]]) -> None:
    """The region's default leave rates, set by the platform (the demo, a new region)."""
    LeaveRate.objects.filter(region=region).delete()
    LeaveRate.objects.bulk_create(
        LeaveRate(region=region, from_age=low, to_age=high, rate=rate) for low, high, rate in bands
    )


def _hours(value: Decimal) -> Decimal:
    if not value.is_finite() or not (Decimal(0) <= value <= CURRICULUM_HOURS_MAX):
        raise ValidationFailed(_("Weekly hours are from 0 to 20."))
    if value != value.quantize(Decimal("0.1")):
        raise ValidationFailed(_("Weekly hours have at most one decimal place."))
    return value.quantize(Decimal("0.1"))


@transaction.atomic
def curriculum_set(*, actor: User, region: Region, subject: Subject, hours: dict[int, Decimal | None]) -> int:
    """Set a subject's weekly hours per grade for the region; ``None`` (or the federal
    value) drops the region's own row, so the federal curriculum applies again.
    Returns how many grades changed; each change is kept in the history."""
    require_region_operator(actor, region)
    if not hours or any(not (1 <= grade <= 11) for grade in hours):
        raise ValidationFailed(_("A grade is 1–11 and weekly hours 0–20."))
    wanted = {grade: None if v is None else _hours(Decimal(v)) for grade, v in hours.items()}
    federal = dict(CurriculumHours.objects.filter(region__isnull=True, subject=subject).values_list("grade", "hours"))
    own = {row.grade: row for row in CurriculumHours.objects.select_for_update().filter(region=region, subject=subject)}
    changed = 0
    for grade, value in sorted(wanted.items()):
        row = own.get(grade)
        before = row.hours if row is not None else federal.get(grade)
        if value is None or (row is None and value == federal.get(grade)):
            target = None  # the federal curriculum
        else:
            target = value
        if target is None and row is None:
            continue
        if target is not None and row is not None and row.hours == target:
            continue
        if target is None:
            assert row is not None  # neither a row nor a target was skipped above
            row.delete()
        elif row is None:
            CurriculumHours.objects.create(region=region, subject=subject, grade=grade, hours=target)
        else:
            row.hours = target
            row.save(update_fields=["hours"])
        after = target if target is not None else federal.get(grade)
        _changed(
            region=region,
            actor=actor,
            kind=InputChange.Kind.CURRICULUM,
            subject=_("%(subject)s, grade %(grade)s") % {"subject": subject.name, "grade": grade},
            before="—" if before is None else f"{before}",
            after=("—" if after is None else f"{after}") + ("" if target is not None else " " + _("(federal)")),
        )
        changed += 1
    return changed


def _input_year(year: int) -> int:
    if not (INPUT_YEAR_MIN <= year <= INPUT_YEAR_MAX):
        raise ValidationFailed(_("The year must be within 2000–2100."))
    return year


def _own_municipality(region: Region, municipality: Municipality) -> None:
    if municipality.region_id != region.pk:
        raise ValidationFailed(_("The municipality is in another region."))


@transaction.atomic
def first_grade_entry_set(
    *,
    actor: User,
    region: Region,
    municipality: Municipality,
    year: int,
    pupils: int | None,
) -> FirstGradeEntry | None:
    """The region's projection of a municipality's first-graders in a year; ``None`` removes
    it (grade 1 then holds its last value in the forecast). History kept."""
    require_region_operator(actor, region)
    _own_municipality(region, municipality)
    _input_year(year)
    if pupils is not None and not (0 <= pupils <= ENTRY_PUPILS_MAX):
        raise ValidationFailed(_("First-graders are from 0 to 100 000."))
    row = FirstGradeEntry.objects.select_for_update().filter(municipality=municipality, year=year).first()
    before = "—" if row is None else str(row.pupils)
    if pupils is None:
        if row is None:
            return None
        row.delete()
        result = None
    elif row is None:
        result = FirstGradeEntry.objects.create(region=region, municipality=municipality, year=year, pupils=pupils)
    elif row.pupils == pupils:
        return row
    else:
        row.pupils = pupils
        row.save(update_fields=["pupils"])
        result = row
    _changed(
        region=region,
        actor=actor,
        kind=InputChange.Kind.FIRST_GRADE,
        subject=f"{municipality.name}, {year}",
        before=before,
        after="—" if pupils is None else str(pupils),
    )
    return result


@transaction.atomic
def entrant_plan_set(
    *,
    actor: User,
    region: Region,
    municipality: Municipality,
    subject: Subject,
    year: int,
    source: str,
    fte: Decimal,
    age: int = 23,
) -> EntrantPlan | None:
    """Planned entrants (graduates who take posts, returners) of a municipality × subject
    in a year, in ставки; 0 removes the row. History kept."""
    require_region_operator(actor, region)
    _own_municipality(region, municipality)
    _input_year(year)
    if source not in EntrantPlan.Source.values:
        raise ValidationFailed(_("Choose where the entrants come from."))
    fte = Decimal(fte)
    if not fte.is_finite() or not (Decimal(0) <= fte <= ENTRANT_FTE_MAX):
        raise ValidationFailed(_("Planned entrants are from 0 to 1000 FTE."))
    fte = fte.quantize(Decimal("0.01"))
    if not (14 <= age <= 100):
        raise ValidationFailed(_("The age on entry is from 14 to 100."))
    row = (
        EntrantPlan.objects.select_for_update()
        .filter(municipality=municipality, subject=subject, year=year, source=source)
        .first()
    )
    before = "—" if row is None else f"{row.fte} ({row.age})"
    if fte == 0:
        if row is None:
            return None
        row.delete()
        result = None
    elif row is None:
        result = EntrantPlan.objects.create(
            region=region,
            municipality=municipality,
            subject=subject,
            year=year,
            source=source,
            fte=fte,
            age=age,
        )
    elif row.fte == fte and row.age == age:
        return row
    else:
        row.fte, row.age = fte, age
        row.save(update_fields=["fte", "age"])
        result = row
    _changed(
        region=region,
        actor=actor,
        kind=InputChange.Kind.ENTRANTS,
        subject=f"{municipality.name}, {subject.name}, {year}, {EntrantPlan.Source(source).label}",
        before=before,
        after="—" if fte == 0 else f"{fte} ({age})",
    )
    return result


CLASSES_MAX, PUPILS_MAX = 200, 10_000  # one school's grade in a year (the import's bounds)


@dataclass(frozen=True)
class GradeCount:
    classes: int
    pupils: int


def _grade_count(grade: int, count: GradeCount) -> GradeCount:
    if not (0 <= count.classes <= CLASSES_MAX) or not (0 <= count.pupils <= PUPILS_MAX):
        raise ValidationFailed(
            _("Grade %(grade)s: classes are from 0 to 200, pupils from 0 to 10 000.") % {"grade": grade}
        )
    if (count.classes == 0) != (count.pupils == 0) or count.classes > count.pupils:
        raise ValidationFailed(
            _("Grade %(grade)s: pupils need at least one class, and a class at least one pupil.") % {"grade": grade}
        )
    return count


@transaction.atomic
def classes_set(
    *,
    actor: User,
    organization: Organization,
    year: int,
    grades: dict[int, GradeCount | None],
) -> int:
    """A school's classes and pupils per grade in a school year (its autumn year); ``None``
    removes the grade's row. The school's head and its municipality's and region's operators
    may; returns how many grades changed, each change kept in the history."""
    require_registry_editor(actor, organization)
    _input_year(year)
    if not grades or any(not (1 <= grade <= 11) for grade in grades):
        raise ValidationFailed(_("A grade is 1–11."))
    wanted = {g: None if c is None else _grade_count(g, c) for g, c in grades.items()}
    rows = {
        row.grade: row for row in ClassCount.objects.select_for_update().filter(organization=organization, year=year)
    }
    region = organization.region
    changed = 0
    for grade, count in sorted(wanted.items()):
        row = rows.get(grade)
        before = "—" if row is None else f"{row.classes} / {row.pupils}"
        if count is None:
            if row is None:
                continue
            row.delete()
        elif row is None:
            ClassCount.objects.create(
                region=region,
                organization=organization,
                year=year,
                grade=grade,
                classes=count.classes,
                pupils=count.pupils,
            )
        elif (row.classes, row.pupils) == (count.classes, count.pupils):
            continue
        else:
            row.classes, row.pupils = count.classes, count.pupils
            row.save(update_fields=["classes", "pupils"])
        InputChange.objects.create(
            region=region,
            organization=organization,
            actor=actor,
            kind=InputChange.Kind.CLASSES,
            subject=(
                _("%(organization)s, %(year)s/%(next)s, grade %(grade)s")
                % {"organization": organization.name, "year": year, "next": (year + 1) % 100, "grade": grade}
            )[:300],
            before=before,
            after="—" if count is None else f"{count.classes} / {count.pupils}",
        )
        changed += 1
    return changed


# ---------------------------------------------------------------- the pipeline


@transaction.atomic
def contract_place(*, actor: User, contract: TargetedContract, post: Post, placed_on: dt.date) -> TargetedContract:
    """Record that the graduate took a post: the contract is fulfilled and the post filled."""
    contract = TargetedContract.objects.select_for_update().get(pk=contract.pk)
    require_region_operator(actor, Region.objects.get(pk=contract.region_id))
    if contract.status != ContractStatus.STUDYING:
        raise Conflict(_("The contract is not waiting for a placement."))
    free = post.fte - post_held_fte(post, on=placed_on)
    post_fill(
        actor=actor,
        post=post,
        educator=contract.student,
        fte=min(Decimal("1.00"), free) if free > 0 else Decimal("1.00"),
        started_on=placed_on,
    )
    contract.status, contract.placed_post, contract.placed_on = (
        ContractStatus.PLACED,
        post,
        placed_on,
    )
    contract.save(update_fields=["status", "placed_post", "placed_on"])
    return contract


@transaction.atomic
def contract_break(*, actor: User, contract: TargetedContract) -> TargetedContract:
    contract = TargetedContract.objects.select_for_update().get(pk=contract.pk)
    require_region_operator(actor, Region.objects.get(pk=contract.region_id))
    if contract.status != ContractStatus.STUDYING:
        raise Conflict(_("The contract is not waiting for a placement."))
    contract.status = ContractStatus.BROKEN
    contract.save(update_fields=["status"])
    return contract


# ---------------------------------------------------------------- scenarios and runs


@transaction.atomic
def scenario_create(
    *,
    actor: User | None,
    region: Region,
    name: str,
    retention_gain: Decimal = Decimal(0),
    extra_targeted: int = 0,
    extra_subject: Subject | None = None,
    new_school_municipality: Municipality | None = None,
    new_school_pupils: int = 0,
    new_school_year: int | None = None,
) -> Scenario:
    if actor is not None:  # None: the platform itself (the demo)
        require_region_operator(actor, region)
    if not name.strip():
        raise ValidationFailed(_("Name the scenario."))
    if new_school_municipality is not None and new_school_municipality.region_id != region.pk:
        raise ValidationFailed(_("The municipality is in another region."))
    if (
        not (Decimal(0) <= retention_gain <= Decimal(100))
        or not (0 <= extra_targeted <= 10_000)
        or not (0 <= new_school_pupils <= 5_000)
    ):
        raise ValidationFailed(_("A value of the scenario is out of range."))
    return Scenario.objects.create(
        region=region,
        name=name.strip()[:200],
        retention_gain=retention_gain,
        extra_targeted=extra_targeted,
        extra_subject=extra_subject,
        new_school_municipality=new_school_municipality,
        new_school_pupils=new_school_pupils,
        new_school_year=new_school_year,
    )


def _band_shares(by_band: np.ndarray) -> list[float]:
    return [round(float(v), 4) for v in by_band]


@transaction.atomic
def forecast_run(
    *,
    actor: User | None,
    region: Region,
    years: int = MAX_YEARS,
    scenario: Scenario | None = None,
    base_year: int | None = None,
    check: bool = True,
) -> ForecastRun:
    """Project the region (or a scenario) and store the cells; a base run also stores risk."""
    if actor is not None and check:
        require_region_operator(actor, region)
    if not (MIN_YEARS <= years <= MAX_YEARS):
        raise ValidationFailed(_("A forecast looks 5 to 10 years ahead."))
    if scenario is not None and scenario.region_id != region.pk:
        raise ValidationFailed(_("The scenario belongs to another region."))
    base = base_year or forecasting.school_year(timezone.localdate())
    if not LeaveRate.objects.filter(region=region).exists():
        raise ValidationFailed(_("Set the region's default leave rates first."))
    inputs = forecasting.gather(region.pk, base, years, scenario)
    problem, cells = forecasting.problem_of(inputs)
    multiplier = 1.0 - float(scenario.retention_gain) / 100 if scenario is not None else 1.0
    hidden = np.array([inputs.hidden.get(cell, 0.0) for cell in cells])
    result = project(problem, rate_multiplier=multiplier, hidden_fte=hidden, by_age_band=True)
    run = ForecastRun.objects.create(
        region=region,
        scenario=scenario,
        base_year=base,
        years=years,
        created_by=actor,
        rates=[
            {"from_age": b.from_age, "to_age": b.to_age, "rate": round(b.rate, 4), "source": source}
            for b, source in zip(inputs.bands, inputs.band_sources, strict=True)
        ]
        + [
            {
                "placement_rate": round(inputs.placement_rate, 4),
                "placement_history": inputs.placement_history,
                "without_age": inputs.without_age,
            }
        ],
    )
    assert result.supply_by_band is not None
    rows = []
    for position, (municipality, subject) in enumerate(cells):
        for step, year in enumerate(result.years):
            rows.append(
                ForecastCell(
                    run=run,
                    municipality_id=municipality,
                    subject_id=subject,
                    year=year,
                    supply=float(result.supply[position, step]),
                    demand=float(result.demand[position, step]),
                    hidden=float(hidden[position]),
                    leavers=float(result.leavers[position, step]),
                    entrants=float(result.entrants[position, step]),
                    by_age_band=_band_shares(result.supply_by_band[position, step]),
                )
            )
    ForecastCell.objects.bulk_create(rows, batch_size=2000)
    if scenario is None:
        _store_risk(run, inputs, cells, result)
    return run


def _store_risk(run: ForecastRun, inputs: forecasting.Inputs, cells: list[forecasting.Cell], result) -> None:
    from . import queries

    held: dict[forecasting.Cell, float] = {}
    aged_60: dict[forecasting.Cell, float] = {}
    for holding in inputs.holdings:
        held[holding.cell] = held.get(holding.cell, 0.0) + holding.fte
        if holding.age is not None and holding.age >= 60:
            aged_60[holding.cell] = aged_60.get(holding.cell, 0.0) + holding.fte
    deficits = queries.deficit_shares(inputs.region_id, [h for h in inputs.holdings])
    step = min(RISK_HORIZON, run.years) - 1
    rows = []
    for position, cell in enumerate(cells):
        total = held.get(cell, 0.0)
        demand = float(result.demand[position, step])
        gap = float(result.total_gap[position, step])
        parts = {
            "aged_60": aged_60.get(cell, 0.0) / total if total else 0.0,
            "vacancy": inputs.vacant_fte.get(cell, 0.0) / inputs.post_fte[cell] if inputs.post_fte.get(cell) else 0.0,
            "overload": inputs.overload_fte.get(cell, 0.0) / total if total else 0.0,
            "gap": min(1.0, max(0.0, gap) / demand) if demand > 0 else 0.0,
            "deficits": deficits.get(cell, 0.0),
        }
        rows.append(
            RiskScore(
                run=run,
                municipality_id=cell[0],
                subject_id=cell[1],
                index=round(100 * sum(parts.values()) / len(parts), 2),
                **{k: round(v, 4) for k, v in parts.items()},
            )
        )
    RiskScore.objects.bulk_create(rows, batch_size=2000)


# ---------------------------------------------------------------- bulk loading (demo, migrations of old registries)


@dataclass(frozen=True)
class HoldingRow:
    educator_id: int
    fte: Decimal
    started_on: dt.date
    ended_on: dt.date | None = None
    end_reason: str = ""
    out_of_field: bool = False


@dataclass(frozen=True)
class PostRow:
    organization_id: int
    subject_id: int | None
    position: str
    fte: Decimal
    opened_on: dt.date
    holdings: tuple[HoldingRow, ...] = ()
    closed_on: dt.date | None = None


@transaction.atomic
def registry_load(*, region: Region, posts: list[PostRow], profiles: dict[int, tuple[str, int | None]]) -> int:
    """Create posts with their holdings (past and present) and educators' education in bulk.

    For loading a whole registry at once (the demo, a region's existing registry); the
    rows are trusted to satisfy the model constraints, which the database still checks.
    """
    created = Post.objects.bulk_create(
        [
            Post(
                region=region,
                organization_id=p.organization_id,
                subject_id=p.subject_id,
                position=p.position[:200],
                fte=p.fte,
                opened_on=p.opened_on,
                closed_on=p.closed_on,
            )
            for p in posts
        ],
        batch_size=2000,
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                post=post,
                region=region,
                educator_id=h.educator_id,
                fte=h.fte,
                started_on=h.started_on,
                ended_on=h.ended_on,
                end_reason=h.end_reason,
                out_of_field=h.out_of_field,
            )
            for post, row in zip(created, posts, strict=True)
            for h in row.holdings
        ],
        batch_size=2000,
    )
    PostEvent.objects.bulk_create(
        [PostEvent(post=post, kind=PostEvent.Kind.IMPORTED, note=fte_text(post.fte)) for post in created],
        batch_size=2000,
    )
    from .models import Profile

    Profile.objects.bulk_create(
        [
            Profile(
                educator_id=educator,
                region=region,
                education=education,
                education_subject_id=subject,
            )
            for educator, (education, subject) in profiles.items()
        ],
        batch_size=2000,
    )
    return len(created)


@transaction.atomic
def demand_load(
    *,
    region: Region,
    classes: list[tuple[int, int, int, int, int]],
    entry: list[tuple[int, int, int]],
    entrants: list[tuple[int, int, int, str, Decimal]],
) -> None:
    """Classes (organization, year, grade, classes, pupils), first-grade entry (municipality,
    year, pupils) and planned entrants (municipality, subject, year, source, fte) in bulk."""
    from .models import EntrantPlan, FirstGradeEntry

    ClassCount.objects.bulk_create(
        [
            ClassCount(region=region, organization_id=o, year=y, grade=g, classes=c, pupils=p)
            for o, y, g, c, p in classes
        ],
        batch_size=2000,
    )
    FirstGradeEntry.objects.bulk_create(
        [FirstGradeEntry(region=region, municipality_id=m, year=y, pupils=p) for m, y, p in entry],
        batch_size=2000,
    )
    EntrantPlan.objects.bulk_create(
        [
            EntrantPlan(region=region, municipality_id=m, subject_id=s, year=y, source=src, fte=f)
            for m, s, y, src, f in entrants
        ],
        batch_size=2000,
    )


@transaction.atomic
def contracts_load(*, region: Region, contracts: list[dict]) -> int:
    """Targeted contracts in bulk (each dict holds the model's fields by id)."""
    TargetedContract.objects.bulk_create([TargetedContract(region=region, **row) for row in contracts], batch_size=2000)
    return len(contracts)


def weekly_hours() -> dict[str, float]:
    """Weekly hours per subject code over grades 1–11 of the federal curriculum."""
    totals: dict[str, float] = {}
    for code, hours in CurriculumHours.objects.filter(region__isnull=True).values_list("subject__code", "hours"):
        totals[code] = totals.get(code, 0.0) + float(hours)
    return totals


def federal_curriculum_load() -> int:
    """The federal curriculum's weekly hours (data/curriculum.json) for subjects that exist."""
    import json
    from pathlib import Path

    data = json.loads((Path(__file__).resolve().parent / "data" / "curriculum.json").read_text(encoding="utf-8"))
    subjects = dict(Subject.objects.values_list("code", "id"))
    rows = [
        CurriculumHours(region=None, subject_id=subjects[code], grade=int(grade), hours=Decimal(str(hours)))
        for code, grades in data["hours"].items()
        if code in subjects
        for grade, hours in grades.items()
    ]
    with transaction.atomic():
        CurriculumHours.objects.filter(region__isnull=True).delete()
        CurriculumHours.objects.bulk_create(rows)
    return len(rows)
