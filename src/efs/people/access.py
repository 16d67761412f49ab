"""The one scoping mechanism for people's data.

Every list or object fetch of people's data in a view, API endpoint, export or
query goes through :func:`scoped` or :func:`get_scoped`. A model that holds
people's data registers a :class:`ScopePolicy`: how its rows reach an educator,
an organization, a municipality and a region, and which roles may read it at all.
A user's role assignments (:class:`Grant`) then turn into one filter:

- ``self``          rows of the educator linked to the login
- ``assigned``      rows of educators the login supports (tutor, mentor)
- ``organization``  rows of the organization
- ``municipality``  rows of the municipality
- ``region``        rows of the region
- ``macroregion``   rows of the macroregion's regions
- ``federal``       all rows

A row outside scope is "not found", never "forbidden", so existence does not leak.
``tests/people/test_scoping_guard.py`` fails when a view or API module reads a
registered model without this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet

from efs.errors import NotFound, PermissionDenied

from .models import (
    AuditEvent,
    Educator,
    ImportBatch,
    Organization,
    Region,
    Role,
    RoleAssignment,
    Scope,
    SupportAssignment,
    User,
)

ALL_ROLES = frozenset(Role.values)


@dataclass(frozen=True)
class ScopePolicy:
    region: str
    municipality: str | None = None
    organization: str | None = None
    educator: str | None = None  # path to the Educator row ("" for Educator itself)
    roles: frozenset[str] = ALL_ROLES
    personal: bool = True  # holds people's data: views and API must not read it directly
    # An organization-scoped role that reaches rows through another organization than the
    # educator's (a provider sees enrollments in its own cohorts): role -> path.
    organization_by_role: tuple[tuple[str, str], ...] = ()
    # A private record (a journal entry, a mentoring note): when set, the role's scope gives
    # no reach at all, and a user with one of `roles` reads exactly the rows this filter of
    # the user allows (the owner, the author, the people the owner shared the row with).
    readers: Callable[[object], Q] | None = None


_policies: dict[type[models.Model], ScopePolicy] = {}


def register(model: type[models.Model], policy: ScopePolicy) -> None:
    _policies[model] = policy


def policy_for(model: type[models.Model]) -> ScopePolicy:
    try:
        return _policies[model]
    except KeyError:
        raise LookupError(f"{model._meta.label} holds no registered scope policy") from None


def personal_models() -> list[type[models.Model]]:
    """Models whose rows are people's data: only this module may read them for a view."""
    return [model for model, policy in _policies.items() if policy.personal]


@dataclass(frozen=True)
class Grant:
    role: str
    scope: str
    region_id: int | None
    municipality_id: int | None
    organization_id: int | None
    macroregion_region_ids: frozenset[int]


def grants(user) -> list[Grant]:
    """The user's role assignments, loaded once per user object (so once per request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_efs_grants", None)
    if cached is not None:
        return cached
    rows = (
        RoleAssignment.objects.filter(user=user).select_related("macroregion").prefetch_related("macroregion__regions")
    )
    result = [
        Grant(
            role=ra.role,
            scope=ra.scope,
            region_id=ra.region_id,
            municipality_id=ra.municipality_id,
            organization_id=ra.organization_id,
            macroregion_region_ids=frozenset(r.pk for r in ra.macroregion.regions.all())
            if ra.macroregion
            else frozenset(),
        )
        for ra in rows
    ]
    user._efs_grants = result
    return result


def roles_of(user) -> set[str]:
    return {g.role for g in grants(user)}


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def _join(prefix: str | None, field: str) -> str | None:
    if prefix is None:
        return None
    return f"{prefix}__{field}" if prefix else field


def _grant_filter(policy: ScopePolicy, grant: Grant, user) -> Q | None:
    if grant.scope == Scope.FEDERAL:
        return Q()
    if grant.scope == Scope.SELF:
        path = _join(policy.educator, "user")
        return Q(**{path: user}) if path else None
    if grant.scope == Scope.ASSIGNED:
        path = _join(policy.educator, "pk")
        if not path:
            return None
        assigned = SupportAssignment.objects.filter(supporter=user, active=True, kind=grant.role).values("educator_id")
        return Q(**{f"{path}__in": assigned})
    if grant.scope == Scope.ORGANIZATION:
        path = dict(policy.organization_by_role).get(grant.role, policy.organization)
        return Q(**{path: grant.organization_id}) if path else None
    if grant.scope == Scope.MUNICIPALITY and policy.municipality:
        return Q(**{policy.municipality: grant.municipality_id})
    if grant.scope == Scope.REGION:
        return Q(**{policy.region: grant.region_id})
    if grant.scope == Scope.MACROREGION:
        return Q(**{f"{policy.region}__in": sorted(grant.macroregion_region_ids)})
    return None


def scope_filter(model: type[models.Model], user, *, roles: Iterable[str] | None = None) -> Q | None:
    """The filter that limits `model` to what `user` may see, or None when nothing."""
    policy = policy_for(model)
    allowed = policy.roles if roles is None else policy.roles & frozenset(roles)
    if policy.readers is not None:
        return policy.readers(user) if any(g.role in allowed for g in grants(user)) else None
    combined: Q | None = None
    for grant in grants(user):
        if grant.role not in allowed:
            continue
        part = _grant_filter(policy, grant, user)
        if part is None:
            continue
        if not part:  # federal: everything
            return Q()
        combined = part if combined is None else combined | part
    return combined


def scoped(queryset: QuerySet, user, *, roles: Iterable[str] | None = None) -> QuerySet:
    """`queryset` limited to the rows `user` may see (optionally only through `roles`)."""
    condition = scope_filter(queryset.model, user, roles=roles)
    if condition is None:
        return queryset.none()
    if not condition:
        return queryset
    # Policies follow forward relations only, so OR-ed grants cannot duplicate rows.
    return queryset.filter(condition)


def get_scoped(queryset: QuerySet, user, *, roles: Iterable[str] | None = None, **lookup):
    """One object inside the user's scope, or NotFound."""
    try:
        return scoped(queryset, user, roles=roles).get(**lookup)
    except queryset.model.DoesNotExist:
        raise NotFound(_not_found_message(queryset.model)) from None


def _not_found_message(model: type[models.Model]) -> str:
    from django.utils.translation import gettext

    return gettext("Not found, or you have no access to it.")


def require_role(user, roles: Iterable[str]) -> list[Grant]:
    """The user's grants among `roles`; PermissionDenied when there are none."""
    wanted = frozenset(roles)
    found = [g for g in grants(user) if g.role in wanted]
    if not found:
        from django.utils.translation import gettext

        raise PermissionDenied(gettext("Your role does not allow this action."))
    return found


@dataclass(frozen=True)
class RegionReach:
    """The regions a user acts on through some roles: every region, or a set of them.

    Only region-wide grants reach a region: ``region`` (that region), ``macroregion`` (each
    of its member regions) and ``federal`` (all). A municipality or a school is not a region.
    """

    everywhere: bool
    region_ids: frozenset[int]

    def __contains__(self, region_id: object) -> bool:
        return self.everywhere or region_id in self.region_ids

    def __bool__(self) -> bool:
        return self.everywhere or bool(self.region_ids)

    def condition(self, field: str = "region") -> Q:
        """A filter for rows whose `field` (a region foreign key or ``pk``) is reached."""
        if self.everywhere:
            return Q()
        lookup = f"{field}__in" if field == "pk" else f"{field}_id__in"
        return Q(**{lookup: sorted(self.region_ids)})

    def regions(self) -> QuerySet[Region]:
        return Region.objects.filter(self.condition("pk"))


NOWHERE = RegionReach(everywhere=False, region_ids=frozenset())


def region_reach(user, *, roles: Iterable[str]) -> RegionReach:
    """The one answer to "which regions may this user act on, for these roles".

    Every view, endpoint and service that acts on a region (its money, its imports, its
    plans, its frameworks, its log) asks this function instead of reading grants itself.
    """
    wanted = frozenset(roles)
    ids: set[int] = set()
    for grant in grants(user):
        if grant.role not in wanted:
            continue
        if grant.scope == Scope.FEDERAL:
            return RegionReach(everywhere=True, region_ids=frozenset())
        if grant.scope == Scope.REGION and grant.region_id:
            ids.add(grant.region_id)
        elif grant.scope == Scope.MACROREGION:
            ids |= grant.macroregion_region_ids
    return RegionReach(everywhere=False, region_ids=frozenset(ids))


def region_actors(region_id: int, *, roles: Iterable[str]) -> QuerySet[User]:
    """The other way round: the active logins that `region_reach` lets act on `region_id`
    through `roles` (a region grant of it, a macroregion holding it, a federal grant).

    Whoever notifies "the region's operators" or offers them in a list asks this function, so
    that the people told or offered are the people the services then let act."""
    reach = (
        Q(role_assignments__scope=Scope.FEDERAL)
        | Q(role_assignments__scope=Scope.REGION, role_assignments__region_id=region_id)
        | Q(role_assignments__scope=Scope.MACROREGION, role_assignments__macroregion__regions=region_id)
    )
    return User.objects.filter(reach, role_assignments__role__in=sorted(frozenset(roles)), is_active=True).distinct()


def regions_touched(user, *, roles: Iterable[str]) -> RegionReach:
    """Regions where the user's roles reach the whole region or a part of it (a municipality,
    an organization): for pages that open on a region and cut its figures to the user's reach."""
    wanted = frozenset(roles)
    reach = region_reach(user, roles=wanted)
    if reach.everywhere:
        return reach
    parts = {g.region_id for g in grants(user) if g.role in wanted and g.region_id}
    return RegionReach(everywhere=False, region_ids=reach.region_ids | frozenset(parts))


def may_act_on_region(user, region_id: int | None, *, roles: Iterable[str]) -> bool:
    return region_id is not None and region_id in region_reach(user, roles=roles)


def require_region(user, region_id: int | None, *, roles: Iterable[str], message: str | None = None) -> RegionReach:
    """The user's reach among `roles`; PermissionDenied when it does not include `region_id`.

    A user without any of `roles` gets the role refusal; one with the role but another
    region gets `message` (or a general one).
    """
    require_role(user, roles)
    reach = region_reach(user, roles=roles)
    if region_id is None or region_id not in reach:
        from django.utils.translation import gettext

        raise PermissionDenied(message or gettext("You can act only on your own region."))
    return reach


@dataclass(frozen=True)
class UnitReach:
    """The units (regions, municipalities, organizations) a user's roles reach, for
    aggregate views: region-wide grants through `region_reach`, and the municipality and
    organization grants of municipal operators and school heads."""

    regions: RegionReach
    municipality_ids: frozenset[int]
    organization_ids: frozenset[int]

    def __bool__(self) -> bool:
        return bool(self.regions) or bool(self.municipality_ids) or bool(self.organization_ids)

    def sees_region(self, region_id: int) -> bool:
        return region_id in self.regions

    def sees_municipality(self, municipality_id: int, region_id: int) -> bool:
        return region_id in self.regions or municipality_id in self.municipality_ids

    def sees_organization(self, organization_id: int, municipality_id: int | None, region_id: int) -> bool:
        return (
            region_id in self.regions
            or (municipality_id is not None and municipality_id in self.municipality_ids)
            or organization_id in self.organization_ids
        )


def unit_reach(user, *, roles: Iterable[str]) -> UnitReach:
    wanted = frozenset(roles)
    mine = [g for g in grants(user) if g.role in wanted]
    return UnitReach(
        regions=region_reach(user, roles=wanted),
        municipality_ids=frozenset(
            g.municipality_id for g in mine if g.scope == Scope.MUNICIPALITY and g.municipality_id
        ),
        organization_ids=frozenset(
            g.organization_id for g in mine if g.scope == Scope.ORGANIZATION and g.organization_id
        ),
    )


def own_educator(user) -> Educator | None:
    """The educator record linked to the login (the SELF scope), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return scoped(Educator.objects.select_related("organization", "region"), user, roles=[Role.TEACHER]).first()


def require_own_educator(user) -> Educator:
    """``own_educator``, or «not found» (``educator_not_linked``) for a login without one: the
    pages and endpoints of one's own record (diagnostics, route, support, programs for me)."""
    from django.utils.translation import gettext as _

    me = own_educator(user)
    if me is None:
        raise NotFound(_("Your login is not linked to an educator record."), code="educator_not_linked")
    return me


# Roles that read educators' personal records. Providers and experts work with
# programs and reviews; what they see of people comes through enrollments later.
EDUCATOR_READERS = frozenset(
    {
        Role.TEACHER,
        Role.TUTOR,
        Role.MENTOR,
        Role.SCHOOL_HEAD,
        Role.MUNICIPAL_OPERATOR,
        Role.REGIONAL_OPERATOR,
        Role.FEDERAL_OPERATOR,
    }
)
# Roles that change the directory (import, edit organizations and educators).
DIRECTORY_EDITORS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})

register(
    Educator,
    ScopePolicy(
        region="region",
        municipality="municipality",
        organization="organization",
        educator="",
        roles=EDUCATOR_READERS,
    ),
)
register(
    Organization,
    # The directory of organizations is public; the policy scopes who may change it.
    ScopePolicy(
        region="region",
        municipality="municipality",
        organization="pk",
        roles=ALL_ROLES - {Role.TEACHER},
        personal=False,
    ),
)
# Who did what to people's data, and the files of people imported: the region's operators.
register(AuditEvent, ScopePolicy(region="region", roles=DIRECTORY_EDITORS))
register(ImportBatch, ScopePolicy(region="region", roles=DIRECTORY_EDITORS))
