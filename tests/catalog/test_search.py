"""Russian full-text search (morphology), filters, and «programs that close my deficits»."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.catalog import queries
from efs.catalog.search import lemmas
from tests.catalog.conftest import card, publish
from tests.diagnostics.conftest import finished_attempt


def test_lemmas_reduce_inflections():
    assert lemmas("учителей математики") == ["учитель", "математика"]
    assert lemmas("Учитель математики") == ["учитель", "математика"]
    assert lemmas("о функциональной грамотности") == ["функциональный", "грамотность"]
    assert lemmas("обучающихся") == lemmas("обучающиеся")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("учителей математики", True),
        ("учитель математики", True),
        ("функциональная грамотность", True),
        ("функциональной грамотностью", True),
        ("задачами в контекстах", True),
        ("учителей физики", False),
        ("ёлка", False),
    ],
)
def test_search_finds_any_inflection(depot, query, found):
    program = publish(depot, card())
    ids, total = queries.programs_search(queries.SearchFilters(query=query))
    assert (program.pk in ids) is found and total == len(ids)


def test_search_ranks_title_matches_first_and_ignores_drafts(depot):
    from efs.catalog.services import program_create

    strong = publish(depot, card(code="P-A", title="Функциональная грамотность: математическая грамотность на уроках"))
    weak = publish(
        depot,
        card(
            code="P-B",
            title="Воспитательная работа классного руководителя",
            annotation="Классный руководитель и воспитание; одна тема — функциональная грамотность.",
            outcomes=[("T.COM", 0.9, "")],
        ),
    )
    draft = program_create(
        actor=depot["staff"],
        provider=depot["provider"],
        data=card(code="P-C", title="Функциональная грамотность — черновик программы"),
    )
    ids, _total = queries.programs_search(queries.SearchFilters(query="функциональной грамотности"))
    assert ids.index(strong.pk) < ids.index(weak.pk)
    assert draft.pk not in ids


def test_filters_by_competency_form_price_dates_seats_and_region(depot):
    world = depot["world"]
    cheap = publish(depot, card(code="P-A", price=0), start_in_days=20)
    dear = publish(
        depot, card(code="P-B", form="full_time", price=3_000_000, outcomes=[("T.COM", 0.7, "")]), start_in_days=90
    )
    f = queries.SearchFilters
    assert queries.programs_search(f(competency="T.COM"))[0] == [dear.pk]
    assert queries.programs_search(f(form="full_time"))[0] == [dear.pk]
    assert queries.programs_search(f(max_price=100_000))[0] == [cheap.pk]
    soon = timezone.localdate() + dt.timedelta(days=40)
    assert queries.programs_search(f(date_to=soon))[0] == [cheap.pk]
    assert set(queries.programs_search(f(free_seats=True))[0]) == {cheap.pk, dear.pk}
    # region: cohorts are open to the provider's region only
    assert set(queries.programs_search(f(region_id=world.r1.pk))[0]) == {cheap.pk, dear.pk}
    assert queries.programs_search(f(region_id=world.r2.pk))[0] == []


def test_cohort_open_to_the_country_or_the_macroregion(depot):
    from efs.people.models import Macroregion, Region

    world = depot["world"]
    country = publish(depot, card(code="P-A"), availability="country")
    macro = publish(depot, card(code="P-B"), availability="macroregion")
    far = Region.objects.get(code="77")
    assert set(queries.programs_search(queries.SearchFilters(region_id=far.pk))[0]) == {country.pk}
    team = Macroregion.objects.create(name="Сибирь")
    team.regions.set([world.r1, world.r2])
    assert set(queries.programs_search(queries.SearchFilters(region_id=world.r2.pk))[0]) == {country.pk, macro.pk}


def _diagnosed(world, deficits: dict[str, float]):
    """A finished attempt of the teacher with the given probabilities of a deficit."""
    return finished_attempt(world.users["teacher"], world.self_educator, deficits)


def test_programs_that_close_my_deficits_are_ranked_with_reasons(depot):
    world = depot["world"]
    both = publish(depot, card(code="P-A", outcomes=[("T.RO", 0.9, ""), ("T.NP", 0.6, "")]))
    one = publish(depot, card(code="P-B", outcomes=[("T.RO", 1.0, "")]))
    other = publish(depot, card(code="P-C", outcomes=[("T.COM", 1.0, "")]))
    maths_only = publish(depot, card(code="P-D", subjects=["physics"], outcomes=[("T.RO", 1.0, ""), ("T.NP", 1.0, "")]))
    _diagnosed(world, {"T.RO": 0.98, "T.NP": 0.7, "T.COM": 0.02})
    deficits = queries.deficits_of(world.self_educator)
    assert [(d.code, d.weight) for d in deficits] == [("T.RO", 0.98), ("T.NP", 0.7)]
    matches = queries.programs_for_deficits(
        deficits, region_id=world.r1.pk, audience="teacher", subjects=["mathematics"]
    )
    assert [m.program.pk for m in matches] == [both.pk, one.pk]  # physics-only and irrelevant programs are out
    assert other.pk not in [m.program.pk for m in matches] and maths_only.pk not in [m.program.pk for m in matches]
    top = matches[0]
    assert top.score == pytest.approx(0.98 * 0.9 + 0.7 * 0.6)
    assert top.share == pytest.approx(top.score / 1.68)
    assert [(d.code, w) for d, w in top.covers] == [("T.RO", 0.9), ("T.NP", 0.6)]
    page = world.client("teacher").get("/catalog/for-me/").content.decode()
    assert "закрывает дефицит:" in page and "покрывает" in page


def test_for_me_without_a_diagnosis_says_what_is_missing(depot):
    publish(depot, card())
    page = depot["world"].client("teacher").get("/catalog/for-me/").content.decode()
    assert "Закрывать пока нечего" in page


def test_search_page_and_api(depot):
    program = publish(depot, card())
    client = depot["world"].client("teacher")
    page = client.get("/catalog/", {"q": "учителей математики"}).content.decode()
    assert program.title in page and "Найдена 1 программа" in page
    empty = client.get("/catalog/", {"q": "астрофизика"}).content.decode()
    assert "ничего не найдено" in empty
    api = client.get("/api/catalog/programs", {"q": "учителей математики"}).json()
    assert api["count"] == 1 and api["items"][0]["id"] == program.pk and api["items"][0]["cohorts"]
