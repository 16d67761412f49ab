"""The scoping mechanism: exactly which educators each role and scope sees."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from efs.errors import NotFound, PermissionDenied
from efs.people import access
from efs.people.models import Educator, Macroregion, Role, Scope
from efs.people.services import role_grant

EXPECTED = {
    "teacher": {"self_educator"},
    "school_head": {"self_educator", "same_org"},
    "municipal": {"self_educator", "same_org", "other_org"},
    "regional": {"self_educator", "same_org", "other_org", "other_muni"},
    "regional_other": {"other_region"},
    "federal": {"self_educator", "same_org", "other_org", "other_muni", "other_region"},
    "tutor": {"other_org"},
    "mentor": {"same_org"},
    "provider": set(),
    "expert": set(),
    "nobody": set(),
}
TARGETS = ["self_educator", "same_org", "other_org", "other_muni", "other_region"]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_sees_exactly_its_scope(world, who):
    user = world.users[who]
    visible = set(access.scoped(Educator.objects.all(), user).values_list("pk", flat=True))
    expected = {getattr(world, name).pk for name in EXPECTED[who]}
    assert visible == expected


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_object_fetch_outside_scope_is_not_found(world, who):
    user = world.users[who]
    for name in TARGETS:
        target = getattr(world, name)
        if name in EXPECTED[who]:
            assert access.get_scoped(Educator.objects.all(), user, pk=target.pk) == target
        else:
            with pytest.raises(NotFound):
                access.get_scoped(Educator.objects.all(), user, pk=target.pk)


def test_anonymous_sees_nothing(world):
    assert not access.scoped(Educator.objects.all(), AnonymousUser()).exists()


def test_macroregion_scope_covers_its_regions_only(world):
    macro = Macroregion.objects.create(name="Сибирь")
    macro.regions.set([world.r2])
    user = world.users["nobody"]
    role_grant(user=user, role=Role.REGIONAL_OPERATOR, scope=Scope.MACROREGION, macroregion=macro)
    visible = set(access.scoped(Educator.objects.all(), user).values_list("pk", flat=True))
    assert visible == {world.other_region.pk}


def test_two_grants_combine_without_duplicates(world):
    user = world.users["school_head"]
    role_grant(user=user, role=Role.MUNICIPAL_OPERATOR, scope=Scope.MUNICIPALITY, municipality=world.m1)
    rows = list(access.scoped(Educator.objects.all(), user).values_list("pk", flat=True))
    assert len(rows) == len(set(rows)) == 3


def test_roles_argument_narrows_to_those_grants(world):
    user = world.users["mentor"]
    role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
    assert not access.scoped(Educator.objects.all(), user, roles=[Role.TEACHER]).exists()
    assert set(access.scoped(Educator.objects.all(), user, roles=[Role.MENTOR])) == {world.same_org}


def test_inactive_support_assignment_gives_no_access(world):
    world.users["tutor"].support_assignments.update(active=False)
    assert not access.scoped(Educator.objects.all(), world.users["tutor"]).exists()


def test_require_role_refuses_other_roles(world):
    with pytest.raises(PermissionDenied):
        access.require_role(world.users["teacher"], [Role.REGIONAL_OPERATOR])
    assert access.require_role(world.users["regional"], [Role.REGIONAL_OPERATOR])


def test_role_grant_refuses_a_scope_the_role_cannot_have(world):
    from efs.errors import ValidationFailed
    from efs.people.models import RoleAssignment

    before = RoleAssignment.objects.count()
    with pytest.raises(ValidationFailed):
        role_grant(user=world.users["nobody"], role=Role.TEACHER, scope=Scope.FEDERAL)
    assert RoleAssignment.objects.count() == before


def test_role_grant_is_idempotent(world):
    from efs.people.models import RoleAssignment

    before = RoleAssignment.objects.count()
    role_grant(user=world.users["regional"], role=Role.REGIONAL_OPERATOR, scope=Scope.REGION, region=world.r1)
    role_grant(user=world.users["federal"], role=Role.FEDERAL_OPERATOR, scope=Scope.FEDERAL)
    assert RoleAssignment.objects.count() == before


def test_database_refuses_duplicate_federal_grant(world):
    from django.db import IntegrityError, transaction

    from efs.people.models import RoleAssignment

    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=world.users["federal"], role=Role.FEDERAL_OPERATOR, scope=Scope.FEDERAL)


# ---------------------------------------------------------------- the region-access funnel

OPERATORS = [Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR]


def test_region_reach_of_each_role(world):
    reach = {who: access.region_reach(world.users[who], roles=OPERATORS) for who in EXPECTED}
    assert reach["federal"].everywhere
    assert (reach["regional"].everywhere, reach["regional"].region_ids) == (False, {world.r1.pk})
    assert reach["regional_other"].region_ids == {world.r2.pk}
    # A school or a municipality is not a region: no reach, whatever their grants' region is.
    for who in ("teacher", "school_head", "municipal", "tutor", "mentor", "provider", "expert", "nobody"):
        assert not reach[who], who


def test_macroregion_operator_acts_on_each_member_region_and_no_other(world):
    macro = Macroregion.objects.create(name="Сибирь")
    macro.regions.set([world.r2])
    user = world.users["nobody"]
    role_grant(user=user, role=Role.REGIONAL_OPERATOR, scope=Scope.MACROREGION, macroregion=macro)
    assert access.may_act_on_region(user, world.r2.pk, roles=OPERATORS)
    assert not access.may_act_on_region(user, world.r1.pk, roles=OPERATORS)
    assert list(access.region_reach(user, roles=OPERATORS).regions()) == [world.r2]
    access.require_region(user, world.r2.pk, roles=OPERATORS)
    with pytest.raises(PermissionDenied):
        access.require_region(user, world.r1.pk, roles=OPERATORS)


def test_require_region_refuses_a_role_it_was_not_asked_for(world):
    with pytest.raises(PermissionDenied):
        access.require_region(world.users["regional"], world.r1.pk, roles=[Role.FEDERAL_OPERATOR])
    assert not access.may_act_on_region(world.users["regional"], None, roles=OPERATORS)
