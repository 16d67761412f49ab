"""Search that understands teachers: ranking by how much of the query matches, the
thesaurus of abbreviations and synonyms, derivational families, typos, «did you mean»."""

from __future__ import annotations

import pytest

from efs.catalog import queries, search
from tests.catalog.conftest import card, publish

METHODS = dict(
    code="P-M",
    title="Методика обучения математике в основной школе",
    annotation="Как планировать уроки алгебры и геометрии в 5–9 классах, подбирать задачи и проверять результаты "
    "обучения.",
    positions=[],
    modules=[("Планирование уроков", 12), ("Задачи", 12), ("Проверка результатов", 12)],
)


def found(query: str, **filters) -> list[int]:
    return queries.programs_search(queries.SearchFilters(query=query, **filters))[0]


def test_derivational_keys():
    assert search.key("наставник") == search.key("наставничество") == search.key("наставнический")
    assert search.key("оценка") == search.key("оценивание") == search.key("оценочный")
    assert search.key("грамотность") == search.key("грамотный")
    assert search.key("математика") == search.key("математический")
    assert search.key("учителей") == search.key("учитель") and search.key("ОВЗ") == "овз" and search.key("ИИ") == "ии"
    assert search.key("программирование") != search.key("программа")  # pinned apart in the thesaurus


def test_partial_matches_rank_below_full_ones(depot):
    full = publish(depot, card())  # «… учителей математики» in the title
    methods = publish(depot, card(**METHODS))  # no teacher anywhere, математике in the title
    assert found("учителей математики") == [full.pk, methods.pk]
    assert found("математика") == [full.pk, methods.pk] or found("математика") == [methods.pk, full.pk]
    # only the common word matches: not enough of the query
    assert found("учителей физики") == []


def test_title_matches_rank_first(depot):
    body = publish(
        depot,
        card(
            code="P-B",
            title="Современный урок в основной школе",
            annotation="Курс для учителей: наставничество, разбор уроков, обратная связь от коллег и администрации.",
        ),
    )
    title = publish(depot, card(code="P-T", title="Наставничество в школе: модели и практики"))
    assert found("наставничество") == [title.pk, body.pk]


@pytest.mark.parametrize(
    ("query", "annotation"),
    [
        (
            "ОВЗ",
            "Программа об обучении детей с ограниченными возможностями здоровья на уроках математики в общем классе.",
        ),
        (
            "ограниченными возможностями здоровья",
            "Программа для учителей, работающих с обучающимися с ОВЗ на уроках математики в общем классе.",
        ),
        (
            "ФГОС",
            "Программа о требованиях федерального государственного образовательного стандарта к урокам математики.",
        ),
        (
            "федеральный государственный образовательный стандарт",
            "Программа о требованиях ФГОС к урокам математики и о рабочих программах учителя.",
        ),
        ("ЦОР", "Программа о цифровых образовательных ресурсах на уроках математики и о безопасной работе с ними."),
        ("ДОО", "Программа для воспитателей детского сада: развивающая среда и игры с математическим содержанием."),
        (
            "СОШ",
            "Программа для учителей средней общеобразовательной школы: уроки математики в разновозрастных классах.",
        ),
        (
            "индивидуальный образовательный маршрут",
            "Программа о том, как учителю математики составить свой ИОМ после диагностики дефицитов.",
        ),
        (
            "центр непрерывного повышения профессионального мастерства",
            "Программа ЦНППМ для учителей математики: разбор уроков и методическое сопровождение.",
        ),
        ("ВПР", "Программа о всероссийских проверочных работах по математике: анализ результатов и коррекция."),
        ("травля", "Программа о профилактике буллинга в классе и о работе с родителями обучающихся."),
    ],
)
def test_thesaurus_both_directions(depot, query, annotation):
    program = publish(
        depot,
        card(
            code="P-T",
            title="Программа повышения квалификации педагогов",
            annotation=annotation,
            modules=[("Модуль", 36)],
        ),
    )
    other = publish(
        depot,
        card(
            code="P-O",
            title="Воспитательная работа классного руководителя",
            annotation="Классный руководитель: воспитание, работа с семьёй, праздники и традиции класса.",
            modules=[("Воспитание", 36)],
        ),
    )
    assert found(query) == [program.pk]
    assert other.pk not in found(query)


def test_derivational_matching(depot):
    mentoring = publish(
        depot,
        card(
            code="P-N",
            title="Наставничество в образовательной организации",
            annotation="Как организовать наставничество молодых педагогов: модели, планы, обратная связь.",
            outcomes=[("T.COM", 1.0, "")],
            modules=[("Модели", 36)],
        ),
    )
    assessment = publish(
        depot,
        card(
            code="P-O",
            title="Формирующее оценивание на уроке",
            annotation="Приёмы формирующего оценивания: критерии, самооценка, обратная связь ученикам.",
        ),
    )
    assert found("наставник") == [mentoring.pk]
    assert found("оценка") == [assessment.pk]
    assert found("наставнические модели") == [mentoring.pk]


def test_typos_in_words_of_five_letters_and_more(depot):
    program = publish(depot, card(**METHODS))
    assert found("матиматика") == [program.pk]  # one wrong letter
    assert found("мaтематика".replace("a", "")) == [program.pk]  # one missing letter: «мтематика»
    assert found("матемтаика") == [program.pk]  # two letters swapped
    assert found("vfntvfnbrf") == [program.pk]  # typed in the Latin layout
    assert found("уроки алгебры") == [program.pk]
    assert found("урак") == []  # four letters: no typo tolerance


def test_did_you_mean(depot):
    program = publish(depot, card(**METHODS))
    assert found("мотемотика") == []  # two edits are not matched…
    assert queries.search_suggestion(queries.SearchFilters(query="мотемотика")) == "математика"  # …but suggested
    assert found("математике") == [program.pk]
    assert queries.search_suggestion(queries.SearchFilters(query="методика мотемотике")) == "методика математике"
    assert queries.search_suggestion(queries.SearchFilters(query="астрофизика")) is None
    client = depot["world"].client("teacher")
    page = client.get("/catalog/", {"q": "мотемотика", "anywhere": "1"}).content.decode()
    # the link keeps the other filters
    assert (
        "Возможно, вы имели в виду <a "
        'href="?q=%D0%BC%D0%B0%D1%82%D0%B5%D0%BC%D0%B0%D1%82%D0%B8%D0%BA%D0%B0&amp;anywhere=1"' in page
    )
    api = client.get("/api/catalog/programs", {"q": "мотемотика"}).json()
    assert api == {"count": 0, "items": [], "suggestion": "математика"}
    assert client.get("/api/catalog/programs", {"q": "математика"}).json()["suggestion"] is None


def test_index_follows_the_status(depot):
    from efs.catalog.services import program_archive

    program = publish(depot, card(**METHODS))
    assert found("алгебра") == [program.pk]
    program_archive(actor=depot["world"].users["regional"], program=program, comment="устарела")
    assert found("алгебра") == []


def test_reindex_all_rebuilds_the_same_index(depot):
    from efs.catalog.models import SearchTerm

    publish(depot, card())
    publish(depot, card(**METHODS))
    before = sorted(SearchTerm.objects.values_list("program_id", "term", "weight"))
    assert search.reindex_all() == 2
    assert sorted(SearchTerm.objects.values_list("program_id", "term", "weight")) == before


def test_common_words_only_rank_when_the_query_has_a_distinctive_one(depot):
    others = [
        publish(
            depot,
            card(
                code=f"P-{n}",
                title=title,
                annotation="Курс для учителей: разбор уроков, обратная связь от коллег и администрации школы.",
                modules=[("Уроки", 36)],
                outcomes=[("T.COM", 1.0, "")],
            ),
        )
        for n, title in enumerate(
            [
                "Современный урок в школе",
                "Воспитательная работа в классе",
                "Наставничество молодых педагогов",
                "Работа с родителями обучающихся",
            ]
        )
    ]
    methods = publish(depot, card(**METHODS))
    # «учитель» is in every card for teachers (5 of 5): it only ranks; математика decides
    assert found("учителей математики") == [methods.pk]
    # a query of common words alone finds every card that has them, title matches first
    # («педагогов» is in the thesaurus group of «учитель»)
    assert found("учителей") == [others[2].pk, others[0].pk, others[1].pk, others[3].pk, methods.pk]


def test_a_word_that_is_a_deletion_of_another_is_still_a_word(depot):
    publish(
        depot,
        card(
            code="P-A",
            title="Школьная парта и осанка ученика",
            annotation="Как подобрать мебель по росту и следить за осанкой обучающихся на каждом уроке.",
        ),
    )
    publish(
        depot,
        card(
            code="P-B",
            title="Урок как пара: работа в парах",
            annotation="Как организовать работу в парах сменного состава на уроке математики в школе.",
        ),
    )
    assert (1, "пара") in search.corrections("пора", distance=1)  # «пара» is also a deletion of «парта»


def _vocabulary() -> dict[str, int]:
    from efs.catalog.models import SearchVocabulary

    return dict(SearchVocabulary.objects.values_list("term", "cards"))


def _counted() -> dict[str, int]:
    from collections import Counter

    from efs.catalog.models import SearchTerm

    rows = list(SearchTerm.objects.values_list("program_id", "term"))
    counts = Counter(term for _p, term in rows)
    counts[search.ALL] = len({p for p, _t in rows})
    return {t: n for t, n in counts.items() if n}


def test_the_vocabulary_follows_every_change_of_a_card(depot):
    from efs.catalog.services import program_archive

    assert _vocabulary() == {}
    first = publish(depot, card())
    second = publish(depot, card(**METHODS))
    assert _vocabulary() == _counted() and _vocabulary()[search.ALL] == 2
    second.title = "Методика обучения информатике"
    second.search_document = search.document(second.title, second.annotation)
    search.reindex(second)
    assert _vocabulary() == _counted()
    program_archive(actor=depot["world"].users["regional"], program=first, comment="устарела")
    assert _vocabulary() == _counted() and _vocabulary()[search.ALL] == 1
    search.rebuild_vocabulary()
    assert _vocabulary() == _counted()


RANKING_QUERIES = [
    "учителей математики",
    "учителей",
    "наставничество молодых педагогов",
    "обучающихся с ОВЗ",
    "методика обучения в школе",
    "работа с родителями",
    "мотематика",  # a typo: the corrections' terms
    "учителей физики",
]


def _reference(query: str) -> list[int]:
    """The ranking rule of search.py computed in Python from the index rows: what the one
    SQL statement must return on every database."""
    from efs.catalog.models import SearchTerm

    plan = search._plan(query)
    assert plan is not None
    rarity, values, concept_of, common = [], {}, {}, set()
    for number, concept in enumerate(plan.concepts):
        df = max((plan.frequencies.get(t, 0) for t in concept.alternatives), default=0)
        if search.COMMON_SHARE * df > plan.total:
            common.add(number)
        rarity.append(search._idf(plan.total, df))
        for term, quality in concept.alternatives.items():
            if plan.frequencies.get(term) and term not in concept_of:
                concept_of[term], values[term] = number, rarity[-1] * quality
    per_program: dict[int, dict[int, int]] = {}
    for program_id, term, weight in SearchTerm.objects.filter(term__in=concept_of).values_list(
        "program_id", "term", "weight"
    ):
        concepts = per_program.setdefault(program_id, {})
        number = concept_of[term]
        concepts[number] = max(concepts.get(number, 0), weight * values[term])
    distinctive = {n for n in set(concept_of.values()) if n not in common}
    everything_known = len(set(concept_of.values())) == len(plan.concepts)
    ranked = []
    for program_id, concepts in per_program.items():
        if distinctive and not distinctive & set(concepts):
            continue  # common concepts only rank the programs a distinctive one finds
        if 2 * sum(rarity[n] for n in concepts) >= sum(rarity) or (
            everything_known and 2 * len(concepts) >= len(plan.concepts)
        ):
            ranked.append((-sum(concepts.values()), program_id))
    return [program_id for _s, program_id in sorted(ranked)]


def _ranking_cards(depot) -> None:
    titles = [
        "Современный урок в школе",
        "Воспитательная работа в классе",
        "Наставничество молодых педагогов",
        "Работа с родителями обучающихся с ОВЗ",
        "Методика обучения математике в сельской школе",
    ]
    for n, title in enumerate(titles):
        publish(
            depot,
            card(
                code=f"R-{n}",
                title=title,
                annotation="Курс для учителей: разбор уроков, обратная связь от коллег и администрации школы.",
                modules=[("Уроки", 36)],
                outcomes=[("T.COM", 1.0, "")],
            ),
        )
    publish(depot, card())
    publish(depot, card(**METHODS))


def test_the_ranking_statement_agrees_with_the_rule_on_this_database(depot):
    """Run on SQLite and on PostgreSQL (scripts/test.sh): both equal the same Python
    reference, so both give the same ranking."""
    _ranking_cards(depot)
    for query in RANKING_QUERIES:
        assert search.search_ids(query) == _reference(query), query


def test_the_title_tier_gives_the_full_ranking_or_steps_aside(depot, monkeypatch):
    """The title tier (programs with a query term in the title) answers alone only when
    its last program outscores any program without a title match; every cut of every
    query equals the reference, on whichever database the suite runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from efs.catalog.models import Program

    _ranking_cards(depot)
    monkeypatch.setattr(search, "_tier_worth_trying", lambda *_sizes: True)  # whatever the sizes
    monkeypatch.setattr(search, "TITLE_TIER_ROWS", 0)  # every statement large: serial on PostgreSQL
    for query in RANKING_QUERIES:
        reference = _reference(query)
        for limit in range(1, len(reference) + 2):
            assert search._ranked(search._plan(query), limit) == reference[:limit], (query, limit)

    def statements(query: str, limit: int) -> int:
        """Ranking statements (PostgreSQL adds its SET LOCAL, and savepoints in a test)."""
        plan = search._plan(query)
        with CaptureQueriesContext(connection) as captured:
            search._ranked(plan, limit)
        return sum("catalog_searchterm" in query["sql"] for query in captured.captured_queries)

    # «учителей» (common: in 6 of the 7 cards) is in two titles: «…учителей математики»
    # and «Наставничество молодых педагогов» (педагог is in the group of учитель)
    titled = Program.objects.filter(title__in=[card().title, "Наставничество молодых педагогов"])
    assert set(_reference("учителей")[:2]) == set(titled.values_list("pk", flat=True))
    assert statements("учителей", 1) == statements("учителей", 2) == 1  # the tier alone
    assert statements("учителей", 3) == 2  # two titled programs only: the full statement too
    with CaptureQueriesContext(connection) as captured:
        search._ranked(search._plan("учителей"), 1)
    serial = any("max_parallel_workers_per_gather" in query["sql"] for query in captured.captured_queries)
    assert serial == (connection.vendor == "postgresql")
