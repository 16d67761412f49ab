"""The home pages' deficits and fund cards read the analytics table: the figures of the last
build (signed with its date), small groups hidden below the region level, and money that
agrees with the fund page after a build."""

from __future__ import annotations

import pytest
from django.utils import timezone

from efs.financing import services as financing
from efs.monitoring import home
from efs.monitoring.public import analytics_build
from efs.web.templatetags.efs import money as money_text
from tests.catalog.conftest import depot  # noqa: F401  (the fixture)
from tests.diagnostics.conftest import small_framework
from tests.diagnostics.test_dashboards import _diagnosed
from tests.financing.conftest import money  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _titles(figures) -> dict[str, tuple[int, int]]:
    return {r.competency_title: (r.people, r.deficit) for r in figures.deficits.rows}


def test_the_deficits_card_comes_from_the_build_with_small_groups_hidden_below_the_region(world):
    small_framework()
    # Five diagnosed at school A: all with a deficit in «Нормативно-правовые основы», none in
    # communication, and 3 of 5 in the other (its 2 without a deficit would name people).
    _diagnosed(world, world.org_a, 5, "a-")
    analytics_build()
    _diagnosed(world, world.org_b, 5, "later-")  # after the build: not on the cards until the next

    school = home.units_home(world.users["school_head"], "school_head")
    assert school.deficits.diagnosed == 5 and school.deficits.as_of == timezone.localdate()
    titles = _titles(school)
    assert titles["Нормативно-правовые основы"] == (5, 5)
    assert len(titles) == 2 and all(people == 5 for people, _deficit in titles.values())
    assert list(titles)[0] == "Нормативно-правовые основы"  # the largest share first

    region = home.regions_home([world.r1.pk])[world.r1.pk]
    assert region.deficits.diagnosed == 5 and len(region.deficits.rows) == 3  # the region shows the 3-of-5 row
    assert region.deficits.region_id == world.r1.pk

    page = world.client("regional").get("/").content.decode()
    card = page[page.index('id="home-deficits"') :]
    assert "диагностику прошли 5 человек" in card and "данные на" in card


def test_a_school_with_fewer_than_5_diagnosed_says_so_without_the_number(world):
    small_framework()
    _diagnosed(world, world.org_a, 3, "a-")
    analytics_build()

    school = home.units_home(world.users["school_head"], "school_head")
    assert school.deficits.diagnosed is None and school.deficits.rows == []
    page = world.client("school_head").get("/").content.decode()
    assert "Диагностику прошли менее 5 человек" in page


def test_the_fund_card_and_the_fund_page_show_the_same_money_after_a_build(money):  # noqa: F811
    world = money["world"]
    financing.enrollment_request(
        actor=world.users["teacher"], educator=world.self_educator, cohort=money["cohort"], request_id="h-1"
    )  # a hold of 18 000 ₽ on the teacher's certificate
    analytics_build()
    client = world.client("regional")

    def card():
        response = client.get("/")
        return response.context["sections"]["regional_operator"]["regions"][0]["money"], response.content.decode()

    def fund_page():
        response = client.get(f"/financing/region/?region={world.r1.pk}&year={money['year']}")
        return response.context["o"], response.content.decode()

    fund, home_page = card()
    o, page = fund_page()
    figures = ("topped_up", "fund_available", "certificates", "held", "rendered", "owed")
    assert {f: getattr(fund, f) for f in figures} == {f: getattr(o, f) for f in figures}
    assert fund.held == 1_800_000 and fund.topped_up == 20_000_000 and fund.year == money["year"]
    left = str(money_text(o.fund_available))
    assert left in home_page and left in page

    # A later top-up shows on the fund page at once and on the card after the next build.
    financing.fund_top_up(
        actor=money["regional"],
        region=world.r1,
        year=money["year"],
        amount=500_000,
        tid="fund-2",
        document="ПП-2",
        document_date=timezone.localdate(),
    )
    assert card()[0].fund_available == fund.fund_available
    analytics_build()
    fund, _home = card()
    assert fund.fund_available == fund_page()[0].fund_available == o.fund_available + 500_000


def test_a_build_older_than_the_cards_families_says_they_come_with_the_next_build(money):  # noqa: F811
    """A deployment upgraded over a build made before the deficits' and the fund's elements
    existed: the cards must not read the missing rows as «nobody diagnosed» or «the fund is
    empty»; after the next build they show the figures."""
    from efs.monitoring.models import Build

    world = money["world"]
    build = analytics_build()
    assert build.holds("deficits:*") and build.holds("fund:*")
    Build.objects.filter(pk=build.pk).update(elements=[e for e in build.elements if ":" not in e])
    client = world.client("regional")
    page = client.get("/").content.decode()
    deficits, fund = page[page.index('id="home-deficits"') :], page[page.index('id="region-money"') :]
    assert "ещё нет данных о дефицитах: они появятся после следующей сборки" in deficits
    assert "ещё никто не завершил диагностику" not in deficits
    assert "ещё нет данных о фонде: они появятся после следующей сборки" in fund
    assert "пока нет средств" not in fund and "осталось в фонде" not in fund

    analytics_build()
    page = client.get("/").content.decode()
    assert "после следующей сборки" not in page
    fund = page[page.index('id="region-money"') :]
    assert "осталось в фонде" in fund and "ещё никто не завершил диагностику" in page
