"""Reads of the competencies app (frameworks are public reference data)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Competency, Framework, FrameworkStatus


def frameworks_listed() -> QuerySet[Framework]:
    return Framework.objects.select_related("region").order_by("audience", "code", "-created_at")


def published_framework(audience: str) -> Framework | None:
    return (
        Framework.objects.filter(audience=audience, status=FrameworkStatus.PUBLISHED, region__isnull=True)
        .order_by("-published_at")
        .first()
    )


def framework_tree(framework: Framework) -> list[tuple[Competency, list[Competency]]]:
    """Top-level competencies with their descendants' leaves, in order (two levels shown)."""
    nodes = list(framework.competencies.prefetch_related("subjects").order_by("order", "id"))
    children: dict[int | None, list[Competency]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)

    def leaves(node: Competency) -> list[Competency]:
        if node.is_leaf:
            return [node]
        return [leaf for child in children.get(node.pk, []) for leaf in leaves(child)]

    return [(top, leaves(top) if not top.is_leaf else []) for top in children.get(None, [])]


def leaves_of(framework: Framework) -> list[Competency]:
    return list(framework.competencies.filter(is_leaf=True).prefetch_related("subjects").order_by("order", "id"))
