"""The demand map of a region pairs that region's deficits with that region's programs."""

from __future__ import annotations

from efs.catalog.queries import coverage
from efs.diagnostics.queries import MIN_GROUP, deficit_map
from efs.people.models import Role, Scope, User
from efs.people.services import role_grant
from tests.conftest import make_educator
from tests.diagnostics.conftest import bank, finished_attempt  # noqa: F401  (fixture)


def test_coverage_of_another_region_does_not_show_the_callers_own_deficits(world, bank):  # noqa: F811
    people = []
    for i in range(MIN_GROUP + 1):
        user = User.objects.create_user(username=f"t{i}", password="x")
        role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
        people.append(make_educator(world.org_a, f"Учитель{i}", user=user))
        finished_attempt(user, people[-1], {"T.NP": 0.99})
    federal = world.users["federal"]
    assert {r.competency_code: r.deficit for r in deficit_map(federal, region_id=world.r1.pk)}["T.NP"] == len(people)
    assert deficit_map(federal, region_id=world.r2.pk) == []
    own = {
        r.competency.code: r.people_with_deficit
        for r in coverage(federal, region_id=world.r1.pk, roles=["federal_operator"])
    }
    other = {
        r.competency.code: r.people_with_deficit
        for r in coverage(federal, region_id=world.r2.pk, roles=["federal_operator"])
    }
    if "T.NP" in own:  # the small framework is published federally
        assert own["T.NP"] == len(people)
        assert other["T.NP"] == 0
