"""The optional filters of list pages and endpoints, written once."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def narrowed(qs: QuerySet[M], **lookups: object) -> QuerySet[M]:
    """``qs`` filtered by each lookup that is given: a filter left empty (``None``, ``0``, ``""``)
    means every row, as on every list page with optional filters."""
    given = {lookup: value for lookup, value in lookups.items() if value}
    return qs.filter(**given) if given else qs
