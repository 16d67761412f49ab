"""People search is case-insensitive for Cyrillic on both databases and treats «ё» as «е»."""

from __future__ import annotations

import pytest

from efs.people import queries
from tests.conftest import make_educator


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("иванова", {"Иванова"}),
        ("ИВАНОВА", {"Иванова"}),
        ("семенова", {"Семёнова"}),
        ("Семёнова анна", {"Семёнова"}),
        ("математики петровна", {"Иванова", "Петрова", "Сидорова", "Кузнецова", "Семёнова"}),
        ("иванова сидорова", set()),
    ],
)
def test_search_by_name_and_position(world, query, found):
    make_educator(world.org_a, "Семёнова")
    rows = queries.educators_visible(world.users["regional"], search=query)
    assert {e.last_name for e in rows} == found


def test_search_text_follows_a_renamed_educator(world):
    educator = world.same_org
    educator.last_name = "Ёлкина"
    educator.save(update_fields=["last_name"])
    assert [e.pk for e in queries.educators_visible(world.users["regional"], search="елкина")] == [educator.pk]
    page = world.client("regional").get("/people/educators/?q=ЕЛКИНА").content.decode()
    assert "Ёлкина Анна Петровна" in page
