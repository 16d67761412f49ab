"""Writes of monitoring: the analytics build (full or incremental), passports and their
formula versions, targets with their cascade, and the owner's alert when a unit falls behind."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import suppress
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.people import access
from efs.people.public import Municipality, Organization, OrganizationKind, Region, Role, municipal_operators, notify
from efs.periods import add_months, month_start, month_table

from .elements import ELEMENTS, FAMILIES, Family, compute, family_rows
from .models import (
    Build,
    BuildStatus,
    Fact,
    FormulaVersion,
    Indicator,
    Level,
    Release,
    ReleaseValue,
    Target,
)
from .queries import facts as read_facts

FULL_MONTHS = 24  # a full build covers the current month and the 23 before it
INCREMENTAL_MONTHS = 2  # a daily run recomputes the current and the previous month
FULL_EVERY = dt.timedelta(days=7)  # an incremental run on a full build older than this is a full run
BATCH = 5000
EDITORS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})
TARGET_SETTERS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR, Role.MUNICIPAL_OPERATOR})

Progress = Callable[[int, int, str], None]


def published_build() -> Build | None:
    return Build.objects.filter(status=BuildStatus.PUBLISHED).order_by("-id").first()


FACT_COLUMNS = ("build_id", "element", "level", "unit_id", "region_id", "municipality_id", "month", "value")
STAGE = "monitoring_stage"  # a temporary table: the rows of an element computed in Python


def _partitioned() -> bool:
    """On PostgreSQL the analytics table is partitioned by build (migration 0002): a build is
    written into a table of its own, without indexes, then indexed in bulk and attached."""
    return connection.vendor == "postgresql"


def _target(build: Build) -> str:
    """The table a build's rows are written into."""
    return f"{Fact._meta.db_table}_b{int(build.pk)}" if _partitioned() else Fact._meta.db_table


def _execute(sql: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _aside_create(build: Build) -> None:
    if _partitioned():
        _execute(f"CREATE TABLE {_target(build)} (LIKE {Fact._meta.db_table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")


def _aside_attach(build: Build) -> None:
    """Index the complete build in bulk (sorting once is far cheaper than keeping three
    indexes up to date row by row) and attach it as the build's partition, in one statement.
    Readers read only the published build, so the attached rows stay unseen until the flip."""
    if not _partitioned():
        return
    _execute("SET maintenance_work_mem = '256MB'")
    try:
        _execute(
            f"ALTER TABLE {Fact._meta.db_table} ATTACH PARTITION {_target(build)} FOR VALUES IN ({int(build.pk)})"
        )
    finally:
        _execute("RESET maintenance_work_mem")
    # statistics before the first read (a sample of rows, whatever the size): without them the
    # planner guesses the new partition's row counts until autovacuum comes round
    _execute(f"ANALYZE {_target(build)}")


def facts_partition(build: Build) -> None:
    """An empty partition for a build whose facts are written row by row through the ORM (a
    bench's hand-made build); nothing to do where the table is not partitioned."""
    if _partitioned():
        _execute(
            f"CREATE TABLE IF NOT EXISTS {_target(build)} PARTITION OF {Fact._meta.db_table} "
            f"FOR VALUES IN ({int(build.pk)})"
        )


def _facts_drop(build_id: int) -> None:
    """A build's rows gone: its partition detached and dropped (no row-by-row delete), or its
    rows deleted where the table is not partitioned."""
    if _partitioned():
        table = f"{Fact._meta.db_table}_b{int(build_id)}"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relispartition FROM pg_class c WHERE c.oid = to_regclass(%s)", [table]
            )
            row = cursor.fetchone()
            if row is not None:
                if row[0]:
                    # CONCURRENTLY: readers of other builds are never blocked (not possible inside
                    # a transaction block, such as a test's).
                    how = "" if connection.in_atomic_block else " CONCURRENTLY"
                    cursor.execute(f"ALTER TABLE {Fact._meta.db_table} DETACH PARTITION {table}{how}")
                cursor.execute(f"DROP TABLE {table}")
    Fact.objects.filter(build_id=build_id).delete()


def _element_rows_sql(build: Build, code: str, months: list[dt.date], source: tuple[str, list] | None = None) -> int:
    """The element's rows at every level in one INSERT … SELECT over the element's own query
    (all months at once): its organization rows and their sums per municipality, region and
    country, each a GROUP BY over the query's result (computed once). No row comes to Python."""
    source_sql, source_params = source or ELEMENTS[code].sql(months)  # type: ignore[misc]
    month_sql, month_params = month_table(months)
    head = [build.pk, code]
    return _execute(
        f"INSERT INTO {_target(build)} ({', '.join(FACT_COLUMNS)}) "
        "WITH s AS (SELECT o.id AS unit, o.region_id AS region, o.municipality_id AS muni, "
        "m.first_day AS month, x.value AS value "
        f"FROM ({source_sql}) x JOIN {Organization._meta.db_table} o ON o.id = x.org "
        f"JOIN {month_sql} m ON m.idx = x.idx WHERE x.value <> 0 AND o.region_id IS NOT NULL) "
        "SELECT %s, %s, %s, unit, region, muni, month, value FROM s "
        "UNION ALL SELECT %s, %s, %s, muni, region, NULL, month, SUM(value) FROM s "
        "WHERE muni IS NOT NULL GROUP BY muni, region, month "
        "UNION ALL SELECT %s, %s, %s, region, region, NULL, month, SUM(value) FROM s GROUP BY region, month "
        "UNION ALL SELECT %s, %s, %s, 0, NULL, NULL, month, SUM(value) FROM s GROUP BY month",
        [
            *source_params,
            *month_params,
            *head,
            Level.ORGANIZATION.value,
            *head,
            Level.MUNICIPALITY.value,
            *head,
            Level.REGION.value,
            *head,
            Level.FEDERAL.value,
        ],
    )


def _element_rows_python(build: Build, code: str, months: list[dt.date], source: list[tuple[int, int, int]]) -> int:
    """An element computed in Python (a forecast shared over schools, a small table, a family's
    code): its rows staged in a temporary table (COPY on PostgreSQL), then written as a query's are."""
    _execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (org bigint, idx integer, value bigint)")
    _execute(f"DELETE FROM {STAGE}")
    rows = [(org, index, value) for org, index, value in source if org and value]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {STAGE} (org, idx, value) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        elif rows:
            cursor.executemany(f"INSERT INTO {STAGE} (org, idx, value) VALUES (%s, %s, %s)", rows)
    return _element_rows_sql(build, code, months, source=(f"SELECT org, idx, value FROM {STAGE}", []))


def _write(build: Build, code: str, months: list[dt.date]) -> int:
    """A registered element's organization rows, then their sums per municipality, region and
    country, written by the database in one statement."""
    element = ELEMENTS[code]
    if element.sql is not None:
        return _element_rows_sql(build, code, months)
    return _element_rows_python(build, code, months, compute(code, months))


def _write_family(build: Build, family: Family, months: list[dt.date]) -> tuple[list[str], int]:
    """A family's codes found in the data, computed once and written as elements are (a family
    of regions: its region rows and their country sum). Returns the codes and the rows written."""
    found = family_rows(family, months)
    rows = 0
    for code, source in found.items():
        if family.level == Level.REGION:
            rows += _write_regional(build, code, months, source)
        else:
            rows += _element_rows_python(build, code, months, source)
    return list(found), rows


def _write_regional(build: Build, code: str, months: list[dt.date], source: list[tuple[int, int, int]]) -> int:
    """An element that belongs to regions, not organizations (a region's fund): its region
    rows and their sum for the country (a few rows: no staging)."""
    by_country: dict[int, int] = defaultdict(int)
    rows: list[tuple] = []
    for region_id, index, value in source:
        if not value:
            continue
        rows.append((build.pk, code, Level.REGION.value, region_id, region_id, None, months[index], value))
        by_country[index] += value
    rows += [(build.pk, code, Level.FEDERAL.value, 0, None, None, months[i], v) for i, v in by_country.items()]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {_target(build)} ({', '.join(FACT_COLUMNS)}) VALUES ({', '.join(['%s'] * 8)})", rows
            )
    return len(rows)


def _build_workers() -> int:
    """How many sessions write a build's elements at once. On PostgreSQL, by default two: most
    element statements run on one core, so two at a time keep a two-core server busy (the
    daily run's time nearly halves, docs/benchmarks.md). One on SQLite (a single writer) and
    inside a transaction (a test's rows are seen only by its own session)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, settings.EFS_MONITORING_BUILD_WORKERS)


Task = tuple[str, str]  # ("family", prefix) or ("element", code): one unit of a build's work


def _run_task(build: Build, task: Task, months: list[dt.date]) -> tuple[list[str], int]:
    kind, name = task
    if kind == "family":
        return _write_family(build, FAMILIES[name], months)
    return [name], _write(build, name, months)


def _in_own_session(build: Build, task: Task, months: list[dt.date]) -> tuple[list[str], int]:
    """A task on a worker thread: its own database session, set up as the build's, and closed
    at the end (a thread's connection is never reused by another)."""
    try:
        _session(building=True)
        return _run_task(build, task, months)
    finally:
        connection.close()


def _write_all(build: Build, months: list[dt.date], progress: Progress | None) -> tuple[list[str], int]:
    """Every family's and element's rows into the build's table: the families first (the
    deficit profile is the longest task), then the elements in the registry's order, on
    `_build_workers` sessions. The first failure cancels what has not started and is raised
    once the running tasks end. Returns the codes written, in the tasks' order, and the rows."""
    tasks: list[Task] = [("family", prefix) for prefix in FAMILIES] + [("element", code) for code in ELEMENTS]
    done: dict[Task, list[str]] = {}
    rows = 0

    def finished(task: Task, codes: list[str], written: int) -> None:
        nonlocal rows
        done[task], rows = codes, rows + written
        if progress:
            progress(len(done), len(tasks), task[1])

    workers = _build_workers()
    if workers == 1:
        for task in tasks:
            finished(task, *_run_task(build, task, months))
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="monitoring-build") as pool:
            pending: dict[Future, Task] = {pool.submit(_in_own_session, build, t, months): t for t in tasks}
            while pending:
                ready, _running = wait(pending, return_when=FIRST_COMPLETED)
                for future in ready:
                    task = pending.pop(future)
                    error = future.exception()
                    if error is not None:
                        for other in pending:
                            other.cancel()
                        wait(pending)
                        raise error
                    finished(task, *future.result())
    return [code for task in tasks for code in done[task]], rows


def _base_for(current: Build | None, recompute_from: dt.date, now: dt.datetime) -> Build | None:
    """The full build whose months before `recompute_from` an incremental build reads, or None
    when a full build is due. The base is the published build if it is full, else that build's
    own base, so a chain is never longer than one link. It must be a full build that

    - was made in or after the month `recompute_from` (so every month it lends had ended when
      it was computed: a month read in the middle of itself is never kept);
    - is at most `FULL_EVERY` old (a correction to an older month reaches the tables within it);
    - computed every registered element (a new element gets its history from a full build).
    """
    if current is None:
        return None
    root = current if current.base_id is None else current.base
    if root is None or root.base_id is not None or root.finished_at is None:
        return None
    if root.status not in (BuildStatus.PUBLISHED, BuildStatus.SUPERSEDED):
        return None
    if root.last_month < recompute_from or root.finished_at < now - FULL_EVERY:
        return None
    if not set(ELEMENTS) <= set(root.elements):
        return None
    return root


def _build_start(*, incremental: bool, last: dt.date, now: dt.datetime) -> Build:
    """The new build's row: incremental on a base when one fits (`_base_for`), else full.

    The base is locked while the row that names it is written, and it must still be published
    or superseded then: `_drop_old_builds` marks a build dropped under the same lock, so a
    build is never dropped while another one starts on it."""
    first = add_months(last, 1 - FULL_MONTHS)
    recompute_from = add_months(last, 1 - INCREMENTAL_MONTHS)
    base = _base_for(published_build(), recompute_from, now) if incremental else None
    with transaction.atomic():
        if base is not None:
            base = (
                Build.objects.select_for_update()
                .filter(pk=base.pk, status__in=[BuildStatus.PUBLISHED, BuildStatus.SUPERSEDED])
                .first()
            )
        return Build.objects.create(
            incremental=base is not None,
            base=base,
            own_from=recompute_from if base is not None else None,
            first_month=first,
            last_month=last,
        )


def analytics_build(
    *,
    incremental: bool = False,
    today: dt.date | None = None,
    progress: Progress | None = None,
    before_publish: Callable[[Build], None] | None = None,
) -> Build:
    """Build the analytics table aside, then publish it in one transaction.

    Readers keep reading the previous published build until the flip, so none ever sees a
    half-built table. An incremental run computes only the last `INCREMENTAL_MONTHS` and
    reads the months before from its base, a full build (`_base_for`; none fits: a full run):
    it writes nothing for the older months, so it costs what its months cost, not the history.
    On PostgreSQL the rows go into a table of their own, attached as the build's partition once
    complete (`_aside_attach`); the flip is the same.
    """
    last = month_start(today or timezone.now().date())
    build = _build_start(incremental=incremental, last=last, now=timezone.now())
    months = []
    month = build.own_from or build.first_month
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    _session(building=True)
    try:
        _aside_create(build)
        codes, rows = _write_all(build, months, progress)
        _aside_attach(build)
        if before_publish:
            before_publish(build)
        with transaction.atomic():
            Build.objects.filter(status=BuildStatus.PUBLISHED).update(status=BuildStatus.SUPERSEDED)
            build.status, build.rows, build.finished_at = BuildStatus.PUBLISHED, rows, timezone.now()
            build.elements = [*codes, *(f"{prefix}:*" for prefix in FAMILIES)]
            build.save(update_fields=["status", "rows", "elements", "finished_at"])
    except Exception as exc:
        Build.objects.filter(pk=build.pk).update(
            status=BuildStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        _facts_drop(build.pk)
        raise
    finally:
        with suppress(DatabaseError):  # a session whose transaction failed resets at its end
            _session(building=False)
    _drop_old_builds(keep=build)
    return build


def _session(*, building: bool) -> None:
    """PostgreSQL settings of the build's session: memory for the group-bys (an element's
    hash or sort of a million rows stays in memory, not in temporary files) and no JIT (its
    compilation costs more than it saves on these one-pass statements)."""
    if connection.vendor != "postgresql":
        return
    if building:
        _execute("SET work_mem = '64MB'")
        _execute("SET jit = off")
    else:
        _execute("RESET work_mem")
        _execute("RESET jit")


def bases_in_use() -> set[int]:
    """The builds some build still reads months from: the bases of every build that is not
    failed or dropped (a published one, the superseded one a reader may still be on, one
    being built). Never dropped."""
    live = Build.objects.exclude(status__in=[BuildStatus.FAILED, BuildStatus.DROPPED]).filter(base__isnull=False)
    return set(live.values_list("base_id", flat=True))


def _drop_old_builds(*, keep: Build) -> None:
    """Keep the new build, the one before it (a reader may still be on it) and every base in
    use (`bases_in_use`); drop the rest, newest first (an incremental build before its base).

    Each build is marked dropped under a row lock after a last check that no build names it
    as its base (a build starting on it takes the same lock, `_build_start`); then its rows
    go (its partition detached without blocking readers) and its row."""
    previous = Build.objects.filter(status=BuildStatus.SUPERSEDED).order_by("-id").values_list("pk", flat=True).first()
    kept = {keep.pk, previous or 0}
    candidates = Build.objects.exclude(pk__in=kept).exclude(status=BuildStatus.BUILDING).order_by("-id")
    for build_id in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            row = Build.objects.select_for_update().filter(pk=build_id).exclude(status=BuildStatus.BUILDING).first()
            if row is None or build_id in bases_in_use():
                continue
            row.status = BuildStatus.DROPPED
            row.save(update_fields=["status"])
        _facts_drop(build_id)
        Build.objects.filter(pk=build_id).delete()


# ---------------------------------------------------------------- passports


def _check_elements(codes: list[str], *, required: bool) -> list[str]:
    codes = [c for c in codes if c]
    if required and not codes:
        raise ValidationFailed(_("Choose at least one data element for the numerator."), code="formula_empty")
    unknown = [c for c in codes if c not in ELEMENTS]
    if unknown:
        raise ValidationFailed(
            _("Unknown data elements: %(codes)s.") % {"codes": ", ".join(unknown)}, code="element_unknown"
        )
    if len(set(codes)) != len(codes):
        raise ValidationFailed(_("A data element is listed twice."), code="element_repeated")
    return codes


REGIONAL_EDITORS = frozenset({Role.REGIONAL_OPERATOR})
SHARE_UNITS = frozenset({"%", "‰"})


def _may_edit(actor, indicator_region_id: int | None) -> None:
    """A federal passport is edited by the federal operator; a region's own passport only by
    the regional operators of that region."""
    if indicator_region_id is not None:
        access.require_region(
            actor,
            indicator_region_id,
            roles=REGIONAL_EDITORS,
            message=_("Only the regional operators of this region edit its passports."),
        )
        return
    reach = access.region_reach(actor, roles=EDITORS)
    if not reach.everywhere:
        raise PermissionDenied(_("Only the federal operator edits federal passports."))


def require_passport_editor(actor, region_id: int) -> None:
    """PermissionDenied unless `actor` is a regional operator of the region."""
    _may_edit(actor, region_id)


def may_edit(actor, region_id: int | None) -> bool:
    """Whether `actor` may create or change the passports of the region (None: federal ones)."""
    try:
        _may_edit(actor, region_id)
    except PermissionDenied:
        return False
    return True


def _check_share(unit: str, denominator: list[str], region_id: int | None) -> None:
    """A share (per cent, per mille) needs a denominator, and a region's own share one that is
    not zero in the region at the latest build (else it would never have a value)."""
    if unit.strip() in SHARE_UNITS and not [c for c in denominator if c]:
        raise ValidationFailed(
            _("A share (per cent or per mille) needs a denominator: choose at least one data element for it."),
            code="denominator_required",
        )
    if region_id is None or not denominator:
        return
    build = published_build()
    if build is None:
        return
    facts = read_facts(build, [build.last_month]).filter(
        element__in=denominator, level=Level.REGION, unit_id=region_id, month=build.last_month
    )
    if not facts.filter(value__gt=0).exists():
        raise ValidationFailed(
            _(
                "The denominator is zero in the region in the latest analytics (%(month)s): the indicator would "
                "have no value. Choose data elements the region has data for."
            )
            % {"month": f"{build.last_month:%m.%Y}"},
            code="denominator_zero",
        )


@transaction.atomic
def indicator_create(
    *,
    actor,
    code: str,
    name: str,
    numerator: list[str],
    denominator: list[str],
    factor: Decimal,
    unit: str = "%",
    periodicity: str = "year",
    direction: str = "up",
    description: str = "",
    source: str = "",
    region: Region | None = None,
    owner=None,
    owner_organization: Organization | None = None,
    order: int = 100,
) -> Indicator:
    if actor is not None:
        access.require_role(actor, EDITORS)
        _may_edit(actor, region.pk if region else None)
    if Indicator.objects.filter(code=code).exists():
        raise Conflict(_("An indicator with this code already exists."), code="indicator_exists")
    _check_elements(numerator, required=True)
    _check_elements(denominator, required=False)
    _check_share(unit, denominator, region.pk if region else None)
    _check_owner(region, owner, owner_organization)
    indicator = Indicator.objects.create(
        code=code,
        name=name,
        description=description,
        unit=unit,
        periodicity=periodicity,
        direction=direction,
        source=source,
        region=region,
        owner=owner,
        owner_organization=owner_organization,
        order=order,
    )
    formula_change(
        actor=actor, indicator=indicator, numerator=numerator, denominator=denominator, factor=factor, note=""
    )
    return indicator


@transaction.atomic
def formula_change(
    *, actor, indicator: Indicator, numerator: list[str], denominator: list[str], factor: Decimal, note: str
) -> FormulaVersion:
    """A new version of the formula; the old ones stay, with the values they computed."""
    if actor is not None:
        access.require_role(actor, EDITORS)
        _may_edit(actor, indicator.region_id)
    numerator = _check_elements(numerator, required=True)
    denominator = _check_elements(denominator, required=False)
    try:
        factor = Decimal(factor)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(_("The factor is a number."), code="factor_invalid") from None
    if not (Decimal("0.0001") <= factor <= Decimal(1_000_000)):
        raise ValidationFailed(
            _("The factor is between 0.0001 and 1 000 000 (100 for a per cent, 1 000 per thousand, 1 for a number)."),
            code="factor_range",
        )
    latest = FormulaVersion.objects.select_for_update().filter(indicator=indicator).order_by("-version").first()
    return FormulaVersion.objects.create(
        indicator=indicator,
        version=(latest.version + 1) if latest else 1,
        numerator=numerator,
        denominator=denominator,
        factor=factor,
        note=note[:300],
        created_by=actor,
    )


def _check_owner(region: Region | None, owner, owner_organization: Organization | None) -> None:
    if region is None:
        return
    if owner_organization is not None and owner_organization.region_id != region.pk:
        raise ValidationFailed(
            _("The responsible organization is not in this region."), code="owner_organization_other_region"
        )
    if owner is not None and not access.may_act_on_region(owner, region.pk, roles=PASSPORT_OWNERS):
        raise ValidationFailed(
            _("The responsible person holds no operator's role in this region."), code="owner_other_region"
        )


PASSPORT_OWNERS = frozenset({Role.REGIONAL_OPERATOR, Role.MUNICIPAL_OPERATOR})
# The organizations that answer for a region's indicator: the authority and its institutes.
OWNER_KINDS = (
    OrganizationKind.MINISTRY,
    OrganizationKind.IPK,
    OrganizationKind.CNPPM,
    OrganizationKind.MUNICIPAL_SERVICE,
)
PASSPORT_FIELDS = ("name", "description", "unit", "periodicity", "direction", "source", "owner", "owner_organization")


@transaction.atomic
def indicator_update(
    *,
    actor,
    indicator: Indicator,
    numerator: list[str],
    denominator: list[str],
    factor: Decimal,
    note: str = "",
    **fields,
) -> tuple[Indicator, FormulaVersion | None]:
    """Change a passport. Its code never changes (values and links name it); a changed formula
    is a new version (the old one stays with the values it computed), an unchanged one is kept."""
    _may_edit(actor, indicator.region_id)
    unknown = set(fields) - set(PASSPORT_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown passport fields."), code="field_unknown")
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    numerator = _check_elements(numerator, required=True)
    denominator = _check_elements(denominator, required=False)
    _check_share(fields.get("unit", indicator.unit), denominator, indicator.region_id)
    _check_owner(
        indicator.region,
        fields.get("owner", indicator.owner),
        fields.get("owner_organization", indicator.owner_organization),
    )
    for name, value in fields.items():
        setattr(indicator, name, value)
    try:
        indicator.full_clean(exclude=["code", "region", "owner", "owner_organization"])
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), code="passport_invalid") from None
    indicator.save()
    latest = indicator.versions.order_by("-version").first()
    same = (
        latest is not None
        and list(latest.numerator) == numerator
        and list(latest.denominator) == denominator
        and str(factor).strip() != ""
        and _same_number(latest.factor, factor)
    )
    if same:
        return indicator, None
    version = formula_change(
        actor=actor, indicator=indicator, numerator=numerator, denominator=denominator, factor=factor, note=note
    )
    return indicator, version


def _same_number(a, b) -> bool:
    try:
        return Decimal(a) == Decimal(b)
    except (InvalidOperation, TypeError, ValueError):
        return False


# ---------------------------------------------------------------- targets


def _parse_target(value) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValidationFailed(_("The target is a number."), code="target_invalid") from None
    if not number.is_finite() or not (Decimal(0) <= number <= Decimal(10) ** 11):
        raise ValidationFailed(_("The target is between 0 and 100 000 000 000."), code="target_range")
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def target_set(
    *, actor, indicator: Indicator, year: int, level: str, unit_id: int, value, cascade: bool = False
) -> Target:
    """A region's target (optionally copied to each municipality that has none of its own),
    or a municipality's own target."""
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("The year is between 2000 and 2100."), code="year_range")
    number = _parse_target(value)
    if level == Level.REGION:
        region = Region.objects.filter(pk=unit_id).first()
        if region is None:
            raise NotFound(_("Region not found."), code="region_not_found")
        access.require_region(actor, region.pk, roles=EDITORS)
        region_id = region.pk
    elif level == Level.MUNICIPALITY:
        municipality = Municipality.objects.filter(pk=unit_id).first()
        if municipality is None:
            raise NotFound(_("Municipality not found."), code="municipality_not_found")
        access.require_role(actor, TARGET_SETTERS)
        if not access.unit_reach(actor, roles=TARGET_SETTERS).sees_municipality(
            municipality.pk, municipality.region_id
        ):
            raise PermissionDenied(_("You can set targets only for your own municipality or region."))
        region_id = municipality.region_id
    else:
        raise ValidationFailed(_("Targets are set for a region or a municipality."), code="target_level")
    if indicator.region_id is not None and indicator.region_id != region_id:
        raise ValidationFailed(_("This indicator belongs to another region."), code="indicator_other_region")
    target, _created = Target.objects.update_or_create(
        indicator=indicator,
        year=year,
        level=level,
        unit_id=unit_id,
        defaults={"value": number, "region_id": region_id, "cascaded": False, "set_by": actor},
    )
    if cascade and level == Level.REGION:
        own = set(
            Target.objects.filter(
                indicator=indicator, year=year, level=Level.MUNICIPALITY, region_id=region_id, cascaded=False
            ).values_list("unit_id", flat=True)
        )
        for muni_id in Municipality.objects.filter(region_id=region_id).values_list("pk", flat=True):
            if muni_id in own:
                continue
            Target.objects.update_or_create(
                indicator=indicator,
                year=year,
                level=Level.MUNICIPALITY,
                unit_id=muni_id,
                defaults={"value": number, "region_id": region_id, "cascaded": True, "set_by": actor},
            )
    return target


def alert_owners_behind(*, today: dt.date | None = None) -> int:
    """Tell each indicator's responsible person once a month about regions behind target."""
    from .queries import indicator_values

    today = today or timezone.now().date()
    sent = 0
    for indicator in Indicator.objects.filter(owner__isnull=False).select_related("owner"):
        assert indicator.owner is not None  # filtered owner__isnull=False
        region_ids = list(
            Target.objects.filter(indicator=indicator, year=today.year, level=Level.REGION).values_list(
                "unit_id", flat=True
            )
        )
        if not region_ids:
            continue
        for value in indicator_values(
            indicator=indicator, level=Level.REGION, period=str(today.year), unit_ids=region_ids
        ):
            if value.status != "behind":
                continue
            sent += notify(
                user=indicator.owner,
                title=_("«%(indicator)s» is behind its target in %(unit)s")
                % {"indicator": indicator.name, "unit": value.unit_name},
                body=_("%(value)s against the expected %(expected)s on the way to %(target)s.")
                % {"value": value.display, "expected": value.expected_display, "target": value.target_display},
                url=f"/monitoring/indicators/{indicator.code}/?level=region&unit={value.unit_id}",
                key=f"monitoring-behind:{indicator.code}:{value.unit_id}:{today:%Y-%m}",
            )
    return sent + alert_municipalities_behind(today=today)


def alert_municipalities_behind(*, today: dt.date | None = None) -> int:
    """Tell the municipal operators of each municipality, once a month, about every indicator
    that is behind its target there (the region's target cascaded, or the municipality's own).

    A municipality's value resting on 1–4 people is hidden on its operator's dashboard, so it
    is not judged here either (the message would carry it)."""
    from .queries import indicator_values_many

    today = today or timezone.now().date()
    by_indicator: dict[int, list[int]] = defaultdict(list)
    for indicator_id, unit_id in Target.objects.filter(year=today.year, level=Level.MUNICIPALITY).values_list(
        "indicator_id", "unit_id"
    ):
        by_indicator[indicator_id].append(unit_id)
    if not by_indicator:
        return 0
    indicators = list(Indicator.objects.filter(pk__in=by_indicator))
    operators = municipal_operators({unit for units in by_indicator.values() for unit in units})
    sent = 0
    for indicator in indicators:
        values = indicator_values_many(
            [indicator],
            level=Level.MUNICIPALITY,
            period=str(today.year),
            unit_ids=by_indicator[indicator.pk],
            suppress=True,
        ).get(indicator.pk, [])
        for value in values:
            if value.status != "behind":
                continue
            for user in operators.get(value.unit_id, []):
                sent += notify(
                    user=user,
                    title=_("«%(indicator)s» is behind its target in %(unit)s")
                    % {"indicator": indicator.name, "unit": value.unit_name},
                    body=_("%(value)s against the expected %(expected)s on the way to %(target)s.")
                    % {"value": value.display, "expected": value.expected_display, "target": value.target_display},
                    url=f"/monitoring/indicators/{indicator.code}/?level=municipality&unit={value.unit_id}",
                    key=f"monitoring-behind:{indicator.code}:m{value.unit_id}:{today:%Y-%m}",
                )
    return sent


# ---------------------------------------------------------------- the passports every region reports

STARTER: list[tuple[str, str, list[str], list[str], int | Decimal, str, str, str]] = [
    # code, name, numerator, denominator, factor, unit, direction, description
    (
        "diagnosed_share",
        "Доля педагогов, прошедших диагностику профессиональных дефицитов",
        ["educators_diagnosed"],
        ["educators"],
        100,
        "%",
        "up",
        "Педагоги, завершившие диагностику за последние 12 месяцев, от числа работающих педагогов.",
    ),
    (
        "route_share",
        "Доля педагогов с утверждённым ИОМ",
        ["educators_with_route"],
        ["educators"],
        100,
        "%",
        "up",
        "Педагоги, чей индивидуальный образовательный маршрут утверждён тьютором и не остановлен, "
        "от числа работающих педагогов.",
    ),
    (
        "deficit_closed_share",
        "Доля педагогов, закрывших дефицит при повторной диагностике",
        ["educators_closed_deficit"],
        ["educators_remeasured"],
        100,
        "%",
        "up",
        "Из педагогов, прошедших повторную диагностику по дефициту маршрута за 12 месяцев, — "
        "те, у кого хотя бы один дефицит закрыт.",
    ),
    (
        "certificate_use_share",
        "Доля использованных сертификатов",
        ["certificates_used"],
        ["certificates_issued"],
        100,
        "%",
        "up",
        "Сертификаты года, по которым педагог записался на программу (средства зарезервированы или оплачены), "
        "от выданных.",
    ),
    (
        "trained_cnppm_share",
        "Доля педагогов, обученных в ЦНППМ",
        ["educators_trained_cnppm"],
        ["educators"],
        100,
        "%",
        "up",
        "Педагоги, завершившие программу ЦНППМ за последние 12 месяцев, от числа работающих педагогов.",
    ),
    (
        "money_spent",
        "Оплачено из сертификатов",
        ["money_spent"],
        [],
        Decimal("0.01"),
        "₽",
        "up",
        "Сумма, оплаченная провайдерам из сертификатов за завершённое обучение за период.",
    ),
    (
        "programs_published",
        "Программ в депозитарии",
        ["programs_published"],
        [],
        1,
        "",
        "up",
        "Программы, опубликованные в депозитарии на конец периода, по организации-провайдеру.",
    ),
    (
        "vacancy_rate",
        "Доля вакантных ставок",
        ["workforce_vacant_fte"],
        ["workforce_post_fte"],
        100,
        "%",
        "down",
        "Ставки открытых должностей, которые никто не занимает, от всех ставок открытых должностей на конец периода "
        "(реестр кадрового обеспечения).",
    ),
    (
        "aged_60_share",
        "Доля педагогов в возрасте 60 лет и старше",
        ["workforce_holders_60"],
        ["workforce_holders"],
        100,
        "%",
        "down",
        "Педагоги 60 лет и старше, занимающие должность, от всех педагогов, занимающих должность, на конец периода "
        "(реестр кадрового обеспечения).",
    ),
    (
        "projected_gap_fte",
        "Прогнозный дефицит педагогов через 5 лет",
        ["workforce_projected_gap_fte"],
        [],
        Decimal("0.01"),
        "ставок",
        "down",
        "Ставки, которых по последнему базовому кадровому прогнозу, сделанному к концу периода, не хватит через "
        "5 лет (или на горизонте прогноза): по каждому муниципалитету и предмету потребность − предложение + "
        "скрытый дефицит, если больше нуля. Школе приписана доля дефицита её муниципалитета по её потребности "
        "в предмете в тот год.",
    ),
    (
        "consultations_per_1000",
        "Консультации тьюторов на 1 000 педагогов",
        ["consultations_held"],
        ["educators"],
        1000,
        "на 1 000",
        "up",
        "Проведённые консультации тьюторов за период на 1 000 работающих педагогов.",
    ),
    (
        "mentoring_pairs",
        "Действующие пары наставничества",
        ["mentoring_pairs"],
        [],
        1,
        "",
        "up",
        "Пары «наставник — наставляемый», утверждённые руководителем и не завершённые на конец периода.",
    ),
    (
        "tutor_share",
        "Доля педагогов с тьютором",
        ["educators_with_tutor"],
        ["educators"],
        100,
        "%",
        "up",
        "Работающие педагоги, за которыми закреплён тьютор, от числа работающих педагогов на конец периода.",
    ),
    (
        "cycles_closed",
        "Завершённые рефлексивные циклы",
        ["cycles_closed"],
        [],
        1,
        "",
        "up",
        "Рефлексивные циклы (план — действие — наблюдение — рефлексия), закрытые за период.",
    ),
    (
        "practices_in_bank",
        "Практик в банке",
        ["practices_in_bank"],
        [],
        1,
        "",
        "up",
        "Практики, включённые в банк или рекомендованные к тиражированию на конец периода, по организации автора.",
    ),
    (
        "practices_replicated",
        "Отчёты о тиражировании практик",
        ["practice_replications"],
        [],
        1,
        "",
        "up",
        "Отчёты «мы внедрили»: внедрения практик из банка за период, по организации, которая внедрила.",
    ),
    (
        "events_held",
        "Проведённые мероприятия сетевых сообществ",
        ["network_events_held"],
        [],
        1,
        "",
        "up",
        "Вебинары, открытые уроки и мастер-классы сетевых сообществ, завершившиеся за период.",
    ),
    (
        "community_share",
        "Доля педагогов в сетевых сообществах",
        ["community_members"],
        ["educators"],
        100,
        "%",
        "up",
        "Педагоги — участники сетевых методических сообществ от числа работающих педагогов на конец периода.",
    ),
    (
        "network_programs_share",
        "Доля программ, реализуемых в сетевой форме",
        ["programs_network_form"],
        ["programs_published"],
        100,
        "%",
        "up",
        "Программы депозитария, реализуемые в сетевой форме (в карточке названы организации-партнёры по "
        "договору о сетевой форме, ст. 15 273-ФЗ), от всех программ депозитария на конец периода, по "
        "организации-провайдеру.",
    ),
]


def starter_indicators_load() -> int:
    """Create the federal passports that do not exist yet; never changes an existing one."""
    created = 0
    for order, (code, name, num, den, factor, unit, direction, description) in enumerate(STARTER, start=1):
        if Indicator.objects.filter(code=code).exists():
            continue
        indicator_create(
            actor=None,
            code=code,
            name=name,
            numerator=num,
            denominator=den,
            factor=Decimal(factor),
            unit=unit,
            direction=direction,
            description=description,
            source="Платформа ЕФС НМС",
            order=order * 10,
        )
        created += 1
    return created


# ---------------------------------------------------------------- monthly releases


@transaction.atomic
def release_publish(*, actor, region: Region, month: dt.date, note: str = "") -> Release:
    """Freeze a finished month's values of the region, its municipalities and organizations,
    signed by the region's operator. A second release of the month is a new version."""
    from .queries import indicator_values

    access.require_region(actor, region.pk, roles=EDITORS)
    month = month_start(month)
    build = published_build()
    this_month = month_start(timezone.now().date())
    if build is None or not (build.first_month <= month <= build.last_month):
        raise ValidationFailed(
            _("There are no analytics for this month yet: build the tables first."), code="release_no_data"
        )
    if month >= this_month:
        raise ValidationFailed(_("Only a finished month can be released."), code="release_month_open")
    latest = Release.objects.select_for_update().filter(region=region, month=month).order_by("-version").first()
    release = Release.objects.create(
        region=region,
        month=month,
        version=(latest.version + 1) if latest else 1,
        build=build,
        note=note[:500],
        signed_by=actor,
    )
    period = f"{month:%Y-%m}"
    rows = []
    for indicator in Indicator.objects.filter(Q(region__isnull=True) | Q(region=region)):
        values = indicator_values(
            indicator=indicator, level=Level.REGION, period=period, unit_ids=[region.pk], build=build
        )
        values += indicator_values(
            indicator=indicator,
            level=Level.MUNICIPALITY,
            period=period,
            region_id=region.pk,
            build=build,
            suppress=True,
        )
        values += indicator_values(
            indicator=indicator,
            level=Level.ORGANIZATION,
            period=period,
            region_id=region.pk,
            build=build,
            suppress=True,
        )
        rows += [
            ReleaseValue(
                release=release,
                indicator=indicator,
                formula_version=v.formula_version,
                level=v.level,
                unit_id=v.unit_id,
                unit_name=v.unit_name[:300],
                numerator=v.numerator or 0,
                denominator=v.denominator,
                value=v.value,
                target=v.target,
                status=v.status,
                suppressed=v.suppressed,
            )
            for v in values
        ]
    if not rows:
        raise ValidationFailed(_("There is nothing to release for this month."), code="release_empty")
    ReleaseValue.objects.bulk_create(rows, batch_size=BATCH)
    return release
