"""Morphology-aware Russian full-text search of programs, on SQLite and PostgreSQL.

Every word of a program card is reduced to its dictionary form with pymorphy3
(«учителей математики» → «учитель математика») and stored in
``Program.search_document``. Queries are reduced the same way, so any inflection
finds any other.

- SQLite: an FTS5 table ``catalog_program_fts`` (rowid = program id) over the lemmas.
- PostgreSQL: a stored generated column ``search_vector`` =
  ``to_tsvector('russian', search_document)`` with a GIN index (migration 0003); the query
  is ``plainto_tsquery('russian', <lemmas>)``, so the ``russian`` configuration stems on
  top of the lemmas, and ranking reads the stored vectors.

Both return at most ``LIMIT`` ids ordered by relevance (bm25 / ts_rank).
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.db import connection

LIMIT = 2000
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+(?:-[0-9A-Za-zА-Яа-яЁё]+)*")
# Words that carry no meaning in a search of program cards.
STOP = frozenset(
    "и в во на с со к ко по о об от до из за для при у не ни а но или же ли бы то как что это этот "
    "его ее её их они он она оно мы вы я быть который также".split()
)


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    word = word.lower().replace("ё", "е")
    if not re.search("[а-я]", word):
        return word
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


def lemmas(text: str) -> list[str]:
    return [lemma(w) for w in _WORD.findall(text or "") if w.lower() not in STOP]


def document(*parts: str) -> str:
    return " ".join(lemma_word for part in parts for lemma_word in lemmas(part))


def reindex(program_id: int, search_document: str) -> None:
    """Keep the SQLite FTS table in step (PostgreSQL indexes the column itself)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalog_program_fts WHERE rowid = %s", [program_id])
        cursor.execute("INSERT INTO catalog_program_fts(rowid, document) VALUES (%s, %s)", [program_id, search_document])


def unindex(program_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM catalog_program_fts WHERE rowid = %s", [program_id])


def search_ids(query: str, limit: int = LIMIT) -> list[int] | None:
    """Published program ids matching every word of the query, best first; None for an
    empty query."""
    words = list(dict.fromkeys(lemmas(query)))
    if not words:
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM catalog_program, plainto_tsquery('russian', %s) q WHERE status = 'published' AND search_vector @@ q "
                "ORDER BY ts_rank(search_vector, q) DESC, id LIMIT %s",
                [" ".join(words), limit],
            )
        else:
            match = " AND ".join(f'"{w}"*' if len(w) >= 4 else f'"{w}"' for w in words)
            cursor.execute(
                "SELECT f.rowid FROM catalog_program_fts f JOIN catalog_program p ON p.id = f.rowid "
                "WHERE catalog_program_fts MATCH %s AND p.status = 'published' ORDER BY bm25(catalog_program_fts), f.rowid LIMIT %s",
                [match, limit],
            )
        return [row[0] for row in cursor.fetchall()]
