"""What other apps may use of `people` (ADR 0006).

The directory (regions, municipalities, organizations, subjects, educators), roles and
scopes, consent, the audit log and notifications. Read people's data through
`efs.people.access` (`scoped`, `get_scoped`, `region_reach`) or the queries below; change
it only through the services below.
"""

from __future__ import annotations

from .audit import audit_list, audit_record, audit_view
from .models import (
    AssignmentKind,
    AuditAction,
    ConsentKind,
    Educator,
    EducatorCategory,
    FederalDistrict,
    Macroregion,
    Municipality,
    MunicipalityKind,
    Organization,
    OrganizationKind,
    QualificationCategory,
    Region,
    Role,
    Scope,
    Subject,
    SupportAssignment,
    User,
)
from .queries import (
    assigned_educators,
    educator_visible,
    educators_visible,
    home_region,
    staff_summary,
)
from .services import consent_active, notify, role_grant, support_assign

__all__ = [
    "AssignmentKind",
    "AuditAction",
    "ConsentKind",
    "Educator",
    "EducatorCategory",
    "FederalDistrict",
    "Macroregion",
    "Municipality",
    "MunicipalityKind",
    "Organization",
    "OrganizationKind",
    "QualificationCategory",
    "Region",
    "Role",
    "Scope",
    "Subject",
    "SupportAssignment",
    "User",
    "assigned_educators",
    "audit_list",
    "audit_record",
    "audit_view",
    "consent_active",
    "educator_visible",
    "educators_visible",
    "home_region",
    "notify",
    "role_grant",
    "staff_summary",
    "support_assign",
]
