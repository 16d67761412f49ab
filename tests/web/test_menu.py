"""The menu of a person with several roles names each entry once."""

from __future__ import annotations

from django.utils import translation

from efs.people.models import Role
from efs.web.context import _Link, menu_for


def _labels(roles) -> list[str]:
    entries, _roles = menu_for(frozenset(roles))
    return [str(e.label) for e in entries if isinstance(e, _Link)]


def test_a_school_head_who_mentors_sees_two_different_routes_entries():
    with translation.override("ru"):
        head = _labels({Role.TEACHER, Role.MENTOR, Role.SCHOOL_HEAD})
        tutor = _labels({Role.TUTOR})
    assert head.count("Маршруты") == 1 and head.count("Маршруты моих педагогов") == 1
    assert len(head) == len(set(head))
    assert "Маршруты" in tutor and "Маршруты моих педагогов" not in tutor
