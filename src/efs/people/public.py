"""What other apps may use of `people` (ADR 0006).

The directory (regions, municipalities, organizations, subjects, educators), roles and
scopes, consent, the audit log and notifications. Read people's data through
`efs.people.access` (`scoped`, `get_scoped`, `region_reach`) or the queries below; change
it only through the services below.
"""

from __future__ import annotations

from .apiauth import api_auth
from .audit import audit_list, audit_record, audit_rows, audit_view
from .models import (
    AssignmentKind,
    AuditAction,
    ConsentKind,
    Educator,
    EducatorCategory,
    FederalDistrict,
    Macroregion,
    MailKind,
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
    assigned_tutor,
    educator_visible,
    educators_visible,
    home_region,
    role_holders,
    staff_summary,
)
from .services import (
    consent_active,
    consent_give,
    consent_needed,
    notify,
    processing_allowed,
    processing_allowed_q,
    processing_require,
    role_grant,
    support_assign,
    support_end,
)

__all__ = [
    "AssignmentKind",
    "AuditAction",
    "ConsentKind",
    "Educator",
    "EducatorCategory",
    "FederalDistrict",
    "MailKind",
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
    "api_auth",
    "assigned_educators",
    "assigned_tutor",
    "consent_needed",
    "processing_allowed",
    "processing_allowed_q",
    "processing_require",
    "audit_list",
    "audit_record",
    "audit_rows",
    "audit_view",
    "consent_active",
    "consent_give",
    "educator_visible",
    "educators_visible",
    "element_educators",
    "home_region",
    "notify",
    "role_grant",
    "role_holders",
    "staff_summary",
    "support_assign",
    "support_end",
]


def element_educators(*, months: list) -> list[tuple[int, int, int]]:
    """Active educators in the directory at each month's end (the directory as it is now:
    moves between organizations are not historised): (organization id, month index, count)."""
    import datetime as dt

    from django.db.models import Count

    from efs.periods import next_month

    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        end = dt.datetime.combine(next_month(month), dt.time(), tzinfo=dt.UTC)
        counts = (
            Educator.objects.filter(is_active=True, created_at__lt=end)
            .values("organization_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += [(c["organization_id"], index, c["n"]) for c in counts if c["organization_id"]]
    return rows
