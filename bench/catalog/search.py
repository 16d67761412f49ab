"""Search and «programs that close my deficits» over 50 000 programs / 200 000 cohorts.

    .venv/bin/python bench/catalog/search.py --database sqlite|postgres [--programs 50000] [--runs 300]
        [--data-dir DIR] [--pg-database NAME] [--reuse]   # time again a database built before, without rebuilding it
        [--peer term|fts]

Builds a fresh database: the shipped frameworks, 445 synthetic providers (five in each
of the 89 regions) and `--programs` published programs made from the 143 shipped cards
(title and annotation varied, each with 4 cohorts over two years: 200 000 cohorts). Then
times, in-process and per request as the API serves it (ids + the first page of 20 with
outcomes and open cohorts):

- search: 40 Russian queries in inflected forms (30 phrases, plus abbreviations, derived
  words, typos and a query typed in the Latin layout), half with filters (region, dates,
  free seats, competency, form); a query that finds nothing also asks for «did you mean»,
  as the page does;
- close my deficits: 30 deficit profiles of 2–5 competencies, each for a region;
- the peer (`--peer term`, the default): the same requests through the term search
  before the vocabulary (commit 27ef130: frequencies counted in the index per query, two
  levels of grouping), «did you mean» included; the bench reports the queries whose ids
  differ from the peer's. `--peer fts`: the search before terms (every query word
  required: an FTS5 table ranked by bm25 on SQLite, a stored tsvector with GIN and
  ts_rank on PostgreSQL), built in the same database from the same cards.

`--reuse` migrates the database first (new derived tables, such as the search
vocabulary, are filled from the index by their migrations) and prints the load average.

Prints p50 / p95 / p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time

QUERIES = [
    "функциональная грамотность",
    "функциональной грамотности учителей математики",
    "учителей математики",
    "наставничество молодых педагогов",
    "обучающихся с ОВЗ",
    "инклюзивного образования",
    "цифровые образовательные ресурсы",
    "ФГИС Моя школа",
    "формирующее оценивание",
    "рабочей программы по ФОП",
    "воспитательная работа классного руководителя",
    "профилактика буллинга",
    "конфликтов в школе",
    "персональных данных",
    "родителями обучающихся",
    "дифференцированного обучения",
    "психологическая безопасность",
    "русского языка",
    "читательской грамотности",
    "учителей начальных классов",
    "программа развития школы",
    "внутренней системы оценки качества",
    "закупок по 44-ФЗ",
    "охрана труда в школе",
    "педагог-психолог",
    "дефектология",
    "менеджмент в образовании",
    "финансовая грамотность",
    "проектной деятельности",
    "ЕГЭ по математике",
    "ОВЗ",
    "единый государственный экзамен",
    "наставник молодого учителя",
    "оценка образовательных результатов",
    "ИКТ на уроках",
    "матиматика",
    "функциональная грамотнсть",
    "наставничиство",
    "vfntvfnbrf",
    "учителей физики",
]


OLD_STOP = frozenset(
    "и в во на с со к ко по о об от до из за для при у не ни а но или же ли бы то как что это этот "
    "его ее её их они он она оно мы вы я быть который также".split()
)
OLD_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+(?:-[0-9A-Za-zА-Яа-яЁё]+)*")


@functools.lru_cache(maxsize=100_000)
def old_lemma(word: str) -> str:
    """The previous search's reduction: the first pymorphy3 parse."""
    from efs.catalog.search import _morph

    return _morph().parse(word)[0].normal_form.replace("ё", "е") if re.search("[а-я]", word) else word


def old_lemmas(text: str) -> list[str]:
    words = (w.lower().replace("ё", "е") for w in OLD_WORD.findall(text or ""))
    return [old_lemma(w) for w in words if w not in OLD_STOP]


@functools.lru_cache(maxsize=10_000)
def old_document(title: str, body: tuple[str, ...]) -> str:
    return " ".join(old_lemmas(" ".join([title, title, title, *body])))


def old_search_ids(query: str, limit: int = 2000) -> list[int] | None:
    """The previous `search.search_ids`: every query word required."""
    from django.db import connection

    words = list(dict.fromkeys(old_lemmas(query)))
    if not words:
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM catalog_program, plainto_tsquery('russian', %s) q WHERE status = 'published' AND "
                "old_vector @@ q "
                "ORDER BY ts_rank(old_vector, q) DESC, id LIMIT %s",
                [" ".join(words), limit],
            )
        else:
            match = " AND ".join(f'"{w}"*' if len(w) >= 4 else f'"{w}"' for w in words)
            cursor.execute(
                "SELECT f.rowid FROM bench_old_fts f JOIN catalog_program p ON p.id = f.rowid "
                "WHERE bench_old_fts MATCH %s AND p.status = 'published' ORDER BY bm25(bench_old_fts), f.rowid LIMIT "
                "%s",
                [match, limit],
            )
        return [row[0] for row in cursor.fetchall()]


def previous_frequencies(term_list: list[str]) -> tuple[dict[str, int], int]:
    """The peer's `search._document_frequencies` (commit 27ef130): each term's cards counted
    in the index, up to just over a quarter of the cards."""
    from django.db import connection

    from efs.catalog import search

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM catalog_program WHERE status = 'published'")
        total = cursor.fetchone()[0]
        if not term_list:
            return {}, total
        cap = total // search.COMMON_SHARE + 1
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s, COUNT(*) FROM (SELECT 1 FROM catalog_searchterm WHERE term = %s LIMIT {cap}) AS t{n}"
                for n in range(len(term_list))
            ),
            [p for t in term_list for p in (t, t)],
        )
        return {t: df for t, df in cursor.fetchall() if df}, total


def previous_ranked(plan, limit: int) -> list[int]:
    """The peer's `search._ranked` (commit 27ef130): one statement with two levels of
    grouping, the query's common terms restricted by an IN subquery."""
    from django.db import connection

    from efs.catalog import search

    values: dict[str, int] = {}
    concept_of: dict[str, int] = {}
    rarity: list[int] = []
    common: set[int] = set()
    for number, concept in enumerate(plan.concepts):
        df = max((plan.frequencies.get(t, 0) for t in concept.alternatives), default=0)
        if search.COMMON_SHARE * df > plan.total:
            common.add(number)
        idf = search._idf(plan.total, df)
        rarity.append(idf)
        for term, quality in concept.alternatives.items():
            if plan.frequencies.get(term) and term not in concept_of:
                concept_of[term] = number
                values[term] = idf * quality
    if not concept_of:
        return []
    present = sorted(concept_of)
    marks = search._marks
    everything_known = len({concept_of[t] for t in present}) == len(plan.concepts)
    enough = f" OR 2 * COUNT(*) >= {len(plan.concepts)}" if everything_known else ""
    distinctive = [t for t in present if concept_of[t] not in common]
    usual = [t for t in present if concept_of[t] in common]
    if distinctive and usual:
        rows = (
            f"term IN ({marks(distinctive)}) OR (term IN ({marks(usual)}) "
            f"AND program_id IN (SELECT program_id FROM catalog_searchterm WHERE term IN ({marks(distinctive)})))"
        )
        row_params = distinctive + usual + distinctive
    else:
        rows, row_params = f"term IN ({marks(present)})", present
    concept_case = "CASE term " + " ".join(f"WHEN %s THEN {concept_of[t]}" for t in present) + " END"
    value_case = "CASE term " + " ".join(f"WHEN %s THEN {values[t]}" for t in present) + " END"
    rarity_case = "CASE concept " + " ".join(f"WHEN {n} THEN {r}" for n, r in enumerate(rarity)) + " END"
    sql = (
        "SELECT program_id FROM ("
        f"SELECT program_id, {concept_case} AS concept, MAX(weight * {value_case}) AS score "
        f"FROM catalog_searchterm WHERE {rows} GROUP BY 1, 2"
        f") AS per_concept GROUP BY program_id HAVING 2 * SUM({rarity_case}) >= {sum(rarity)}{enough} "
        f"ORDER BY SUM(score) DESC, program_id LIMIT {int(limit)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, present + present + row_params)
        return [row[0] for row in cursor.fetchall()]


def build(n_programs: int, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from efs.catalog import search
    from efs.catalog.importexport import card_to_data
    from efs.catalog.models import (
        Cohort,
        Program,
        ProgramModule,
        ProgramOutcome,
        SearchSpelling,
        SearchTerm,
    )
    from efs.competencies.models import Competency
    from efs.demo.writer import insert_rows
    from efs.people.models import Municipality, Organization, Region
    from efs.people.validators import inn_with_checksum

    call_command("migrate", verbosity=0)
    call_command("starter", verbosity=0)
    rng = random.Random(seed)
    from django.apps import apps

    with open(os.path.join(apps.get_app_config("catalog").path, "data", "programs.json"), encoding="utf-8") as handle:
        cards = json.load(handle)
    leaves = {c.code: c.pk for c in Competency.objects.filter(is_leaf=True)}
    now = timezone.now()
    today = dt.date.today()
    with transaction.atomic():
        providers = []
        for region in Region.objects.all():
            municipality = Municipality.objects.create(region=region, name=region.capital, kind="city_district")
            for k in range(5):
                providers.append(
                    Organization.objects.create(
                        region=region,
                        municipality=municipality,
                        kind=["ipk", "cnppm", "university", "other_provider", "college"][k],
                        name=f"Провайдер {k + 1} ({region.capital})",
                        inn=inn_with_checksum(f"{region.code}{k}{rng.randrange(10**6):06d}"),
                        licensed_for_dpo=True,
                    )
                )
        titles = {c.pk: c.title for c in Competency.objects.filter(is_leaf=True)}
        bodies = {}
        for card in cards:
            data = card_to_data(card)
            bodies[card["code"]] = (
                data.annotation,
                search.audience(teachers=data.for_teachers, managers=data.for_managers, students=data.for_students),
                " ".join(data.positions),
                " ".join(t for _c, _w, t in data.outcomes),
                " ".join(titles[leaves[c]] for c, _w, _t in data.outcomes),
                " ".join(t for t, _h in data.modules),
            )
        programs, outcomes, modules, cohorts, index_rows, old_documents = [], [], [], [], [], []
        indexed: dict[str, dict[str, int]] = {}
        words: set[str] = set()
        flavours = [
            "",
            " (базовый уровень)",
            " (углублённый уровень)",
            ": практикум",
            ": стажировка",
            " для молодых специалистов",
            " в сельской школе",
        ]
        for pk in range(1, n_programs + 1):
            card = cards[pk % len(cards)]
            provider = providers[rng.randrange(len(providers))]
            flavour = rng.choice(flavours)
            title = card["title"] + flavour
            cats = set(card["audience"]["categories"])
            price = round(card["price_rub"] * rng.uniform(0.7, 1.3)) * 100
            document = search.document(title, *bodies[card["code"]])
            if document not in indexed:
                indexed[document] = search.terms(document)
                words |= search.spelling_words(document)
            index_rows.extend((pk, term, weight) for term, weight in indexed[document].items())
            old_documents.append((pk, old_document(title, bodies[card["code"]])))
            programs.append(
                (
                    pk,
                    provider.pk,
                    provider.region_id,
                    f"B-{pk}",
                    card["kind"],
                    title,
                    card["annotation"],
                    "teacher" in cats,
                    "manager" in cats,
                    "student" in cats,
                    json.dumps(card["audience"]["positions"]),
                    card["hours"],
                    card["form"],
                    card["distance_learning"],
                    card["e_learning"],
                    card["final_assessment"],
                    price,
                    provider.name,
                    "published",
                    1,
                    document,
                    "{}",
                    now,
                    now,
                    now,
                )
            )
            for o in card["outcomes"]:
                outcomes.append((pk, leaves[o["competency"]], o["weight"], o["text"]))
            for i, m in enumerate(card["modules"], start=1):
                modules.append((pk, i, m["title"], m["hours"]))
            for _ in range(4):
                start = today + dt.timedelta(days=rng.randint(-60, 660))
                seats = rng.choice([15, 20, 25, 30])
                online = card["form"] == "part_time" or rng.random() < 0.4
                cohorts.append(
                    (
                        pk,
                        provider.region_id,
                        start,
                        start + dt.timedelta(days=rng.randint(2, 60)),
                        start - dt.timedelta(days=7),
                        seats,
                        rng.randint(0, seats),
                        online,
                        None if online else provider.municipality_id,
                        "",
                        price,
                        "open",
                        rng.choice(["region", "region", "macroregion", "country"]),
                        now,
                    )
                )
        insert_rows(
            Program._meta.db_table,
            (
                "id",
                "provider_id",
                "region_id",
                "code",
                "kind",
                "title",
                "annotation",
                "for_teachers",
                "for_managers",
                "for_students",
                "positions",
                "hours",
                "form",
                "distance_learning",
                "e_learning",
                "final_assessment",
                "price",
                "developer",
                "status",
                "version",
                "search_document",
                "effect",
                "created_at",
                "updated_at",
                "published_at",
            ),
            programs,
        )
        insert_rows(ProgramOutcome._meta.db_table, ("program_id", "competency_id", "weight", "text"), outcomes)
        insert_rows(ProgramModule._meta.db_table, ("program_id", "order", "title", "hours"), modules)
        insert_rows(
            Cohort._meta.db_table,
            (
                "program_id",
                "region_id",
                "start_date",
                "end_date",
                "enrollment_deadline",
                "seats",
                "seats_taken",
                "online",
                "municipality_id",
                "address",
                "price",
                "status",
                "availability",
                "created_at",
            ),
            cohorts,
        )
        insert_rows(SearchTerm._meta.db_table, ("program_id", "term", "weight"), index_rows)
        insert_rows(
            SearchSpelling._meta.db_table,
            ("variant", "word"),
            ((v, w) for w in sorted(words) for v in {w} | search.deletions(w)),
        )
    # the peer: the previous search's own structures over the previous documents (outside
    # the transaction: PostgreSQL alters no table with pending foreign-key checks)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE VIRTUAL TABLE bench_old_fts USING fts5(document, tokenize='unicode61 remove_diacritics 0')"
            )
            insert_rows("bench_old_fts", ("rowid", "document"), old_documents)
        else:
            cursor.execute("CREATE TABLE bench_old_document (id integer PRIMARY KEY, document text NOT NULL)")
            insert_rows("bench_old_document", ("id", "document"), old_documents)
            cursor.execute("ALTER TABLE catalog_program ADD COLUMN old_vector tsvector")
            cursor.execute(
                "UPDATE catalog_program p SET old_vector = to_tsvector('russian', d.document) FROM bench_old_document "
                "d WHERE d.id = p.id"
            )
            cursor.execute("CREATE INDEX bench_old_vector ON catalog_program USING GIN (old_vector)")
    search.rebuild_vocabulary()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"built {len(programs):,} programs, {len(cohorts):,} cohorts, {len(outcomes):,} outcomes, {len(index_rows):,} "
        f"index terms on {connection.vendor}",
        flush=True,
    )


def migrate_reused() -> None:
    """Bring a database built by an earlier version of this bench to the current schema
    (the migrations fill new derived tables, such as the search vocabulary, from the index)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    mean = statistics.mean(ordered) * 1000
    return f"p50 {at(0.5):6.1f} ms   p95 {at(0.95):6.1f} ms   p99 {at(0.99):6.1f} ms   mean {mean:6.1f} ms"


def bench(runs: int, seed: int, peer: str = "term") -> None:
    from efs.catalog import queries
    from efs.competencies.models import Competency
    from efs.people.models import Region

    rng = random.Random(seed + 1)
    regions = list(Region.objects.values_list("pk", flat=True))
    codes = list(Competency.objects.filter(is_leaf=True, framework__audience="teacher").values_list("code", "title"))
    today = dt.date.today()

    def search_case(i: int):
        q = QUERIES[i % len(QUERIES)]
        if i % 2:
            return queries.SearchFilters(query=q)
        return queries.SearchFilters(
            query=q,
            region_id=rng.choice(regions),
            free_seats=True,
            date_from=today,
            date_to=today + dt.timedelta(days=rng.choice([90, 180, 365])),
            form=rng.choice(["", "", "blended"]),
            competency=rng.choice(["", "", rng.choice(codes)[0]]),
        )

    from efs.catalog import search

    new_search_ids = search.search_ids
    current = (search._document_frequencies, search._ranked)
    timings: dict[str, list[float]] = {"search": [], "old": [], "deficits": []}
    found = {"search": 0, "old": 0}
    differ: set[str] = set()
    for i in range(runs):
        filters = search_case(i)
        t0 = time.perf_counter()
        ids, total = queries.programs_search(filters)
        queries.programs_page(ids[:20], region_id=filters.region_id)
        if not total:
            queries.search_suggestion(filters)
        timings["search"].append(time.perf_counter() - t0)
        found["search"] += bool(total)
        new_ids = ids
        if peer == "fts":
            search.search_ids = old_search_ids
        else:  # the previous term search, suggestion included
            search._document_frequencies, search._ranked = previous_frequencies, previous_ranked
        try:
            t0 = time.perf_counter()
            ids, total = queries.programs_search(filters)
            queries.programs_page(ids[:20], region_id=filters.region_id)
            if not total and peer != "fts":
                queries.search_suggestion(filters)
            timings["old"].append(time.perf_counter() - t0)
            found["old"] += bool(total)
        finally:
            search.search_ids = new_search_ids
            search._document_frequencies, search._ranked = current
        if peer != "fts" and ids != new_ids:
            differ.add(filters.query)
        profile = [
            queries.Deficit(code=c, title=t, weight=round(rng.uniform(0.5, 1.0), 2))
            for c, t in rng.sample(codes, rng.randint(2, 5))
        ]
        t0 = time.perf_counter()
        queries.programs_for_deficits(
            profile,
            region_id=rng.choice(regions),
            audience="teacher",
            subjects=rng.choice([[], ["mathematics"], ["russian"]]),
        )
        timings["deficits"].append(time.perf_counter() - t0)
    for name, label in (
        ("search", "search (terms, thesaurus, typos)"),
        ("old", "peer: " + ("previous search (all words, FTS)" if peer == "fts" else "previous term search")),
        ("deficits", "close my deficits"),
    ):
        print(f"{label:<40} {percentiles(timings[name])}", flush=True)
    print(
        f"requests that found programs: search {found['search']} of {runs}, peer {found['old']} of {runs}",
        flush=True,
    )
    if peer != "fts":
        print(f"queries ranked differently from the peer: {len(differ)} {sorted(differ)}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--programs", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", help="where the SQLite database is built (default: a new temporary directory)")
    parser.add_argument(
        "--reuse", action="store_true", help="time the database a previous run built (with --data-dir for SQLite)"
    )
    parser.add_argument(
        "--peer",
        choices=["term", "fts"],
        default="term",
        help="term: the term search before the vocabulary (default); fts: the search before terms",
    )
    parser.add_argument(
        "--pg-database", default="efs_bench_catalog", help="the PostgreSQL database built (dropped first) or reused"
    )
    args = parser.parse_args()
    url = f"postgres://postgres@127.0.0.1:5432/{args.pg_database}"
    os.environ["EFS_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="efs-bench-catalog-")
    if args.database == "postgres" and args.reuse:
        os.environ["DATABASE_URL"] = url
    elif args.database == "postgres":
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}"')
            admin.execute(f'CREATE DATABASE "{args.pg_database}"')
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "efs.settings"
    import django

    django.setup()
    if args.reuse:
        migrate_reused()
    else:
        started = time.perf_counter()
        build(args.programs, args.seed)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores", flush=True)
    bench(args.runs, args.seed, args.peer)
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
