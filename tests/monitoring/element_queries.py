"""The data elements' one-query forms (`Element.sql`, what the build runs) against their
per-month forms (`Element.source`, one count a month in the ORM): the same rows."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from efs.monitoring.elements import ELEMENTS
from efs.periods import add_months, month_start


def months_up_to_now(count: int = 24) -> list:
    last = month_start(timezone.now().date())
    return [add_months(last, i - count + 1) for i in range(count)]


def assert_element_queries_match_sources(months: list | None = None) -> int:
    """Every element that has a query gives the rows its source gives (zeros and rows of no
    organization aside: the build writes neither). Returns how many rows were compared."""
    months = months or months_up_to_now()
    compared = 0
    for code, element in ELEMENTS.items():
        if element.sql is None:
            continue
        expected = sorted((o, i, int(v)) for o, i, v in element.source(months=months) if o and v)
        sql, params = element.sql(months)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT org, idx, value FROM ({sql}) s", params)
            got = sorted((o, i, int(v)) for o, i, v in cursor.fetchall() if o and v)
        assert got == expected, code
        compared += len(expected)
    return compared
