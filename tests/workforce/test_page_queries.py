"""The overview and a municipality's page read aggregates, not the registry: a fixed number
of queries whatever the size of the registry, and the age pyramid summed by the database
equals the holdings counted one by one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from efs.people.models import Educator, Subject
from efs.workforce import forecasting, queries, services
from efs.workforce.models import Assignment

pytestmark = pytest.mark.django_db


def _more_staff(world, count: int) -> None:
    """``count`` more teachers in org C, each with a post and a holding."""
    physics = Subject.objects.get(code="physics")
    regional = world.users["regional"]
    for number in range(count):
        educator = Educator.objects.create(
            region=world.r1,
            organization=world.org_c,
            last_name=f"Учитель{number}",
            first_name="Иван",
            birth_date=dt.date(1960 + number, 3, 1),
        )
        post = services.post_open(
            actor=regional,
            organization=world.org_c,
            subject=physics,
            position="учитель",
            fte=Decimal(1),
            opened_on=dt.date(2020, 9, 1),
        )
        services.post_fill(
            actor=regional,
            post=post,
            educator=educator,
            fte=Decimal(1),
            started_on=dt.date(2020, 9, 1),
        )


def _ages_one_by_one(user, region) -> dict[str, float]:
    """The pyramid as the page computed it before: every holding read, its age computed."""
    day = forecasting.snapshot_date(forecasting.school_year(timezone.localdate()))
    from efs.people import access

    rows = access.scoped(
        Assignment.objects.filter(region=region, started_on__lte=day), user, roles=queries.READERS
    ).exclude(ended_on__lte=day)
    bands = dict.fromkeys(queries.AGE_BANDS, 0.0)
    for birth, fte in rows.values_list("educator__birth_date", "fte"):
        if birth is None:
            bands["?"] = bands.get("?", 0.0) + float(fte)
            continue
        age = forecasting.age_on(birth, day)
        bands[queries.AGE_BANDS[sum(age >= edge for edge in (30, 40, 50, 60))]] += float(fte)
    return bands


def test_the_age_pyramid_summed_by_the_database_equals_the_holdings_one_by_one(world, staffed):
    day = forecasting.snapshot_date(forecasting.school_year(timezone.localdate()))
    # Birthdays on the snapshot day itself sit on a band's edge; one holder has no birth date.
    edges = {
        world.self_educator: day.replace(year=day.year - 30),
        world.same_org: day.replace(year=day.year - 60) + dt.timedelta(days=1),
        world.other_org: day.replace(year=day.year - 60),
        world.other_muni: None,
    }
    for educator, birth in edges.items():
        educator.birth_date = birth
        educator.save(update_fields=["birth_date"])
    _more_staff(world, 6)
    for who in ("regional", "municipal", "school_head"):
        user = world.users[who]
        assert queries.age_structure(user, region=world.r1) == pytest.approx(_ages_one_by_one(user, world.r1)), who
    regional = queries.age_structure(world.users["regional"], region=world.r1)
    assert regional["?"] == 1.0 and regional["30–39"] >= 1.75 and regional["60+"] >= 1.0


def _count(client, url, django_assert_num_queries, expected: int) -> None:
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


# session, user, role grants, the region(s), the latest run, the summary (one grouped query),
# risk, the age pyramid (one aggregate), earlier runs, their cells, the registry per cell
# (one grouped query), notifications, the region select.
OVERVIEW_QUERIES = 14  # 13 of the page + the region's municipalities for the tile map (grey where no data)
# session, user, grants, the municipality, the latest run, the summary, risk, the pyramid,
# notifications.
MUNICIPALITY_QUERIES = 9


def test_pages_make_a_fixed_number_of_queries_whatever_the_registry(world, staffed, django_assert_num_queries):
    regional = world.users["regional"]
    services.forecast_run(actor=regional, region=world.r1, years=5, base_year=2025)
    services.forecast_run(actor=regional, region=world.r1, years=5)
    client = world.client("regional")
    overview, place = (
        f"/workforce/?region={world.r1.pk}",
        f"/workforce/municipalities/{world.m2.pk}/",
    )
    client.get(overview)  # the session settles on the first request
    _count(client, overview, django_assert_num_queries, OVERVIEW_QUERIES)
    _count(client, place, django_assert_num_queries, MUNICIPALITY_QUERIES)
    _more_staff(world, 25)
    services.forecast_run(actor=regional, region=world.r1, years=5)
    _count(client, overview, django_assert_num_queries, OVERVIEW_QUERIES)
    _count(client, place, django_assert_num_queries, MUNICIPALITY_QUERIES)
