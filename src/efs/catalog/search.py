"""Search of published programs that understands teachers' words, the same on SQLite and
PostgreSQL.

A card is indexed as a set of *terms* (table ``catalog_searchterm``: program, term,
weight 3 in the title or 1 elsewhere), written by ``reindex`` whenever a program's card
or status changes; only published programs are indexed. ``reindex`` also keeps the
*vocabulary* (``catalog_searchvocabulary``: term → number of cards, ``*`` → number of
indexed cards) in step, so a query's term frequencies are one lookup (ADR 0007).

- Every word is reduced to its dictionary form with pymorphy3 («учителей» → «учитель»)
  and then to a *derivational key* by stripping word-forming suffixes
  («наставничество», «наставник» → «настав»; «оценивание», «оценка» → «оцен»).
  Abbreviations written in capitals (ОВЗ, ИИ) are kept as they are.
- The thesaurus ``data/thesaurus.json`` groups abbreviations and synonyms; a card that
  contains any member of a group (a word or a phrase, in any inflection) also gets the
  group's term ``=<first member>``, and a query member is looked up through it: ОВЗ finds
  «с ограниченными возможностями здоровья» and the other way round.
- A query is split into *concepts* (a word, or a thesaurus phrase). A program scores,
  for each concept it contains, the concept's rarity (BM25 idf) × 3 in the title or × 1
  elsewhere; the best programs come first. A program is a match when it contains half
  of the query's concepts, or concepts carrying half of the query's total rarity; when a
  concept is in no card at all, only the rarity rule holds. When the query has a
  distinctive concept (in at most a quarter of the cards), a match must contain one:
  common words («учитель» is in nearly every card) only rank. So «учителей математики»
  finds «Методика обучения математике…», and «учителей физики» finds the physics
  programs, or nothing when no card mentions physics, rather than every card for
  teachers.
- A query word of 5+ letters that no card contains is matched to card words one edit
  away (a letter missing, extra, wrong or two letters swapped; table
  ``catalog_searchspelling`` holds every card word and its one-letter deletions), or,
  when it is typed in the Latin layout, to its Cyrillic reading («vfntvfnbrf» →
  «математика»); such matches count a quarter less.
- When nothing is found, ``suggestion`` proposes the query with its unknown words
  replaced by the nearest card words (up to two edits) when that query finds programs:
  «Возможно, вы имели в виду …».

Scores are integers computed by one SQL statement that both databases evaluate alike;
ties go to the lower id, so both return the same list. The statement reads only the
index ``(term, program, weight)`` and groups once per program (one column per concept).
A query made only of common words is first ranked among the programs with a query term
in the title, which is the answer when its last program outscores any program without
one (ADR 0007).
"""

from __future__ import annotations

import json
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db import connection, transaction
from django.db.models import F

LIMIT = 2000
TITLE_WEIGHT = 3
BODY_WEIGHT = 1
EXACT = 4  # quality of a match through the word's own key or its thesaurus group
FUZZY = 3  # through a typo correction or the keyboard layout
MIN_TYPO_LENGTH = 5
MAX_TERM = 64
COMMON_SHARE = 4  # a concept in more than a quarter of the published cards is common

_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+(?:-[0-9A-Za-zА-Яа-яЁё]+)*")
# Words that carry no meaning in a search of program cards.
STOP = frozenset(
    "и в во на с со к ко по о об от до из за для при у не ни а но или же ли бы то как что это этот "
    "его ее её их они он она оно мы вы я быть который также".split()
)
# Word-forming suffixes of lemmas (nouns, adjectives, participles, verbs), longest first.
_SUFFIXES = sorted(
    """
    ничество нический очный ечный ировать ирование ированный ованный ивание ывание ование овать ивать ывать
    ический ческий ический ательный ительный ательность тельность ельность
    ающийся яющийся ующийся ющийся ащийся ящийся ающий яющий ующий ющий ащий ящий
    имость емость ность ость ство ество ение ание ация яция изация
    итель атель тель ник щик чик ист изм
    ский ской ный ной ний ный ой ый ий
    ика ик ка ица ок ек
    ать ять ить еть уть ти
    """.split(),
    key=len,
    reverse=True,
)
_ENDINGS = ("а", "я", "о", "е", "ы", "и", "ь", "й", "у", "ю")
_MIN_STEM = 4
_LATIN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_CYRILLIC = "йцукенгшщзхъфывапролджэячсмитьбюё"
_LAYOUT = str.maketrans(_LATIN, _CYRILLIC)


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def _normal(word: str) -> str:
    return word.lower().replace("ё", "е")


def _is_abbreviation(word: str) -> bool:
    return len(word) >= 2 and word.isupper() and "-" not in word


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    if _is_abbreviation(word):
        return _normal(word)
    word = _normal(word)
    if not re.search("[а-я]", word) or word in _thesaurus_data().abbreviations:
        return word
    parses = _morph().parse(word)
    known = [p.normal_form.replace("ё", "е") for p in parses if p.is_known]
    if known:
        # A word that is a dictionary form itself keeps it («математика», not «математик»).
        return word if word in known else known[0]
    # Guesses for a word the dictionary lacks disagree between its forms («буллинг» →
    # «буллинга»); the shortest guess is the stable one.
    return min((p.normal_form.replace("ё", "е") for p in parses), key=lambda w: (len(w), w))


@lru_cache(maxsize=200_000)
def family(lemma_word: str) -> str:
    """The derivational key of a lemma: its word-forming suffix and ending stripped."""
    pinned = _thesaurus_data().families.get(lemma_word)
    if pinned:
        return pinned
    if "-" in lemma_word or not re.fullmatch("[а-я]+", lemma_word) or len(lemma_word) <= _MIN_STEM:
        return lemma_word
    stem = lemma_word
    for reflexive in ("ся", "сь"):
        if stem.endswith(reflexive) and len(stem) - 2 > _MIN_STEM:
            stem = stem[:-2]
    for suffix in _SUFFIXES:
        if stem.endswith(suffix) and len(stem) - len(suffix) >= _MIN_STEM:
            stem = stem[: -len(suffix)]
            break
    while stem.endswith(_ENDINGS) and len(stem) - 1 >= _MIN_STEM:
        stem = stem[:-1]
    return stem


def _tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text or "") if _is_abbreviation(w) or _normal(w) not in STOP]


def lemmas(text: str) -> list[str]:
    return [lemma(w) for w in _tokens(text)]


def key(word: str) -> str:
    return family(lemma(word))


# ---------------------------------------------------------------- the thesaurus


THESAURUS_FILE = Path(__file__).parent / "data" / "thesaurus.json"


@dataclass(frozen=True)
class ThesaurusData:
    groups: list[list[str]]
    abbreviations: frozenset[str]  # written in capitals in the thesaurus, lower-cased
    families: dict[str, str]  # lemma → pinned derivational key


@lru_cache(maxsize=1)
def _thesaurus_data() -> ThesaurusData:
    with THESAURUS_FILE.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return ThesaurusData(
        groups=data["groups"],
        abbreviations=frozenset(_normal(m) for group in data["groups"] for m in group if _is_abbreviation(m)),
        families=dict(data.get("families", {})),
    )


@dataclass
class Thesaurus:
    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)  # lemma sequence → group term
    longest: int = 1


@lru_cache(maxsize=1)
def _thesaurus() -> Thesaurus:
    thesaurus = Thesaurus()
    for group in _thesaurus_data().groups:
        term = ("=" + _normal(group[0]).replace(" ", "_"))[:MAX_TERM]
        for member in group:
            sequence = tuple(lemma(w) for w in _tokens(member))
            if sequence:
                thesaurus.phrases.setdefault(sequence, term)
                thesaurus.longest = max(thesaurus.longest, len(sequence))
    return thesaurus


def _groups(sequence: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, group term) of the thesaurus expressions in a lemma sequence, longest
    first at each position, without overlaps."""
    thesaurus = _thesaurus()
    found, i = [], 0
    while i < len(sequence):
        for size in range(min(thesaurus.longest, len(sequence) - i), 0, -1):
            term = thesaurus.phrases.get(tuple(sequence[i : i + size]))
            if term:
                found.append((i, i + size, term))
                i += size
                break
        else:
            i += 1
    return found


# ---------------------------------------------------------------- indexing


AUDIENCE_WORDS = {"teacher": "педагоги учителя", "manager": "руководители", "student": "студенты"}


def audience(*, teachers: bool, managers: bool, students: bool) -> str:
    """Words for the categories a card is for: a teachers' program is found by «учителей»
    even when its text never says so."""
    return " ".join(
        AUDIENCE_WORDS[c] for c, on in (("teacher", teachers), ("manager", managers), ("student", students)) if on
    )


def document(title: str, *parts: str) -> str:
    """The searchable text of a card: the title on the first line, the rest after it."""
    return " ".join(title.split()) + "\n" + " ".join(" ".join((p or "").split()) for p in parts)


def terms(search_document: str) -> dict[str, int]:
    """The index terms of a card's searchable text with their weights."""
    title, _newline, body = search_document.partition("\n")
    weights: dict[str, int] = {}
    for text, weight in ((body, BODY_WEIGHT), (title, TITLE_WEIGHT)):
        tokens = _tokens(text)
        sequence = [lemma(w) for w in tokens]
        found = [family(lem) for lem in sequence]
        for token in tokens:
            if "-" in token:
                found.extend(key(part) for part in token.split("-") if len(part) > 1 and _normal(part) not in STOP)
        found.extend(term for _s, _e, term in _groups(sequence))
        for term in found:
            if term and len(term) <= MAX_TERM:
                weights[term] = max(weights.get(term, 0), weight)
    return weights


def spelling_words(search_document: str) -> set[str]:
    """The card's words that typo correction may lead to (4+ letters): as written and in
    their dictionary form."""
    words = {_normal(w) for w in _WORD.findall(search_document) if not w.isdigit()}
    words |= {lemma(w) for w in words}
    return {w for w in words if MIN_TYPO_LENGTH - 1 <= len(w) <= MAX_TERM}


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


ALL = "*"  # the vocabulary row that counts the indexed cards (no term is written so)


def reindex(program) -> None:
    """Bring the index of one program, and the vocabulary's counts, in step with its card
    and status."""
    from .models import ProgramStatus, SearchSpelling, SearchTerm

    rows = SearchTerm.objects.filter(program_id=program.pk)
    before = set(rows.values_list("term", flat=True))
    rows.delete()
    after: dict[str, int] = {}
    if program.status == ProgramStatus.PUBLISHED:
        after = terms(program.search_document)
        SearchTerm.objects.bulk_create([SearchTerm(program_id=program.pk, term=t, weight=w) for t, w in after.items()])
    _count(set(after) - before, +1, indexed=bool(after) and not before)
    _count(before - set(after), -1, indexed=bool(before) and not after)
    if not after:
        return
    words = spelling_words(program.search_document)
    known = set(SearchSpelling.objects.filter(variant__in=words, variant=F("word")).values_list("word", flat=True))
    spellings = [SearchSpelling(variant=v, word=w) for w in words - known for v in {w} | deletions(w)]
    SearchSpelling.objects.bulk_create(spellings, ignore_conflicts=True, batch_size=500)


def _count(changed: set[str], step: int, *, indexed: bool) -> None:
    """Add `step` to the vocabulary counts of the changed terms (and of ``*`` when the card
    enters or leaves the index); a term no card holds any more leaves the vocabulary."""
    from .models import SearchVocabulary

    changed = changed | {ALL} if indexed else changed
    if not changed:
        return
    if step > 0:
        SearchVocabulary.objects.bulk_create(
            [SearchVocabulary(term=t, cards=0) for t in sorted(changed)], ignore_conflicts=True, batch_size=500
        )
    SearchVocabulary.objects.filter(term__in=changed).update(cards=F("cards") + step)
    if step < 0:
        SearchVocabulary.objects.filter(term__in=changed - {ALL}, cards__lte=0).delete()


def rebuild_vocabulary(using=None) -> None:
    """Count every term's cards again from the index (after a bulk load or ``reindex_all``)."""
    with (using or connection).cursor() as cursor:
        cursor.execute("DELETE FROM catalog_searchvocabulary")
        cursor.execute(
            "INSERT INTO catalog_searchvocabulary (term, cards) SELECT term, COUNT(*) FROM catalog_searchterm "
            "GROUP BY term"
        )
        cursor.execute(
            "INSERT INTO catalog_searchvocabulary (term, cards) "
            "SELECT %s, (SELECT COUNT(DISTINCT program_id) FROM catalog_searchterm) "
            "WHERE EXISTS (SELECT 1 FROM catalog_searchterm)",
            [ALL],
        )


def reindex_all() -> int:
    """Rebuild the whole index (after the thesaurus or the suffix rules change)."""
    from .models import Program, SearchSpelling, SearchTerm

    SearchTerm.objects.all().delete()
    SearchSpelling.objects.all().delete()
    count = 0
    for program in Program.objects.only("pk", "status", "search_document").iterator(chunk_size=500):
        reindex(program)
        count += 1
    rebuild_vocabulary()
    return count


# ---------------------------------------------------------------- queries


@dataclass
class Concept:
    text: str  # as typed
    alternatives: dict[str, int]  # term → quality
    fuzzy: bool = False  # the alternatives are typo corrections


def _concepts(query: str) -> list[Concept]:
    tokens = _tokens(query)[:30]
    sequence = [lemma(w) for w in tokens]
    groups = {start: (end, term) for start, end, term in _groups(sequence)}
    concepts: list[Concept] = []
    i = 0
    while i < len(tokens):
        if i in groups:
            end, term = groups[i]
            alternatives = {term: EXACT}
            if end - i == 1:
                alternatives[family(sequence[i])] = EXACT
            concepts.append(Concept(" ".join(tokens[i:end]), alternatives))
            i = end
            continue
        concepts.append(Concept(tokens[i], {family(sequence[i]): EXACT}))
        i += 1
    unique: dict[tuple[str, ...], Concept] = {}
    for concept in concepts:
        unique.setdefault(tuple(sorted(concept.alternatives)), concept)
    return list(unique.values())


def _document_frequencies(term_list: list[str]) -> tuple[dict[str, int], int]:
    """How many published cards hold each term, and how many published cards there are:
    one lookup of the vocabulary, whatever the size of the depository. A count past a
    quarter of the cards is given as just over a quarter: such a term is common, and all
    common terms weigh alike."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT term, cards FROM catalog_searchvocabulary WHERE term IN ({_marks([ALL, *term_list])})",
            [ALL, *term_list],
        )
        counts = {term: cards for term, cards in cursor.fetchall() if cards > 0}
    total = counts.pop(ALL, 0)
    cap = total // COMMON_SHARE + 1
    return {t: min(df, cap) for t, df in counts.items()}, total


def _idf(total: int, df: int) -> int:
    return round(100 * math.log(1 + (total - df + 0.5) / (df + 0.5)))


def damerau(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of a and b; limit + 1 once it exceeds limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def corrections(word: str, *, distance: int) -> list[tuple[int, str]]:
    """Card words within `distance` edits of `word`, nearest first: (edits, word)."""
    word = _normal(word)
    variants = {word} | deletions(word)
    if distance > 1:
        variants |= {v for d in deletions(word) for v in deletions(d)}
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(variants))
        cursor.execute(
            f"SELECT DISTINCT word FROM catalog_searchspelling WHERE variant IN ({placeholders})", sorted(variants)
        )
        candidates = {row[0] for row in cursor.fetchall()}
        if distance > 1:
            # two substitutions escape the deletion index: look through the words with
            # the same first letter
            cursor.execute(
                "SELECT variant FROM catalog_searchspelling WHERE variant >= %s AND variant < %s AND variant = word",
                [word[0], chr(ord(word[0]) + 1)],
            )
            candidates |= {row[0] for row in cursor.fetchall() if abs(len(row[0]) - len(word)) <= distance}
    found = sorted((damerau(word, c, distance), c) for c in candidates if c != word)
    return [(d, c) for d, c in found if d <= distance]


def _layout(word: str) -> str | None:
    if re.fullmatch(r"[a-z\[\];',.`]+", word.lower()) and len(word) >= 3:
        return word.lower().translate(_LAYOUT)
    return None


def _add_fuzzy(concepts: list[Concept], frequencies: dict[str, int], *, distance: int, min_length: int) -> bool:
    """Give the concepts no card contains alternatives through the keyboard layout or
    typo corrections; True when any concept got one."""
    added = False
    for concept in concepts:
        if (
            concept.fuzzy
            or any(frequencies.get(t) for t in concept.alternatives)
            or " " in concept.text
            or _is_abbreviation(concept.text)
        ):
            continue
        options: dict[str, int] = {}
        cyrillic = _layout(concept.text)
        if cyrillic:
            options[key(cyrillic)] = FUZZY
        elif len(concept.text) >= min_length:
            for _d, word in corrections(concept.text, distance=distance):
                options.setdefault(key(word), FUZZY)
        if options:
            concept.alternatives.update(options)
            concept.fuzzy = True
            added = True
    return added


@dataclass
class Plan:
    concepts: list[Concept]
    frequencies: dict[str, int]
    total: int


def _plan(query: str, *, distance: int = 1, min_length: int = MIN_TYPO_LENGTH) -> Plan | None:
    concepts = _concepts(query)
    if not concepts:
        return None
    frequencies, total = _document_frequencies(sorted({t for c in concepts for t in c.alternatives}))
    if _add_fuzzy(concepts, frequencies, distance=distance, min_length=min_length):
        frequencies, total = _document_frequencies(sorted({t for c in concepts for t in c.alternatives}))
    return Plan(concepts, frequencies, total)


def _ranked(plan: Plan, limit: int) -> list[int]:
    values: dict[str, int] = {}
    concept_of: dict[str, int] = {}
    rarity: list[int] = []
    common: set[int] = set()
    for number, concept in enumerate(plan.concepts):
        df = max((plan.frequencies.get(t, 0) for t in concept.alternatives), default=0)
        if COMMON_SHARE * df > plan.total:
            common.add(number)
        idf = _idf(plan.total, df)
        rarity.append(idf)
        for term, quality in concept.alternatives.items():
            if plan.frequencies.get(term) and term not in concept_of:
                concept_of[term] = number
                values[term] = idf * quality
    if not concept_of:
        return []
    present = sorted(concept_of)
    held = sorted(set(concept_of.values()))
    # Half of the concepts are enough too, unless a concept is absent from every card:
    # then the query asks for what the depository lacks, and only the rarity rule holds.
    everything_known = len(held) == len(plan.concepts)
    # A program must contain one of the query's distinctive concepts when it has one:
    # words in most cards («учитель») then only rank the programs the others find, and
    # their tens of thousands of rows are never aggregated.
    distinctive = [t for t in present if concept_of[t] not in common]
    parts, params = _parts(held, concept_of, values, distinctive, common)
    # One row per program: for each concept its best row (weight × value), NULL when the
    # program lacks it. Only the terms travel as parameters; the integers are ours.
    columns = ", ".join(f"MAX(c{n}) AS c{n}" for n in held)
    rarity_held = " + ".join(f"CASE WHEN c{n} IS NULL THEN 0 ELSE {rarity[n]} END" for n in held)
    count_held = " + ".join(f"CASE WHEN c{n} IS NULL THEN 0 ELSE 1 END" for n in held)
    enough = f" OR 2 * ({count_held}) >= {len(plan.concepts)}" if everything_known else ""
    score = " + ".join(f"COALESCE(c{n}, 0)" for n in held)

    size = sum(plan.frequencies[t] for t in present)  # index rows; a lower bound: frequencies are capped

    def best(titled: bool) -> list[tuple[int, int]]:
        rows, row_params = " UNION ALL ".join(parts), params
        if titled:
            rows = (
                f"SELECT * FROM ({rows}) AS every WHERE program_id IN (SELECT program_id FROM catalog_searchterm "
                f"WHERE term IN ({_marks(present)}) AND weight = {TITLE_WEIGHT})"
            )
            row_params = params + present
        sql = (
            f"SELECT program_id, score FROM (SELECT program_id, {score} AS score FROM (SELECT program_id, {columns} "
            f"FROM ({rows}) AS found GROUP BY program_id) AS scored "
            f"WHERE 2 * ({rarity_held}) >= {sum(rarity)}{enough}) AS matched ORDER BY score DESC, program_id "
            f"LIMIT {int(limit)}"
        )
        with _in_one_process(size > TITLE_TIER_ROWS), connection.cursor() as cursor:
            cursor.execute(sql, row_params)
            return [(row[0], row[1]) for row in cursor.fetchall()]

    # Only common concepts: every row of the query's terms is grouped (tens of thousands
    # at 50 000 cards, the slow tail). First the title tier, the programs with a query
    # term in the title: when `limit` of them match and the last one outscores every
    # program without a title match (each concept at most its body value), no other
    # program can enter the list, and it is the full statement's. (With a distinctive
    # concept the rows are already bounded by its holders; measured, the tier did not
    # pay there.)
    if not distinctive and _tier_worth_trying(size, limit):
        body_best = sum(max(values[t] for t in present if concept_of[t] == n) * BODY_WEIGHT for n in held)
        found = best(titled=True)
        if len(found) == limit and found[-1][1] > body_best:
            return [program_id for program_id, _score in found]
    return [program_id for program_id, _score in best(titled=False)]


def _parts(
    held: list[int], concept_of: dict[str, int], values: dict[str, int], distinctive: list[str], common: set[int]
) -> tuple[list[str], list[str]]:
    """The ranking statement's row selections and their parameters.

    Every part reads the index (term, program, weight) alone, never the table: a term's
    rows lie scattered over the table, one page each. Each part is the rows of one
    concept's terms of one value and carries that value in the concept's own column, so
    the grouping compares no text: per row it only keeps the larger integer. Common
    concepts only rank the programs a distinctive one finds."""
    holders = f"SELECT program_id FROM catalog_searchterm WHERE term IN ({_marks(distinctive)})"
    parts, params = [], []
    for number in held:
        by_value: dict[int, list[str]] = {}
        for t in sorted(concept_of):
            if concept_of[t] == number:
                by_value.setdefault(values[t], []).append(t)
        for value, own in sorted(by_value.items()):
            cells = ", ".join(
                (f"weight * {value}" if n == number else "CAST(NULL AS INTEGER)") + f" AS c{n}" for n in held
            )
            parts.append(f"SELECT program_id, {cells} FROM catalog_searchterm WHERE term IN ({_marks(own)})")
            params += own
            if distinctive and number in common:
                parts[-1] += f" AND program_id IN ({holders})"
                params += distinctive
    return parts, params


TITLE_TIER_ROWS = 8000


@contextmanager
def _in_one_process(large: bool):
    """PostgreSQL: plan a large ranking statement (over ``TITLE_TIER_ROWS`` rows) without
    parallel workers. Its work is tens of milliseconds of grouping; a parallel plan starts
    two workers, each of which builds its own hash of the titled programs, and merges their
    groups, which measured slower (ADR 0007). A small statement gets no parallel plan
    anyway and is spared the three round trips. ``SET LOCAL`` holds to the end of the
    transaction: the statement's own, or an enclosing one's, where serial plans are only
    slower, never different."""
    if not large or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def _tier_worth_trying(rows: int, limit: int) -> bool:
    """Whether to try the title tier first: when the full statement would group over
    ``TITLE_TIER_ROWS`` rows (a lower bound: frequencies are capped) and at least twice
    `limit` (with fewer, the titled programs rarely fill the list)."""
    return rows > max(TITLE_TIER_ROWS, 2 * limit)


def _marks(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def search_ids(query: str, limit: int = LIMIT) -> list[int] | None:
    """Published program ids matching the query, best first; None for an empty query."""
    plan = _plan(query)
    if plan is None:
        return None
    return _ranked(plan, limit)


def suggestion(query: str) -> str | None:
    """The query with its unknown words replaced by the nearest card words (up to two
    edits, from 4 letters) when that finds programs; None otherwise."""
    plan = _plan(query, distance=2, min_length=MIN_TYPO_LENGTH - 1)
    if plan is None or not any(c.fuzzy for c in plan.concepts) or not _ranked(plan, 1):
        return None
    text = query
    for concept in plan.concepts:
        if not concept.fuzzy:
            continue
        replacement = _layout(concept.text) or next(
            (w for _d, w in corrections(concept.text, distance=2)), concept.text
        )
        text = re.sub(rf"(?<!\w){re.escape(concept.text)}(?!\w)", replacement, text, count=1)
    text = " ".join(text.split())
    return text if _normal(text) != _normal(query) else None
