"""Region access has one owner (issue 12): `efs.people.access`. A check written by hand
(`g.scope == "federal" or g.region_id == …`) disagreed with the others about macroregions; this
test fails when one comes back anywhere else in the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from efs.people import access
from efs.people.models import Role

SRC = Path(__file__).resolve().parent.parent / "src" / "efs"
OWNER = SRC / "people" / "access.py"
# Reading a grant's scope for something other than a check: the cache key of the live deficit
# map (every field of every grant) and the API answer listing a user's own grants.
READS_NOT_CHECKS = {
    ("diagnostics/queries.py", "g.scope,"),
    ("diagnostics/queries.py", "tuple(sorted(g.macroregion_region_ids)),"),
    ("people/api.py", '"scope": g.scope,'),
}
HAND_CHECK = re.compile(r"\.scope\b|macroregion_region_ids")


def test_no_region_check_outside_the_funnel():
    found = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts or path == OWNER:
            continue
        rel = path.relative_to(SRC).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_CHECK.search(line) and (rel, line.strip()) not in READS_NOT_CHECKS:
                found.append(f"{rel}:{number}: {line.strip()}")
    assert found == [], "use efs.people.access (region_reach, require_region, unit_reach):\n" + "\n".join(found)


@pytest.mark.django_db
def test_regions_touched_adds_the_regions_of_part_grants(world):
    """A school head and a municipal operator read their region in part, the regional operator
    the region whole; none of them reaches another region."""
    for who, role in (("school_head", Role.SCHOOL_HEAD), ("municipal", Role.MUNICIPAL_OPERATOR)):
        user = world.users[who]
        assert access.regions_touched(user, roles=[role]).region_ids == {world.r1.pk}
        assert not access.region_reach(user, roles=[role])
    regional = world.users["regional"]
    assert access.regions_touched(regional, roles=[Role.REGIONAL_OPERATOR]).region_ids == {world.r1.pk}
    assert access.regions_touched(world.users["federal"], roles=[Role.FEDERAL_OPERATOR]).everywhere
    assert not access.regions_touched(world.users["teacher"], roles=[Role.REGIONAL_OPERATOR])
