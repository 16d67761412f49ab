"""The incremental build: it writes only the months it recomputes and reads the older ones from
its base (a full build); its values equal a full build's on the same data, releases and home
cards read right from it, and dropping old builds never removes a base in use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.diagnostics.models import Attempt
from efs.monitoring import home, queries, services
from efs.monitoring.models import Build, BuildStatus, Fact, Indicator, Level, ReleaseValue
from efs.people.models import Educator
from efs.periods import add_months, month_start
from tests.monitoring.test_monitoring import _diagnose, diagnosed  # noqa: F401  (a fixture)

NOW = month_start(dt.date.today())


def _history(world) -> None:
    """A directory made 14 months ago and diagnoses spread over the past months, so that the
    older months a base lends differ from the recent ones."""
    Educator.objects.update(created_at=timezone.now() - dt.timedelta(days=430))
    for months_ago, attempt in zip((5, 3, 9, 1), Attempt.objects.order_by("pk"), strict=False):
        Attempt.objects.filter(pk=attempt.pk).update(
            finished_at=timezone.make_aware(dt.datetime.combine(add_months(NOW, -months_ago), dt.time(12)))
        )


def _all_facts(build: Build) -> dict[tuple, int]:
    """Every element, level, unit and month the build reads as, through the one reader."""
    rows = queries.facts(build).values_list("element", "level", "unit_id", "month", "value")
    out = {(e, lv, u, m): v for e, lv, u, m, v in rows}
    assert len(out) == queries.facts(build).count()  # never two rows for one key
    return out


def _home(region_ids) -> dict:
    return {pk: (f.staff, f.routes, f.kinds, f.deficits, f.fund) for pk, f in home.regions_home(region_ids).items()}


def test_an_incremental_build_writes_its_months_only_and_reads_as_a_full_build(diagnosed):  # noqa: F811
    w = diagnosed
    _history(w)
    full = services.analytics_build()
    _diagnose(w.other_org)  # a new diagnosis this month
    inc = services.analytics_build(incremental=True)
    assert inc.incremental and inc.base_id == full.pk and inc.own_from == add_months(NOW, -1)
    assert inc.first_month == full.first_month and inc.last_month == full.last_month
    own_months = set(Fact.objects.filter(build=inc).values_list("month", flat=True))
    assert own_months and min(own_months) >= inc.own_from  # nothing older is written
    as_incremental = _all_facts(inc)
    homes = _home([w.r1.pk, w.r2.pk])
    values = {
        (ind.code, level, v.unit_id, period): (v.numerator, v.denominator, v.value)
        for ind in Indicator.objects.all()
        for level in (Level.ORGANIZATION, Level.MUNICIPALITY, Level.REGION, Level.MACROREGION, Level.FEDERAL)
        for period in (str(NOW.year), f"{add_months(NOW, -5):%Y-%m}", f"{NOW:%Y-%m}")
        for v in queries.indicator_values(indicator=ind, level=level, period=period)
    }
    assert any(key[3] == f"{add_months(NOW, -5):%Y-%m}" and n for key, (n, _d, _v) in values.items())

    again = services.analytics_build()  # a full build on the same data
    assert not again.incremental and again.base_id is None
    assert as_incremental == _all_facts(again)
    assert {m for (_e, _l, _u, m) in as_incremental} > {inc.own_from, NOW}  # older months are there
    assert homes == _home([w.r1.pk, w.r2.pk])
    assert values == {
        (ind.code, level, v.unit_id, period): (v.numerator, v.denominator, v.value)
        for ind in Indicator.objects.all()
        for level in (Level.ORGANIZATION, Level.MUNICIPALITY, Level.REGION, Level.MACROREGION, Level.FEDERAL)
        for period in (str(NOW.year), f"{add_months(NOW, -5):%Y-%m}", f"{NOW:%Y-%m}")
        for v in queries.indicator_values(indicator=ind, level=level, period=period)
    }


def test_an_incremental_build_across_a_month_end_equals_a_full_build(diagnosed):  # noqa: F811
    """The base was made last month: its months before last month had ended, so it lends them."""
    w = diagnosed
    _history(w)
    base = services.analytics_build(today=add_months(NOW, -1) + dt.timedelta(days=14))
    inc = services.analytics_build(incremental=True)
    assert inc.base_id == base.pk and inc.own_from == add_months(NOW, -1) == base.last_month
    full = services.analytics_build()
    assert _all_facts(inc) == _all_facts(full)


def test_releases_read_the_base_and_the_own_months_of_an_incremental_build(diagnosed):  # noqa: F811
    w = diagnosed
    _history(w)
    services.analytics_build()
    services.analytics_build(incremental=True)
    older, recent = add_months(NOW, -5), add_months(NOW, -1)  # from the base; the build's own
    released = {
        month: services.release_publish(actor=w.users["regional"], region=w.r1, month=month)
        for month in (older, recent)
    }
    services.analytics_build()  # full, same data: a second version of each month
    for month, first in released.items():
        second = services.release_publish(actor=w.users["regional"], region=w.r1, month=month)

        def frozen(release):
            return sorted(
                ReleaseValue.objects.filter(release=release).values_list(
                    "indicator__code", "level", "unit_id", "numerator", "denominator", "value", "suppressed"
                )
            )

        assert frozen(first) and frozen(first) == frozen(second)
    region_row = ReleaseValue.objects.get(
        release=released[older], indicator__code="diagnosed_share", level=Level.REGION
    )
    assert region_row.numerator > 0  # the older month's diagnoses came from the base


def test_chains_stay_one_link_long_and_a_full_build_comes_when_the_base_is_stale(diagnosed):  # noqa: F811
    full = services.analytics_build()
    first = services.analytics_build(incremental=True)
    second = services.analytics_build(incremental=True)
    assert first.base_id == second.base_id == full.pk  # the base of an incremental build is full
    Build.objects.filter(pk=full.pk).update(finished_at=timezone.now() - services.FULL_EVERY - dt.timedelta(hours=1))
    weekly = services.analytics_build(incremental=True)
    assert not weekly.incremental and weekly.base_id is None  # the base is over a week old
    services.analytics_build(incremental=True)
    old = services.analytics_build(today=add_months(NOW, -2) + dt.timedelta(days=3))
    assert old.last_month == add_months(NOW, -2)
    late = services.analytics_build(incremental=True)
    assert not late.incremental  # the base was made before last month: its last month had not ended


def test_dropping_old_builds_never_removes_a_base_in_use(diagnosed):  # noqa: F811
    w = diagnosed
    full = services.analytics_build()
    incs = [services.analytics_build(incremental=True) for _ in range(3)]
    present = set(Build.objects.values_list("pk", flat=True))
    assert full.pk in present and incs[0].pk not in present  # the base stays, an old link goes
    assert {incs[1].pk, incs[2].pk} <= present
    assert queries.facts(incs[2]).filter(month__lt=incs[2].own_from).exists()  # the base's rows are there
    # a build starting on the base keeps it too, whatever is published meanwhile
    starting = Build.objects.create(
        base=full, own_from=incs[2].own_from, incremental=True, first_month=full.first_month, last_month=NOW
    )
    services.analytics_build()
    services.analytics_build()
    assert Build.objects.filter(pk=full.pk, status=BuildStatus.SUPERSEDED).exists()
    assert Fact.objects.filter(build=full).exists()
    Build.objects.filter(pk=starting.pk).update(status=BuildStatus.FAILED)
    last = services.analytics_build()
    assert not Build.objects.filter(pk__in=[full.pk, starting.pk, *(b.pk for b in incs)]).exists()
    assert not Fact.objects.filter(build_id=full.pk).exists()
    assert (
        queries.indicator_values(
            indicator=Indicator.objects.get(code="diagnosed_share"),
            level=Level.REGION,
            period=str(NOW.year),
            unit_ids=[w.r1.pk],
            build=last,
        )[0].numerator
        == 3
    )


@pytest.mark.parametrize("stale", [BuildStatus.DROPPED, BuildStatus.FAILED])
def test_a_dropped_or_failed_build_is_never_a_base(diagnosed, stale):  # noqa: F811
    full = services.analytics_build()
    services.analytics_build(incremental=True)
    Build.objects.filter(pk=full.pk).update(status=stale)
    assert services.analytics_build(incremental=True).base_id is None
