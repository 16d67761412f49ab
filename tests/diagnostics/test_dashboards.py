"""Operators' dashboards (issue 11, item 8): categories on the most frequent deficits, the
deficit map filtered by municipality and category and exported, each region's own totals."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from efs.people.models import Role, Scope, User
from efs.people.services import role_grant
from tests.conftest import make_educator
from tests.diagnostics.conftest import finished_attempt


def _diagnosed(world, org, n: int, prefix: str) -> None:
    for i in range(n):
        user = User.objects.create_user(username=f"{prefix}{i}", password="x")
        role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=org.region)
        educator = make_educator(org, f"{prefix}{i}", user=user)
        finished_attempt(user, educator, {"T.NP": 0.99, "T.RO": 0.01 if i % 2 else 0.99, "T.COM": 0.01})


def test_a_regional_operator_of_two_regions_sees_each_regions_own_totals(world, bank):
    role_grant(
        user=world.users["regional"],
        role=Role.REGIONAL_OPERATOR,
        scope=Scope.REGION,
        region=world.r2,
    )
    _diagnosed(world, world.org_d, 5, "r2-")  # five diagnosed in region 2, none in region 1
    from efs.monitoring.public import analytics_build

    analytics_build()  # the staff and routes cards read monitoring's analytics table
    response = world.client("regional").get("/")
    cards = {card["region"].pk: card for card in response.context["sections"]["regional_operator"]["regions"]}
    assert cards[world.r1.pk]["figures"].staff.total == 4 and cards[world.r2.pk]["figures"].staff.total == 1 + 5
    assert cards[world.r1.pk]["deficits"].diagnosed == 0 and cards[world.r2.pk]["deficits"].diagnosed == 5
    assert (
        cards[world.r1.pk]["deficits"].rows == []
        and cards[world.r2.pk]["deficits"].rows[0].competency_title == "Нормативно-правовые основы"
    )
    assert cards[world.r1.pk]["figures"].routes.educators == 4 and cards[world.r2.pk]["figures"].routes.educators == 6


def test_the_most_frequent_deficits_say_which_category_of_people(world, bank):
    _diagnosed(world, world.org_b, 5, "b-")
    from efs.monitoring.public import analytics_build

    analytics_build()  # the card reads monitoring's analytics table
    page = world.client("regional").get("/").content.decode()
    card = page[page.index("Самые частые дефициты") :]
    assert "Нормативно-правовые основы" in card and "педагоги</span>" in card


def test_the_deficit_map_filters_by_municipality_and_category_and_exports(world, bank):
    _diagnosed(world, world.org_b, 5, "m1-")  # municipality 1
    _diagnosed(world, world.org_c, 6, "m2-")  # municipality 2
    client = world.client("regional")
    page = client.get("/diagnostics/map/").content.decode()
    assert (
        f'<option value="{world.m1.pk}"' in page
        and f'<option value="{world.m2.pk}"' in page
        and 'value="manager"' in page
    )
    assert "11 человек" in page

    m2 = client.get(f"/diagnostics/map/?municipality={world.m2.pk}")
    assert m2.context["municipality"] == world.m2 and m2.context["as_of"] is not None
    # The municipality's snapshot counts results finished before today: none yet.
    assert m2.context["rows"] == []
    managers = client.get("/diagnostics/map/?category=manager")
    assert managers.context["rows"] == [] and managers.context["audience"] == "manager"
    teachers = client.get("/diagnostics/map/?category=teacher")
    assert {r.competency_code for r in teachers.context["rows"]} == {"T.NP", "T.RO", "T.COM"}
    foreign = client.get(f"/diagnostics/map/?municipality={world.m1.pk + 1000}")  # not in scope: ignored
    assert foreign.context["municipality"] is None

    export = client.get("/diagnostics/map/?category=teacher&export=xlsx")
    assert export.status_code == 200 and export["Content-Disposition"].startswith('attachment; filename="deficit-map-')
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Категория",
        "Код компетенции",
        "Компетенция",
        "Люди",
        "Дефицит",
        "Не определено",
        "Дефицита нет",
    )
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["T.NP"] == ("педагоги", "T.NP", "Нормативно-правовые основы", 11, 11, 0, 0)


def test_region_level_maps_read_the_build_and_count_what_the_live_map_counts(world, bank):
    """Region level and above the map reads the build's deficit profile (a country's live
    count takes half a minute): the same rows and totals as the live count, for a region, a
    macroregion, the country and a region chosen by the federal operator; says when it was built."""
    from efs.monitoring.public import analytics_build

    _diagnosed(world, world.org_b, 5, "p-")
    _diagnosed(world, world.org_d, 6, "q-")  # region 2
    finished_attempt(_user_of(world.same_org), world.same_org, {"T.NP": 0.5, "T.RO": 0.5})  # undetermined
    finished_attempt(_user_of(world.other_muni), world.other_muni, {"T.NP": 0.99})
    pages = [
        ("regional", ""),
        ("macroregional", ""),
        ("federal", ""),
        ("federal", f"?region={world.r2.pk}"),
        ("federal", "?category=teacher"),
    ]

    def maps():
        return [world.client(who).get(f"/diagnostics/map/{query}").context for who, query in pages]

    live = maps()
    assert all(context["built"] is None for context in live)
    analytics_build()
    built = maps()
    for before, after in zip(live, built, strict=True):
        assert after["built"] is not None and after["as_of"] is None
        assert after["rows"] == before["rows"] and after["diagnosed"] == before["diagnosed"]
    assert any(row.uncertain for row in built[0]["rows"]) and built[2]["diagnosed"] == 5 + 6 + 2
    page = world.client("federal").get("/diagnostics/map/").content.decode()
    assert "Данные таблиц мониторинга, построенных" in page


def _user_of(educator):
    from tests.conftest import make_user

    if educator.user is None:
        educator.user = make_user(f"u{educator.pk}")
        educator.save(update_fields=["user"])
    return educator.user


def test_a_school_head_has_no_region_or_municipality_filter(world, bank):
    page = world.client("school_head").get("/diagnostics/map/")
    assert page.status_code == 200
    assert page.context["choices"].municipalities == [] and page.context["choices"].regions == []


def test_operators_pages_make_a_fixed_number_of_queries(world, bank):
    """Exact query counts of the operators' dashboards (issue 13, «Speed»): the first request
    (cold cache) and the next one (aggregates cached: the live region map for 2 minutes, the
    snapshot below region level for the day, people totals for 5 minutes)."""
    from tests.conftest import queries_of

    _diagnosed(world, world.org_a, 5, "a-")
    expected = {
        # login: {url: (cold, warm)}
        "school_head": {
            "/": (COLD["head_home"], WARM["head_home"]),
            "/diagnostics/map/": (COLD["head_map"], WARM["head_map"]),
            "/people/educators/": (COLD["people"], WARM["people"]),
        },
        "municipal": {
            "/": (COLD["municipal_home"], WARM["municipal_home"]),
            "/diagnostics/map/": (COLD["municipal_map"], WARM["municipal_map"]),
        },
        "regional": {
            "/": (COLD["regional_home"], WARM["regional_home"]),
            "/diagnostics/map/": (COLD["regional_map"], WARM["regional_map"]),
            "/people/educators/": (COLD["people"], WARM["people"]),
        },
        "federal": {
            "/": (COLD["federal_home"], WARM["federal_home"]),
            "/diagnostics/map/": (COLD["federal_map"], WARM["federal_map"]),
            "/people/educators/": (COLD["federal_people"], WARM["federal_people"]),
        },
    }
    measured = {}
    for login, pages in expected.items():
        client = world.client(login)
        client.get("/healthz")  # the session's first request stores its time zone
        for url in pages:
            measured[(login, url)] = (queries_of(client, url), queries_of(client, url))
    assert measured == {(login, url): counts for login, pages in expected.items() for url, counts in pages.items()}


COLD = {
    "head_home": 5,  # every home figure comes from the analytics table (none built here)
    "head_map": 5,  # below region level the map publishes its daily snapshot on the first read
    "people": 10,
    "municipal_home": 5,
    "municipal_map": 5,
    "regional_home": 6,  # the deficits and fund cards too: no live aggregate on the home
    "regional_map": 10,  # + the published build whose deficit profile it would read (none here: live)
    "federal_home": 7,  # + the published monitoring build it reads headcounts from (none here: the cached group-by)
    "federal_map": 9,
    "federal_people": 9,  # the audit events of the page's regions (two here) in one INSERT
}
WARM = COLD | {
    "head_map": 4,
    "people": 9,
    "municipal_map": 4,
    "regional_map": 7,
    "federal_home": 5,
    "federal_map": 6,
    "federal_people": 8,
}


def test_a_region_level_map_read_from_the_build_makes_a_fixed_number_of_queries(world, bank):
    from efs.monitoring.public import analytics_build
    from tests.conftest import queries_of

    _diagnosed(world, world.org_a, 5, "a-")
    analytics_build()
    # session, user, grants, the map's filter choices, the build, its deficit profile, the
    # competencies, the unread count (the first request also saves its session: 3 more; the
    # next reads the profile from the cache); the regional operator's choices add the
    # region's municipalities
    for who, expected in (("federal", [11, 7]), ("regional", [13, 8])):
        client = world.client(who)
        assert [queries_of(client, "/diagnostics/map/") for _ in range(2)] == expected, who
