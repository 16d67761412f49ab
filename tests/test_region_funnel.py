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
HAND_CHECK = re.compile(r"\.scope\b|macroregion_region_ids|role_assignments__(?:region|macroregion|scope)")
# Logins by their home region, not by what they may act on: the tutors of a region (an
# assigned scope has no region to reach) and the demo's own picks.
HOME_REGION_READS = {
    ("people/queries.py", "User.objects.filter(role_assignments__role=role, role_assignments__region_id=region_id)"),
    (
        "demo/support.py",
        "for t in User.objects.filter(role_assignments__role=Role.TUTOR, role_assignments__region=region).distinct()",
    ),
    ("demo/network.py", "User.objects.filter(role_assignments__region=region)"),
}


def test_no_region_check_outside_the_funnel():
    found = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts or path == OWNER:
            continue
        rel = path.relative_to(SRC).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_CHECK.search(line) and (rel, line.strip()) not in READS_NOT_CHECKS | HOME_REGION_READS:
                found.append(f"{rel}:{number}: {line.strip()}")
    hint = "use efs.people.access (region_reach, require_region, unit_reach, region_actors):\n"
    assert found == [], hint + "\n".join(found)


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


@pytest.mark.django_db
@pytest.mark.parametrize(
    "roles",
    [
        [Role.REGIONAL_OPERATOR],
        [Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR],
        [Role.REGIONAL_OPERATOR, Role.MUNICIPAL_OPERATOR],  # the passport owners
        [Role.SCHOOL_HEAD, Role.TUTOR],
    ],
)
def test_region_actors_are_the_users_region_reach_lets_act(world, roles):
    """Both directions agree: the logins told of or offered for a region are exactly those the
    services let act on it. Hand-written lists disagreed: practices told only region-scoped
    operators (not the macroregion's), monitoring offered passport owners by home region (a
    municipal operator the service then refused; not the macroregion's operator of R1)."""
    for region in (world.r1, world.r2):
        actors = set(access.region_actors(region.pk, roles=roles).values_list("username", flat=True))
        allowed = {who for who, user in world.users.items() if access.may_act_on_region(user, region.pk, roles=roles)}
        assert actors == allowed, region.code
    operators = access.region_actors(world.r1.pk, roles=[Role.REGIONAL_OPERATOR])
    assert set(operators.values_list("username", flat=True)) == {"regional", "macroregional"}


@pytest.mark.django_db
def test_a_macroregion_operator_is_told_of_a_practice_to_moderate(world):
    """The practice of a region in the macroregion reaches its operator's queue and inbox."""
    from efs.people.models import Notification
    from efs.practices import services
    from tests.matrix import shared_framework
    from tests.practices.setup import CARD

    shared_framework({})  # the competencies a card names
    practice = services.practice_create(actor=world.users["teacher"], organization=world.org_a, data=CARD)
    services.practice_submit(actor=world.users["teacher"], practice=practice)
    told = set(Notification.objects.filter(url__contains="/practices/").values_list("user__username", flat=True))
    assert told == {"regional", "macroregional"}
