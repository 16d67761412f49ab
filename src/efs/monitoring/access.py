"""Who reads monitoring, and which units: through the people app's one reach funnel."""

from __future__ import annotations

from django.utils.translation import gettext as _

from efs.errors import NotFound, PermissionDenied
from efs.people import access
from efs.people.public import (
    AuditAction,
    Educator,
    Macroregion,
    Municipality,
    Organization,
    Role,
    audit_rows,
)

from .models import Level

READERS = frozenset({Role.SCHOOL_HEAD, Role.MUNICIPAL_OPERATOR, Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})


def home_unit(user) -> tuple[str, int]:
    """The widest unit the user sees: the country, a region, a municipality or a school."""
    reach = access.unit_reach(user, roles=READERS)
    if reach.regions.everywhere:
        return Level.FEDERAL, 0
    if reach.regions.region_ids:
        return Level.REGION, min(reach.regions.region_ids)
    if reach.municipality_ids:
        return Level.MUNICIPALITY, min(reach.municipality_ids)
    if reach.organization_ids:
        return Level.ORGANIZATION, min(reach.organization_ids)
    access.require_role(user, READERS)
    raise NotFound(_("Not found, or you have no access to it."))


def require_federal(user) -> None:
    """The side-by-side view of all regions: only for whom the whole country is in reach."""
    access.require_role(user, READERS)
    if not access.unit_reach(user, roles=READERS).regions.everywhere:
        raise PermissionDenied(_("Only the federal operator compares the regions side by side."))


def require_unit(user, level: str, unit_id: int) -> None:
    """NotFound unless the user's roles reach the unit (out of reach is "not found")."""
    access.require_role(user, READERS)
    reach = access.unit_reach(user, roles=READERS)
    ok = False
    if level == Level.FEDERAL:
        ok = reach.regions.everywhere and unit_id == 0
    elif level == Level.MACROREGION:
        regions = set(Macroregion.objects.filter(pk=unit_id).values_list("regions__pk", flat=True)) - {None}
        ok = bool(regions) and all(reach.sees_region(r) for r in regions)
    elif level == Level.REGION:
        ok = reach.sees_region(unit_id)
    elif level == Level.MUNICIPALITY:
        row = Municipality.objects.filter(pk=unit_id).values_list("region_id", flat=True).first()
        ok = row is not None and reach.sees_municipality(unit_id, row)
    elif level == Level.ORGANIZATION:
        units = Organization.objects.filter(pk=unit_id).values_list("municipality_id", "region_id").first()
        ok = units is not None and reach.sees_organization(unit_id, units[0], units[1])
    if not ok:
        raise NotFound(_("Not found, or you have no access to it."))


def people_behind(user, level: str, unit_id: int):
    """Drill-through from a figure to people: only what the user's scope already shows."""
    qs = access.scoped(Educator.objects.filter(is_active=True), user, roles=READERS)
    fields: dict[str, str] = {
        Level.ORGANIZATION: "organization_id",
        Level.MUNICIPALITY: "organization__municipality_id",
        Level.REGION: "region_id",
    }
    field = fields.get(level)
    return qs.filter(**{field: unit_id}) if field else qs


DRILL_LEVELS = (Level.ORGANIZATION, Level.MUNICIPALITY, Level.REGION)


def people_logged(
    user, level: str, unit_id: int, *, offset: int, limit: int, unit_name: str, ip: str | None
) -> tuple[int, list]:
    """(how many, one page of them) of the educators behind a unit, after `require_unit`;
    the page shown is written to the audit log, one event per region with its count."""
    if level not in DRILL_LEVELS:
        raise NotFound(_("A list of people is shown for a region, a municipality or an organization."))
    queryset = (
        people_behind(user, level, unit_id)
        .select_related("organization")
        .order_by("last_name", "first_name", "middle_name", "id")
    )
    count = queryset.count()
    if count and offset >= count:  # past the end: the last page, as the paginator shows it
        offset = (count - 1) // limit * limit
    items = list(queryset[offset : offset + limit])
    if items:
        audit_rows(
            actor=user,
            action=AuditAction.VIEW,
            model=Educator,
            region_ids=[e.region_id for e in items],
            description=_("Monitoring: educators of «%(unit)s»") % {"unit": unit_name},
            ip=ip,
        )
    return count, items
