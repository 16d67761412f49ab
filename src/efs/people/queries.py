"""Reads of the people app. Everything that returns people's data is scoped."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from efs.filtering import narrowed

from . import access
from .models import (
    AssignmentKind,
    AuditEvent,
    Educator,
    ImportBatch,
    Municipality,
    Organization,
    Region,
    Role,
    SupportAssignment,
    User,
    search_key,
)


def educators_visible(
    user,
    *,
    search: str = "",
    region_id: int | None = None,
    municipality_id: int | None = None,
    organization_id: int | None = None,
    category: str = "",
) -> QuerySet[Educator]:
    qs = access.scoped(Educator.objects.select_related("organization", "region"), user)
    if search:
        for word in search_key(search).split()[:4]:
            qs = qs.filter(search_text__contains=word)
    return narrowed(
        qs,
        region_id=region_id,
        municipality_id=municipality_id,
        organization_id=organization_id,
        category=category,
    )


def educator_visible(user, pk: int, *, roles=None) -> Educator:
    return access.get_scoped(
        Educator.objects.select_related("organization__municipality", "region", "user").prefetch_related("subjects"),
        user,
        roles=roles,
        pk=pk,
    )


def organizations_directory(
    *, region_id: int | None = None, municipality_id: int | None = None, kind: str = "", search: str = ""
) -> QuerySet[Organization]:
    """The public directory of organizations (not personal data)."""
    qs = narrowed(
        Organization.objects.select_related("municipality", "region"),
        region_id=region_id,
        municipality_id=municipality_id,
        kind=kind,
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(short_name__icontains=search) | Q(inn=search))
    return qs


def home_region(user) -> Region | None:
    """The region a user works in: the region of their first scoped role or their own record."""
    for grant in access.grants(user):
        if grant.region_id:
            return Region.objects.filter(pk=grant.region_id).first()
    educator = access.own_educator(user)
    return educator.region if educator else None


def filter_choices(user) -> dict:
    """Regions and municipalities a user can filter people lists by."""
    reach = access.region_reach(user, roles=access.ALL_ROLES)
    if reach.everywhere:
        regions = Region.objects.all()
    else:  # the region-wide reach, and the region of a school's or a municipality's role
        ids = reach.region_ids | {g.region_id for g in access.grants(user) if g.region_id}
        regions = Region.objects.filter(pk__in=ids)
    region_ids = [r.pk for r in regions] if regions.count() <= 3 else []
    municipalities = (
        Municipality.objects.filter(region_id__in=region_ids) if region_ids else Municipality.objects.none()
    )
    return {"regions": regions, "municipalities": municipalities}


@dataclass(frozen=True)
class StaffSummary:
    total: int
    by_category: dict[str, int]
    organizations: int


def staff_summary(user, *, roles: list[str], region_id: int | None = None) -> StaffSummary:
    """Counts of the educators a user's given roles cover (home pages), optionally in one region."""
    qs = access.scoped(Educator.objects.filter(is_active=True), user, roles=roles)
    if region_id:
        qs = qs.filter(region_id=region_id)
    rows = qs.values("category").annotate(n=Count("id")).order_by()
    by_category = {row["category"]: row["n"] for row in rows}
    organizations = qs.exclude(organization__isnull=True).values("organization_id").distinct().count()
    return StaffSummary(total=sum(by_category.values()), by_category=by_category, organizations=organizations)


def educators_per_region(user) -> dict[int, int]:
    """Active educators per region id, within the user's scope."""
    qs = access.scoped(Educator.objects.filter(is_active=True), user)
    return dict(qs.values_list("region_id").annotate(n=Count("id")).order_by())


def assigned_educators(user, *, role: str) -> QuerySet[Educator]:
    return access.scoped(Educator.objects.select_related("organization"), user, roles=[role])


def role_holders(*, role: str, region_id: int):
    """The logins holding `role` with `region_id` as their home region (e.g. a region's
    tutors, whose scope is their assigned people), by name."""
    from .models import User

    return (
        User.objects.filter(role_assignments__role=role, role_assignments__region_id=region_id)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def municipal_operators(municipality_ids) -> dict[int, list[User]]:
    """The municipal operators of each municipality (logins holding the role with that
    municipality as their scope), by name: who answers for the municipality's figures."""
    from .models import RoleAssignment, Scope

    out: dict[int, list[User]] = {}
    rows = (
        RoleAssignment.objects.filter(
            role=Role.MUNICIPAL_OPERATOR, scope=Scope.MUNICIPALITY, municipality_id__in=list(municipality_ids)
        )
        .select_related("user")
        .order_by("municipality_id", "user__last_name", "user__first_name", "user_id")
    )
    for assignment in rows:
        if assignment.user.is_active and assignment.municipality_id is not None:
            out.setdefault(assignment.municipality_id, []).append(assignment.user)
    return out


def assigned_tutor(educator: Educator) -> User | None:
    """The educator's tutor: the supporter of their first active tutor assignment (routes send
    routes for approval to them, support books consultations with them)."""
    assignment = (
        SupportAssignment.objects.filter(educator=educator, kind=AssignmentKind.TUTOR, active=True)
        .select_related("supporter")
        .order_by("pk")
        .first()
    )
    return assignment.supporter if assignment else None


ROLE_ORDER = [
    Role.TEACHER,
    Role.TUTOR,
    Role.MENTOR,
    Role.SCHOOL_HEAD,
    Role.MUNICIPAL_OPERATOR,
    Role.PROVIDER,
    Role.EXPERT,
    Role.REGIONAL_OPERATOR,
    Role.FEDERAL_OPERATOR,
]


def import_batches(user) -> QuerySet[ImportBatch]:
    """Import batches the user's region-wide roles reach, newest first (file contents deferred)."""
    return access.scoped(ImportBatch.objects.select_related("region", "uploaded_by").defer("content"), user)


def import_batch(user, pk: int) -> ImportBatch:
    return access.get_scoped(ImportBatch.objects.select_related("region", "uploaded_by"), user, pk=pk)


def audit_events(user) -> QuerySet[AuditEvent]:
    """The audit log of the regions the user's operator roles reach (all for the federal operator)."""
    return access.scoped(AuditEvent.objects.select_related("actor", "region"), user)
