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
    municipal_operators,
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
    "municipal_operators",
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


def element_educators_of_category(category: str):
    """Active educators of one category (teacher, manager, pre-service student) at each
    month's end, as `element_educators` counts them."""

    def source(*, months: list) -> list[tuple[int, int, int]]:
        import datetime as dt

        from django.db.models import Count

        from efs.periods import next_month

        rows: list[tuple[int, int, int]] = []
        for index, month in enumerate(months):
            end = dt.datetime.combine(next_month(month), dt.time(), tzinfo=dt.UTC)
            counts = (
                Educator.objects.filter(is_active=True, category=category, created_at__lt=end)
                .exclude(organization__isnull=True)
                .values_list("organization_id")
                .annotate(n=Count("id"))
                .order_by()
            )
            rows += [(org, index, n) for org, n in counts]
        return rows

    return source


def element_organizations_staffed(*, months: list) -> list[tuple[int, int, int]]:
    """1 for each organization with at least one active educator at the month's end (summed up
    the hierarchy: organizations with educators)."""
    return [(org, index, 1 if n else 0) for org, index, n in element_educators(months=months)]


def element_organizations_of_kind(kind: str):
    """1 for each organization of the kind (the directory as it is now: organizations carry no
    creation date), every month."""

    def source(*, months: list) -> list[tuple[int, int, int]]:
        ids = list(Organization.objects.filter(kind=kind).values_list("pk", flat=True))
        return [(org, index, 1) for index in range(len(months)) for org in ids]

    return source


__all__ += ["element_educators_of_category", "element_organizations_of_kind", "element_organizations_staffed"]


# The same elements as one query each over all months (monitoring's build runs them inside
# an INSERT … SELECT): rows of ``org, idx, value``; see `efs.periods.month_table`.


def _educators_sql(months: list, category: str | None = None) -> tuple[str, list]:
    from efs.periods import cumulative, month_bucket, month_last_end

    bucket, bucket_params = month_bucket("created_at", months)
    where, params = "is_active = %s AND organization_id IS NOT NULL AND created_at < %s", [True, month_last_end(months)]
    if category is not None:
        where, params = where + " AND category = %s", [*params, category]
    return cumulative(
        f"SELECT organization_id AS org, {bucket} AS bucket, COUNT(*) AS n "
        f"FROM {Educator._meta.db_table} WHERE {where} GROUP BY 1, 2",
        [*bucket_params, *params],
        months,
    )


def element_educators_sql(months: list) -> tuple[str, list]:
    """`element_educators` as one query: each educator counts from the month made on."""
    return _educators_sql(months)


def element_educators_of_category_sql(category: str):
    def sql(months: list) -> tuple[str, list]:
        return _educators_sql(months, category)

    return sql


def element_organizations_staffed_sql(months: list) -> tuple[str, list]:
    sql, params = _educators_sql(months)
    return f"SELECT s.org AS org, s.idx AS idx, 1 AS value FROM ({sql}) s WHERE s.value > 0", params


def element_organizations_of_kind_sql(kind: str):
    def sql(months: list) -> tuple[str, list]:
        from efs.periods import month_table

        month_sql, month_params = month_table(months)
        return (
            f"SELECT o.id AS org, m.idx AS idx, 1 AS value FROM {Organization._meta.db_table} o "
            f"CROSS JOIN {month_sql} m WHERE o.kind = %s",
            [*month_params, kind],
        )

    return sql


__all__ += [
    "element_educators_of_category_sql",
    "element_educators_sql",
    "element_organizations_of_kind_sql",
    "element_organizations_staffed_sql",
]
