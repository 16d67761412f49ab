"""Reads of monitoring: indicator values per unit and period from the published build.

Dashboards read only the analytics table (facts), never the domain tables. Below the
region level a value whose numerator, denominator or their difference counts 1–4 people
is suppressed (see docs/monitoring.md for the rule and its limits).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from efs.errors import ValidationFailed
from efs.people.public import Macroregion, Municipality, Organization, Region
from efs.periods import add_months

from .elements import ELEMENTS
from .models import Build, BuildStatus, Direction, Fact, FormulaVersion, Indicator, Level, Target

SMALL = 5  # counts of 1..4 people are not shown below the region level
FEDERAL_NAME = "Российская Федерация"
STATUS_WORDS = {
    "achieved": "цель достигнута",
    "on_track": "в графике",
    "behind": "отстаёт",
    "no_target": "цель не задана",
    "no_data": "нет данных",
}


@dataclass(frozen=True)
class Period:
    text: str
    year: int
    months: tuple[dt.date, ...]  # the period's months that the build covers

    @property
    def last(self) -> dt.date | None:
        return self.months[-1] if self.months else None


def parse_period(text: str, build: Build | None) -> Period:
    """`YYYY`, `YYYY-MM` or `YYYY-Qn`, clipped to the months the build covers."""
    text = (text or "").strip()
    if m := re.fullmatch(r"(\d{4})", text):
        year, first, count = int(m[1]), dt.date(int(m[1]), 1, 1), 12
    elif m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ValidationFailed(_("The period is YYYY, YYYY-MM or YYYY-Qn."), code="period_invalid")
        first, count = dt.date(year, month, 1), 1
    elif m := re.fullmatch(r"(\d{4})-[QqКк]([1-4])", text):
        year, first, count = int(m[1]), dt.date(int(m[1]), 3 * int(m[2]) - 2, 1), 3
    else:
        raise ValidationFailed(_("The period is YYYY, YYYY-MM or YYYY-Qn."), code="period_invalid")
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("The year is between 2000 and 2100."), code="year_range")
    months = [add_months(first, i) for i in range(count)]
    if build is not None:
        months = [mo for mo in months if build.first_month <= mo <= build.last_month]
    else:
        months = []
    return Period(text=text, year=year, months=tuple(months))


def published_build() -> Build | None:
    return Build.objects.filter(status=BuildStatus.PUBLISHED).order_by("-id").first()


def facts(build: Build, months=None) -> QuerySet[Fact]:
    """The build's facts: the one way to read the analytics table (no extra query).

    An incremental build holds only the months from `own_from` on and reads the earlier ones
    from its base (a full build): `(build = base AND month < own_from) OR (build = it AND
    month >= own_from)`, which PostgreSQL prunes to the two builds' partitions. `months`, when
    the caller knows them, narrows the read to the one build that holds them all."""
    if build.base_id is None or build.own_from is None:
        return Fact.objects.filter(build_id=build.pk)
    own_from = build.own_from
    if months is not None:
        months = list(months)
        if months and all(m >= own_from for m in months):
            return Fact.objects.filter(build_id=build.pk)
        if months and all(build.first_month <= m < own_from for m in months):
            return Fact.objects.filter(build_id=build.base_id)
    return Fact.objects.filter(build_id__in=[build.base_id, build.pk]).filter(
        Q(build_id=build.base_id, month__gte=build.first_month, month__lt=own_from)
        | Q(build_id=build.pk, month__gte=own_from)
    )


def current_formula(indicator: Indicator) -> FormulaVersion | None:
    """The newest version (from the prefetched versions when the caller prefetched them)."""
    return max(indicator.versions.all(), key=lambda v: v.version, default=None)


@dataclass
class IndicatorValue:
    unit_id: int
    unit_name: str
    level: str
    numerator: int | None
    denominator: int | None
    value: float | None
    target: float | None
    expected: float | None
    formula_version: int
    status: str
    suppressed: bool = False
    unit: str = "%"
    trend: list[float | None] = field(default_factory=list)
    counts: bool = True  # numerator and denominator count people or things, not money or hundredths of an FTE

    @property
    def fraction(self) -> str:
        """«2 281 / 5 000» beside a share; empty where the parts are not plain counts."""
        if not self.counts or self.numerator is None or self.denominator is None:
            return ""
        parts = (number_format(n, 0, use_l10n=True, force_grouping=True) for n in (self.numerator, self.denominator))
        return " / ".join(parts)

    def _fmt(self, number: float | None) -> str:
        if number is None:
            return "—"
        digits = 1 if self.unit in {"%", "‰"} else 0
        text = number_format(round(number, digits), digits, use_l10n=True, force_grouping=True)
        return f"{text}\u00a0{self.unit}" if self.unit else text

    @property
    def display(self) -> str:
        return _("fewer than 5 people") if self.suppressed else self._fmt(self.value)

    @property
    def target_display(self) -> str:
        return self._fmt(self.target)

    @property
    def expected_display(self) -> str:
        return self._fmt(self.expected)

    @property
    def status_word(self) -> str:
        return STATUS_WORDS[self.status]

    def spark(self, width: int = 120, height: int = 28) -> str:
        """SVG polyline points of the trend (last 12 months), empty when fewer than two values."""
        values = [v for v in self.trend if v is not None]
        if len(values) < 2:
            return ""
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        step = width / (len(self.trend) - 1)
        return " ".join(
            f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
            for i, v in enumerate(self.trend)
            if v is not None
        )

    def as_json(self) -> dict:
        return {
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": None if self.value is None else round(self.value, 6),
            "target": self.target,
            "formula_version": self.formula_version,
        }


def unit_names(level: str, unit_ids) -> dict[int, str]:
    ids = list(unit_ids)
    if level == Level.FEDERAL:
        return {0: FEDERAL_NAME}
    unit_models: dict[str, type[Organization | Municipality | Region | Macroregion]] = {
        Level.ORGANIZATION: Organization,
        Level.MUNICIPALITY: Municipality,
        Level.REGION: Region,
        Level.MACROREGION: Macroregion,
    }
    model = unit_models[level]
    if model is Organization:  # the short name where there is one
        return {
            pk: short or name
            for pk, short, name in model.objects.filter(pk__in=ids).values_list("pk", "short_name", "name")
        }
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def _element_sums(
    build: Build,
    codes: set[str],
    level: str,
    months: tuple[dt.date, ...],
    *,
    unit_ids=None,
    region_id: int | None = None,
    municipality_id: int | None = None,
) -> dict[tuple[str, int, dt.date], int]:
    """{(element, unit id, month): value} for the given level (macroregions sum their regions)."""
    stored_level = Level.REGION if level == Level.MACROREGION else level
    qs = facts(build, months).filter(element__in=codes, level=stored_level, month__in=months)
    member_of: dict[int, list[int]] = {}
    if level == Level.MACROREGION:
        macros = Macroregion.objects.prefetch_related("regions")
        if unit_ids is not None:
            macros = macros.filter(pk__in=list(unit_ids))
        for macro in macros:
            for region in macro.regions.all():
                member_of.setdefault(region.pk, []).append(macro.pk)
        qs = qs.filter(unit_id__in=list(member_of))
    elif unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    if municipality_id is not None:
        qs = qs.filter(municipality_id=municipality_id)
    out: dict[tuple[str, int, dt.date], int] = defaultdict(int)
    # A plain fetch, not .iterator(): on PostgreSQL that is a server-side cursor declared
    # WITH HOLD, which costs more than the few thousand rows a page reads.
    for element, unit, month, value in qs.values_list("element", "unit_id", "month", "value"):
        for target_unit in member_of.get(unit, [unit]) if level == Level.MACROREGION else [unit]:
            out[(element, target_unit, month)] += value
    return out


def _combine(sums, codes: list[str], unit_id: int, months: tuple[dt.date, ...]) -> int:
    total = 0
    for code in codes:
        if ELEMENTS[code].aggregation == "flow":
            total += sum(sums.get((code, unit_id, m), 0) for m in months)
        else:
            total += sums.get((code, unit_id, months[-1]), 0) if months else 0
    return total


def _ratio(num: int, den: int, codes_den: list[str], factor: Decimal) -> float | None:
    if not codes_den:
        return float(num * factor)
    return None if den == 0 else float(Decimal(num) / Decimal(den) * factor)


def _people(codes: list[str]) -> bool:
    return any(ELEMENTS[c].people for c in codes)


@dataclass
class _Batch:
    """What the passports of one read share: the period, the months and the facts."""

    build: Build
    p: Period
    level: str
    months: tuple[dt.date, ...]
    previous_dec: dt.date
    wanted_months: set[dt.date]
    all_months: tuple[dt.date, ...]
    sums: dict[tuple[str, int, dt.date], int]
    names: dict[int, str]
    targets: dict[tuple[int, int], Decimal]
    suppress: bool
    trend: bool

    @property
    def last(self) -> dt.date:
        """The period's last month (a batch is made only for a period with months)."""
        assert self.p.last is not None
        return self.p.last


def indicator_values(*, indicator: Indicator, **kwargs) -> list[IndicatorValue]:
    """The indicator per unit of `level` (optionally only some units, or the children of a
    region or municipality), for `period`, with its target, trajectory and status."""
    return indicator_values_many([indicator], **kwargs).get(indicator.pk, [])


def indicator_values_many(
    indicators,
    *,
    level: str,
    period: str,
    unit_ids=None,
    region_id: int | None = None,
    municipality_id: int | None = None,
    suppress: bool = False,
    trend: bool = False,
    build: Build | None = None,
) -> dict[int, list[IndicatorValue]]:
    """`indicator_values` of several passports at once, {indicator pk: values}: one read of the
    analytics table, one of the units' names and one of the targets, whatever their number."""
    build = build or published_build()
    indicators = list(indicators)
    formulas: dict[int, FormulaVersion] = {}
    for ind in indicators:
        if (formula := current_formula(ind)) is not None:
            formulas[ind.pk] = formula
    p = parse_period(period, build)
    live = [ind for ind in indicators if ind.pk in formulas]
    if build is None or not live or not p.months:
        return {}
    assert p.last is not None  # p.months is not empty
    previous_dec = dt.date(p.year - 1, 12, 1)
    wanted_months = set(p.months)
    if previous_dec >= build.first_month:
        wanted_months.add(previous_dec)
    if trend:
        wanted_months |= {add_months(p.last, -i) for i in range(12) if add_months(p.last, -i) >= build.first_month}
    codes = {c for ind in live for c in (*formulas[ind.pk].numerator, *formulas[ind.pk].denominator)}
    all_months = tuple(sorted(wanted_months))
    sums = _element_sums(
        build, codes, level, all_months, unit_ids=unit_ids, region_id=region_id, municipality_id=municipality_id
    )
    units_of: dict[str, set[int]] = defaultdict(set)
    for code, unit, _month in sums:
        units_of[code].add(unit)
    asked = set(unit_ids) if unit_ids is not None else set()
    every_unit = set().union(*units_of.values()) | asked
    targets = {
        (indicator_id, unit): value
        for indicator_id, unit, value in Target.objects.filter(
            indicator__in=[ind.pk for ind in live], year=p.year, level=level, unit_id__in=every_unit
        ).values_list("indicator_id", "unit_id", "value")
    }
    batch = _Batch(
        build=build,
        p=p,
        level=level,
        months=p.months,
        previous_dec=previous_dec,
        wanted_months=wanted_months,
        all_months=all_months,
        sums=sums,
        names=unit_names(level, every_unit),
        targets=targets,
        suppress=suppress,
        trend=trend,
    )
    out = {}
    for indicator in live:
        formula = formulas[indicator.pk]
        units = set().union(*(units_of[c] for c in (*formula.numerator, *formula.denominator))) | asked
        out[indicator.pk] = [_value_of(batch, indicator, formula, unit) for unit in sorted(units)]
    return out


def _value_of(b: _Batch, indicator: Indicator, formula: FormulaVersion, unit: int) -> IndicatorValue:
    num_codes, den_codes = list(formula.numerator), list(formula.denominator)
    months, sums, factor = b.months, b.sums, formula.factor
    small_cells = b.suppress and b.level in (Level.ORGANIZATION, Level.MUNICIPALITY) and _people(num_codes + den_codes)
    num, den = _combine(sums, num_codes, unit, months), _combine(sums, den_codes, unit, months)
    value = _ratio(num, den, den_codes, factor)
    suppressed = small_cells and any(0 < n < SMALL for n in (num, den, den - num if den_codes else 0))
    target = float(b.targets[(indicator.pk, unit)]) if (indicator.pk, unit) in b.targets else None
    expected = None
    if target is not None:
        base_months = (b.previous_dec,) if b.previous_dec in b.wanted_months else ()
        base: float | None
        if ELEMENTS[num_codes[0]].aggregation == "flow" and not den_codes:
            base = 0.0
        else:
            base = (
                _ratio(
                    _combine(sums, num_codes, unit, base_months),
                    _combine(sums, den_codes, unit, base_months),
                    den_codes,
                    factor,
                )
                if base_months
                else None
            )
            base = value if base is None else base
        elapsed = b.last.month if len(months) and b.p.text.isdigit() else 12
        expected = (base or 0.0) + (target - (base or 0.0)) * elapsed / 12
    status = _status(indicator.direction, value, target, expected)
    series = _series(b, num_codes, den_codes, factor, unit) if b.trend else []
    return IndicatorValue(
        unit_id=unit,
        unit_name=b.names.get(unit, str(unit)),
        level=b.level,
        numerator=None if suppressed else num,
        denominator=None if suppressed else (den if den_codes else None),
        value=None if suppressed else value,
        target=target,
        expected=expected,
        formula_version=formula.version,
        status="no_data" if suppressed else status,
        suppressed=suppressed,
        unit=indicator.unit,
        trend=[] if suppressed else series,
        counts=all(ELEMENTS[c].people for c in (*num_codes, *den_codes)),
    )


def _series(b: _Batch, num_codes: list[str], den_codes: list[str], factor: Decimal, unit: int) -> list:
    series = []
    flow = any(ELEMENTS[c].aggregation == "flow" for c in num_codes)
    for i in range(11, -1, -1):
        mo = add_months(b.last, -i)
        if mo < b.build.first_month:
            continue
        window = tuple(m for m in b.all_months if m.year == mo.year and m <= mo) if flow else (mo,)
        series.append(
            _ratio(
                _combine(b.sums, num_codes, unit, window or (mo,)),
                _combine(b.sums, den_codes, unit, (mo,)),
                den_codes,
                factor,
            )
        )
    return series


def _status(direction: str, value: float | None, target: float | None, expected: float | None) -> str:
    if value is None:
        return "no_data"
    if target is None:
        return "no_target"
    sign = 1 if direction == Direction.UP else -1
    if sign * (value - target) >= 0:
        return "achieved"
    if expected is not None and sign * (value - expected) >= -1e-9:
        return "on_track"
    return "behind"


def coverage(build: Build, *, level: str, unit_id: int, month: dt.date) -> tuple[int, int]:
    """(organizations under the unit that report diagnostics data, organizations with educators)."""
    if level == Level.MACROREGION:
        regions = list(Macroregion.objects.get(pk=unit_id).regions.values_list("pk", flat=True))
        scope: dict[str, object] = {"region_id__in": regions}
    else:
        scopes: dict[str, dict[str, object]] = {
            Level.ORGANIZATION: {"unit_id": unit_id},
            Level.MUNICIPALITY: {"municipality_id": unit_id},
            Level.REGION: {"region_id": unit_id},
            Level.FEDERAL: {},
        }
        scope = scopes[level]
    base = facts(build, [month]).filter(level=Level.ORGANIZATION, month=month, **scope)
    with_people = base.filter(element="educators").count()
    reporting = base.filter(element="educators_diagnosed").count()
    return reporting, with_people


def element_total(build: Build, code: str, month: dt.date) -> int:
    return (
        facts(build, [month]).filter(element=code, level=Level.FEDERAL, month=month).aggregate(n=Sum("value"))["n"] or 0
    )


# ---------------------------------------------------------------- the federal comparison, the quarterly report

COMPARE_MAX = 6  # indicators side by side


@dataclass
class RegionRow:
    region_id: int
    name: str
    code: str
    values: list[IndicatorValue | None]


def regions_side_by_side(indicators: list[Indicator], period: str, *, sort: str = "") -> list[RegionRow]:
    """Every region of the country with the chosen indicators' values, targets and statuses;
    sorted best first by `sort` (an indicator's code, by its direction), else by region code."""
    build = published_build()
    many = indicator_values_many(indicators, level=Level.REGION, period=period, build=build)
    by_indicator = [{v.unit_id: v for v in many.get(ind.pk, [])} for ind in indicators]
    rows = [
        RegionRow(pk, name, code, [values.get(pk) for values in by_indicator])
        for pk, code, name in Region.objects.order_by("code").values_list("pk", "code", "name")
    ]
    column = next((i for i, ind in enumerate(indicators) if ind.code == sort), None)
    if column is not None:
        down = indicators[column].direction == Direction.DOWN

        def key(row: RegionRow):
            cell = row.values[column]
            value = cell.value if cell is not None else None
            return (value is None, (value or 0) if down else -(value or 0), row.code)

        rows.sort(key=key)
    return rows


QUARTER = re.compile(r"^(\d{4})-[QqКк]([1-4])$")


@dataclass
class ReportLine:
    indicator: Indicator
    value: IndicatorValue | None
    municipalities: list[IndicatorValue]

    @property
    def reported(self) -> int:
        """Municipalities with a value (shown or hidden as small) of all with a row."""
        return sum(1 for m in self.municipalities if m.value is not None or m.suppressed)


@dataclass
class QuarterlyReport:
    region: Region
    period: str
    build: Build | None
    months: tuple[dt.date, ...]
    lines: list[ReportLine]
    coverage: tuple[int, int] | None
    municipality_count: int


def quarterly_report(*, region: Region, quarter: str) -> QuarterlyReport:
    """The region's values for a quarter, each with its target, the expected value, status and
    coverage, and the municipalities' values (small counts hidden), from the published build."""
    match = QUARTER.match(quarter or "")
    if not match:
        raise ValidationFailed(_("The quarter is written as YYYY-Qn, for example 2026-Q1."), code="quarter_invalid")
    period = f"{match[1]}-Q{match[2]}"
    build = published_build()
    p = parse_period(period, build)
    indicators = Indicator.objects.filter(Q(region__isnull=True) | Q(region=region)).prefetch_related("versions")
    mine = indicator_values_many(indicators, level=Level.REGION, period=period, unit_ids=[region.pk], build=build)
    munis = indicator_values_many(
        indicators, level=Level.MUNICIPALITY, period=period, region_id=region.pk, build=build, suppress=True
    )
    lines = [
        ReportLine(
            indicator,
            next(iter(mine.get(indicator.pk, [])), None),
            sorted(munis.get(indicator.pk, []), key=lambda v: v.unit_name),
        )
        for indicator in indicators
    ]
    covered = coverage(build, level=Level.REGION, unit_id=region.pk, month=p.last) if build and p.last else None
    return QuarterlyReport(
        region=region,
        period=period,
        build=build,
        months=p.months,
        lines=lines,
        coverage=covered,
        municipality_count=Municipality.objects.filter(region=region).count(),
    )


def region_totals(code: str) -> tuple[Build | None, dict[int, int]]:
    """A data element's value per region at the newest month of the published build (one
    query on the analytics table): what the home pages show instead of a group-by per request."""
    build = published_build()
    if build is None:
        return None, {}
    rows = facts(build, [build.last_month]).filter(element=code, level=Level.REGION, month=build.last_month)
    return build, dict(rows.values_list("unit_id", "value"))
