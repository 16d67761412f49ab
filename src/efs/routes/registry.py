"""Item kinds and candidate sources that higher apps contribute to routes (DESIGN.md §4).

Routes never imports the apps above it. An app above (practices; support later) registers
an `ItemSource` at app-ready time through `routes.public.register_item_source`: the route
builder then asks every source for candidates that cover the educator's deficits, offers
them to the planner beside cohorts and the free activities, and when a candidate lands in
the route it stores a `RouteItem` of the source's kind and calls `on_added` so the source
can record its own link to the item (routes keeps no foreign key to the apps above).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from .models import ItemKind


@dataclass(frozen=True)
class SourceCandidate:
    """One activity a source proposes for a route."""

    key: str  # unique within its source, e.g. the practice's id
    title: str
    coverage: dict[str, float]  # competency code -> share of the deficit it closes (0..1]
    hours: int
    task: str
    expected_result: str
    evidence_form: str
    duration_days: int = 60
    exclusive: bool = False  # attendance in person
    reason: str = ""  # a sentence added to the builder's own reason


@dataclass(frozen=True)
class SourceQuery:
    """What the builder knows when it asks a source."""

    educator_id: int
    region_id: int
    organization_id: int | None
    subject_codes: frozenset[str]
    deficits: dict[str, float]  # competency code -> probability of the deficit
    period_start: dt.date
    period_end: dt.date


@dataclass(frozen=True)
class ItemSource:
    kind: str  # an ItemKind value
    candidates: Callable[[SourceQuery], list[SourceCandidate]]
    on_added: Callable[[int, SourceCandidate], None] | None = None  # (route item id, candidate)
    limit: int = 5  # candidates per source that reach the planner
    # The candidate of one key for this educator, or None when it is not open to them: lets a
    # person add the source's activity to a route by hand (routes.services.item_add_sourced).
    find: Callable[[SourceQuery, str], SourceCandidate | None] | None = None


_SOURCES: dict[str, ItemSource] = {}


def register_item_source(source: ItemSource) -> None:
    """Register (or replace, on a second app-ready call) the source of one item kind."""
    if source.kind not in ItemKind.values:
        raise ValueError(f"unknown route item kind {source.kind!r}; known: {', '.join(ItemKind.values)}")
    _SOURCES[source.kind] = source


def item_sources() -> list[ItemSource]:
    return list(_SOURCES.values())


def item_source(kind: str) -> ItemSource | None:
    return _SOURCES.get(kind)
