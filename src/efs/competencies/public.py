"""What other apps may use of `competencies` (ADR 0006): the names of the diagnosed
competencies, for the figures other apps count by competency."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Audience, Competency

__all__ = ["Competency", "CompetencyName", "competencies_named"]


@dataclass(frozen=True)
class CompetencyName:
    pk: int
    title: str
    audience: str
    audience_label: str


def competencies_named() -> dict[int, CompetencyName]:
    """The diagnosed (leaf) competencies with their titles and their framework's audience: the
    labels of a deficit profile (a small reference table, read in one query)."""
    return {
        pk: CompetencyName(pk, title, audience, str(Audience(audience).label))
        for pk, title, audience in Competency.objects.filter(is_leaf=True)
        .values_list("pk", "title", "framework__audience")
        .order_by("pk")
    }
