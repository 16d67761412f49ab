"""Monitoring: the analytics build, its swap, values up the hierarchy, formulas, targets, privacy."""

from __future__ import annotations

import io
import json
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from efs.errors import PermissionDenied, ValidationFailed
from efs.monitoring import queries, services
from efs.monitoring.models import Build, BuildStatus, Fact, FormulaVersion, Indicator, Level, Target
from efs.people.models import Educator, Notification
from tests.diagnostics.conftest import finished_attempt, small_framework


def _diagnose(educator):
    from tests.conftest import make_user

    if educator.user is None:
        educator.user = make_user(f"e{educator.pk}")
        educator.save(update_fields=["user"])
    return finished_attempt(educator.user, educator, {"T.RO": 0.97})


@pytest.fixture
def diagnosed(world):
    """Three educators of region 24 and the one of region 54 diagnosed; passports loaded."""
    small_framework()
    for name in ("self_educator", "same_org", "other_muni", "other_region"):
        _diagnose(getattr(world, name))
    services.starter_indicators_load()
    return world


def _value(level, unit, period=None, code="diagnosed_share", **kwargs):
    from django.utils import timezone

    period = period or str(timezone.now().year)
    rows = queries.indicator_values(
        indicator=Indicator.objects.get(code=code), level=level, period=period, unit_ids=[unit], **kwargs
    )
    return rows[0] if rows else None


def test_build_counts_each_unit_and_the_parents_are_the_sums(diagnosed):
    w = diagnosed
    services.analytics_build()
    in_r1 = Educator.objects.filter(region=w.r1, is_active=True).count()
    region = _value(Level.REGION, w.r1.pk)
    assert (region.numerator, region.denominator) == (3, in_r1)
    assert region.value == pytest.approx(300 / in_r1)
    org_a = _value(Level.ORGANIZATION, w.org_a.pk)
    assert (org_a.numerator, org_a.denominator, org_a.value) == (2, 2, 100.0)
    country = _value(Level.FEDERAL, 0)
    assert (country.numerator, country.denominator) == (4, Educator.objects.filter(is_active=True).count())
    munis = queries.indicator_values(
        indicator=Indicator.objects.get(code="diagnosed_share"),
        level=Level.MUNICIPALITY,
        period=str(w.r1.pk and __import__("datetime").date.today().year),
        region_id=w.r1.pk,
    )
    assert sum(m.numerator for m in munis) == region.numerator
    assert sum(m.denominator for m in munis) == region.denominator


@pytest.mark.django_db(transaction=True)  # committed rows, so another session can read them
def test_a_reader_never_sees_a_half_built_table(diagnosed):
    """A read during a rebuild gets the previous complete values; the new ones appear at the flip."""
    w = diagnosed
    first = services.analytics_build()
    _diagnose(w.other_org)  # a fourth diagnosed educator in region 24
    seen: dict = {}

    def during(build: Build):
        assert Fact.objects.filter(build=build).exists()  # the new rows are written ...
        seen["same_connection"] = _value(Level.REGION, w.r1.pk).numerator  # ... and not read
        if connection.vendor == "postgresql":  # another session sees the old build too

            def other():
                from django.db import connections

                seen["other_connection"] = _value(Level.REGION, w.r1.pk).numerator
                connections.close_all()

            thread = threading.Thread(target=other)
            thread.start()
            thread.join()

    second = services.analytics_build(before_publish=during)
    assert seen["same_connection"] == 3
    if connection.vendor == "postgresql":
        assert seen["other_connection"] == 3
    assert _value(Level.REGION, w.r1.pk).numerator == 4
    assert Build.objects.get(pk=first.pk).status == BuildStatus.SUPERSEDED and second.status == BuildStatus.PUBLISHED


def test_a_failed_build_leaves_the_published_one_in_place(diagnosed, monkeypatch):
    w = diagnosed
    services.analytics_build()
    from efs.monitoring import elements

    def broken(**_kwargs):
        raise RuntimeError("source down")

    monkeypatch.setitem(elements.ELEMENTS, "educators", elements.Element("educators", "x", broken))
    with pytest.raises(RuntimeError):
        services.analytics_build()
    failed = Build.objects.get(status=BuildStatus.FAILED)
    assert not Fact.objects.filter(build=failed).exists() and "source down" in failed.error
    assert _value(Level.REGION, w.r1.pk).numerator == 3


def _facts_of(build: Build) -> list[tuple]:
    return sorted(Fact.objects.filter(build=build).values_list("element", "level", "unit_id", "month", "value"))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)  # the build's worker sessions read committed rows only
def test_two_sessions_write_the_same_build_as_one(diagnosed, settings):
    """On PostgreSQL the elements are written by two sessions at once: the same facts, the same
    elements recorded, as when one session writes them all in turn."""
    settings.EFS_MONITORING_BUILD_WORKERS = 1
    serial = services.analytics_build()
    settings.EFS_MONITORING_BUILD_WORKERS = 2
    assert services._build_workers() == 2
    steps: list[tuple[int, int]] = []
    parallel = services.analytics_build(progress=lambda step, total, _code: steps.append((step, total)))
    assert _facts_of(parallel) == _facts_of(serial) and _facts_of(serial)
    assert sorted(parallel.elements) == sorted(serial.elements)
    assert [step for step, _total in steps] == list(range(1, len(steps) + 1)) and steps[-1][0] == steps[-1][1]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_failing_element_on_a_worker_session_fails_the_whole_build(diagnosed, monkeypatch, settings):
    w = diagnosed
    settings.EFS_MONITORING_BUILD_WORKERS = 2
    services.analytics_build()
    from efs.monitoring import elements

    def broken(months):
        raise RuntimeError("source down")

    code = "educators_diagnosed"
    monkeypatch.setitem(
        elements.ELEMENTS, code, elements.Element(code, "x", elements.ELEMENTS[code].source, sql=broken)
    )
    with pytest.raises(RuntimeError, match="source down"):
        services.analytics_build()
    failed = Build.objects.get(status=BuildStatus.FAILED)
    assert not Fact.objects.filter(build=failed).exists() and "source down" in failed.error
    with connection.cursor() as cursor:  # the build's own table went with it
        cursor.execute("SELECT to_regclass(%s)", [f"{Fact._meta.db_table}_b{failed.pk}"])
        assert cursor.fetchone()[0] is None
    assert _value(Level.REGION, w.r1.pk).numerator == 3


def test_incremental_run_reads_older_months_from_its_base_and_recomputes_the_recent(diagnosed):
    w = diagnosed
    full = services.analytics_build()
    _diagnose(w.other_org)
    inc = services.analytics_build(incremental=True)
    assert inc.incremental and inc.first_month == full.first_month and inc.base_id == full.pk
    assert _value(Level.REGION, w.r1.pk).numerator == 4
    assert not Fact.objects.filter(build=inc, month__lt=inc.own_from).exists()  # nothing older is copied
    older = Fact.objects.filter(build=full, month__lt=inc.own_from).count()
    assert older and queries.facts(inc).filter(month__lt=inc.own_from).count() == older


def test_every_value_names_the_formula_version_and_old_versions_stay(diagnosed):
    w = diagnosed
    services.analytics_build()
    indicator = Indicator.objects.get(code="diagnosed_share")
    services.formula_change(
        actor=w.users["federal"],
        indicator=indicator,
        numerator=["educators_diagnosed"],
        denominator=["educators"],
        factor=Decimal(1000),
        note="на 1 000",
    )
    value = _value(Level.REGION, w.r1.pk)
    assert value.formula_version == 2 and value.value == pytest.approx(3000 / value.denominator)
    assert list(FormulaVersion.objects.filter(indicator=indicator).values_list("version", flat=True)) == [2, 1]


def test_formulas_are_made_only_of_registered_elements_and_only_by_their_owner(diagnosed):
    w = diagnosed
    indicator = Indicator.objects.get(code="diagnosed_share")
    with pytest.raises(ValidationFailed) as exc:
        services.formula_change(
            actor=w.users["federal"],
            indicator=indicator,
            numerator=["educators; DROP TABLE"],
            denominator=[],
            factor=Decimal(1),
            note="",
        )
    assert exc.value.code == "element_unknown"
    with pytest.raises(PermissionDenied):
        services.formula_change(
            actor=w.users["regional"],
            indicator=indicator,
            numerator=["educators"],
            denominator=[],
            factor=Decimal(1),
            note="",
        )
    assert FormulaVersion.objects.filter(indicator=indicator).count() == 1


def test_small_counts_are_suppressed_below_the_region_level_only(diagnosed):
    w = diagnosed
    services.analytics_build()
    org_b = _value(Level.ORGANIZATION, w.org_b.pk, suppress=True)  # 0 of 1: one person
    assert org_b.suppressed and org_b.value is None and org_b.numerator is None and org_b.display == "менее 5 человек"
    region = _value(Level.REGION, w.r1.pk, suppress=True)
    assert not region.suppressed and region.numerator == 3


def test_targets_cascade_to_municipalities_without_their_own(diagnosed):
    w = diagnosed
    services.analytics_build()
    indicator = Indicator.objects.get(code="diagnosed_share")
    year = __import__("datetime").date.today().year
    services.target_set(
        actor=w.users["municipal"],
        indicator=indicator,
        year=year,
        level=Level.MUNICIPALITY,
        unit_id=w.m1.pk,
        value="90",
    )
    services.target_set(
        actor=w.users["regional"],
        indicator=indicator,
        year=year,
        level=Level.REGION,
        unit_id=w.r1.pk,
        value="50",
        cascade=True,
    )
    targets = dict(Target.objects.filter(level=Level.MUNICIPALITY).values_list("unit_id", "value"))
    assert targets == {w.m1.pk: Decimal("90.00"), w.m2.pk: Decimal("50.00")}
    assert Target.objects.get(unit_id=w.m2.pk, level=Level.MUNICIPALITY).cascaded
    region = _value(Level.REGION, w.r1.pk)
    assert region.target == 50.0 and region.status == "achieved"  # 3 of 5 = 60 %


@pytest.mark.parametrize(
    "who,level,unit",
    [
        ("regional_other", "region", "r1"),
        ("municipal", "region", "r1"),
        ("school_head", "municipality", "m1"),
        ("teacher", "region", "r1"),
        ("municipal", "municipality", "m2"),
    ],
)
def test_who_may_not_set_a_target_changes_nothing(diagnosed, who, level, unit):
    w = diagnosed
    indicator = Indicator.objects.get(code="diagnosed_share")
    with pytest.raises(PermissionDenied):
        services.target_set(
            actor=w.users[who], indicator=indicator, year=2026, level=level, unit_id=getattr(w, unit).pk, value="50"
        )
    assert not Target.objects.exists()


@pytest.mark.parametrize("value", ["1e12", "inf", "NaN", "-1", "abc", "100000000001"])
def test_absurd_targets_are_refused(diagnosed, value):
    w = diagnosed
    with pytest.raises(ValidationFailed):
        services.target_set(
            actor=w.users["regional"],
            indicator=Indicator.objects.get(code="diagnosed_share"),
            year=2026,
            level=Level.REGION,
            unit_id=w.r1.pk,
            value=value,
        )
    assert not Target.objects.exists()


def test_the_owner_is_told_once_a_month_when_a_region_falls_behind(diagnosed):
    w = diagnosed
    services.analytics_build()
    indicator = Indicator.objects.get(code="diagnosed_share")
    indicator.owner = w.users["regional"]
    indicator.save()
    services.target_set(
        actor=w.users["regional"],
        indicator=indicator,
        year=__import__("datetime").date.today().year,
        level=Level.REGION,
        unit_id=w.r1.pk,
        value="100",
    )
    assert services.alert_owners_behind() in (0, 1)
    sent = Notification.objects.filter(user=w.users["regional"], key__startswith="monitoring-behind:").count()
    assert services.alert_owners_behind() == 0
    assert Notification.objects.filter(user=w.users["regional"], key__startswith="monitoring-behind:").count() == sent


def test_cli_values_contract_children_add_up_to_parents(diagnosed):
    services.analytics_build()
    year = str(__import__("datetime").date.today().year)

    def lines(level):
        out = io.StringIO()
        call_command(
            "monitoring",
            "values",
            "--indicator",
            "diagnosed_share",
            "--level",
            level,
            "--period",
            year,
            "--format",
            "json",
            stdout=out,
        )
        return [json.loads(line) for line in out.getvalue().splitlines()]

    orgs, munis, regions, country = lines("organization"), lines("municipality"), lines("region"), lines("federal")
    assert set(country[0]) == {"unit_id", "unit_name", "numerator", "denominator", "value", "target", "formula_version"}
    assert country[0]["unit_name"] == "Российская Федерация" and country[0]["numerator"] == 4
    assert sum(r["numerator"] for r in regions) == country[0]["numerator"]
    assert sum(r["denominator"] for r in regions) == country[0]["denominator"]
    assert sum(m["numerator"] for m in munis) == sum(o["numerator"] for o in orgs) == 4


def test_cli_build_prints_progress_and_a_summary(diagnosed):
    out, err = io.StringIO(), io.StringIO()
    call_command("monitoring", "build", stdout=out, stderr=err)
    assert "Построено:" in out.getvalue()


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def _last_month():
    from efs.periods import add_months, month_start

    return add_months(month_start(__import__("datetime").date.today()), -1)


def test_a_release_freezes_a_finished_month_and_a_correction_is_a_new_version(diagnosed):
    from efs.diagnostics.models import Attempt
    from efs.monitoring.models import Release, ReleaseValue

    w = diagnosed
    earlier = timezone_now() - __import__("datetime").timedelta(days=45)
    Attempt.objects.update(finished_at=earlier)  # diagnosed last month ...
    Educator.objects.update(created_at=earlier)  # ... in a directory that existed then
    services.analytics_build()
    first = services.release_publish(actor=w.users["regional"], region=w.r1, month=_last_month(), note="за месяц")
    region_row = ReleaseValue.objects.get(release=first, indicator__code="diagnosed_share", level=Level.REGION)
    frozen = (region_row.numerator, region_row.denominator, region_row.formula_version)
    assert frozen[0] == 3 and frozen[2] == 1
    assert ReleaseValue.objects.filter(release=first, level=Level.ORGANIZATION, suppressed=True).exists()
    _diagnose(w.other_org)  # the live view moves on; the release does not
    Attempt.objects.update(finished_at=earlier)
    services.analytics_build()
    assert _value(Level.REGION, w.r1.pk, period=f"{_last_month():%Y-%m}").numerator == 4
    region_row.refresh_from_db()
    assert (region_row.numerator, region_row.denominator, region_row.formula_version) == frozen
    second = services.release_publish(actor=w.users["federal"], region=w.r1, month=_last_month())
    assert (second.version, Release.objects.filter(region=w.r1).count()) == (2, 2)


@pytest.mark.parametrize(
    "who,month_shift,code", [("regional", 0, "release_month_open"), ("regional", -40, "release_no_data")]
)
def test_an_open_or_unbuilt_month_is_not_released(diagnosed, who, month_shift, code):
    from efs.monitoring.models import Release
    from efs.periods import add_months, month_start

    w = diagnosed
    services.analytics_build()
    with pytest.raises(ValidationFailed) as exc:
        services.release_publish(
            actor=w.users[who],
            region=w.r1,
            month=add_months(month_start(__import__("datetime").date.today()), month_shift),
        )
    assert exc.value.code == code and not Release.objects.exists()


@pytest.mark.parametrize("who", ["regional_other", "municipal", "school_head", "teacher"])
def test_only_the_regions_operator_signs_a_release(diagnosed, who):
    from efs.monitoring.models import Release

    w = diagnosed
    services.analytics_build()
    with pytest.raises(PermissionDenied):
        services.release_publish(actor=w.users[who], region=w.r1, month=_last_month())
    assert not Release.objects.exists()


def test_dashboards_make_a_fixed_number_of_queries(diagnosed):
    """The pages read only the analytics table; their cost does not grow with units or people."""
    from tests.conftest import queries_of

    w = diagnosed
    services.analytics_build()
    pages = [
        ("regional", "/monitoring/"),
        ("federal", "/monitoring/"),
        ("school_head", "/monitoring/"),
        ("regional", f"/monitoring/indicators/diagnosed_share/?level=region&unit={w.r1.pk}"),
    ]
    before = [queries_of(w.client(who), url) for who, url in pages]
    from tests.conftest import make_educator, make_org

    for n in range(3):  # more schools and people: the same number of queries
        _diagnose(make_educator(make_org(w.r1, w.m2, f"МБОУ СОШ № {10 + n}"), f"Новикова{n}"))
    services.analytics_build()
    after = [queries_of(w.client(who), url) for who, url in pages]
    assert before == after == [25, 19, 18, 20]  # one read of the facts for all passports: flat in passports too


def test_a_value_and_its_unit_never_part_across_lines():
    """«60,0 %» in a narrow table column stays on one line: a no-break space before the unit."""
    from django.utils import translation

    from efs.monitoring.queries import IndicatorValue

    value = IndicatorValue(
        unit_id=1,
        unit_name="Край",
        level="region",
        numerator=3,
        denominator=5,
        value=60.0,
        target=60.0,
        expected=None,
        formula_version=1,
        status="achieved",
    )
    with translation.override("ru"):
        assert value.display == value.target_display == "60,0\u00a0%" and value.expected_display == "—"


def test_the_elements_one_query_forms_give_the_rows_of_their_monthly_counts(diagnosed):
    from tests.monitoring.element_queries import assert_element_queries_match_sources

    assert assert_element_queries_match_sources() > 0
