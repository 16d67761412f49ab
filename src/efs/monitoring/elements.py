"""The registry of data elements: what the apps below publish through their public modules.

An element is a count (or a sum of kopecks) per organization and month. Indicators are
formulas over elements; regions compose their own passports from this list, never from SQL.
`stock` elements are read at the period's last month (educators diagnosed in the 12
months up to then); `flow` elements are summed over the period's months (money spent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Choices
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from efs.catalog import public as catalog
from efs.diagnostics import public as diagnostics
from efs.financing import public as financing
from efs.people import public as people
from efs.practices import public as practices
from efs.routes import public as routes
from efs.support import public as support
from efs.workforce import public as workforce

Source = Callable[..., list[tuple[int, int, int]]]
# The same element as one query over all months: (sql, params) yielding ``org, idx, value``
# (organization id, month index, count); the build runs it inside one INSERT … SELECT.
Query = Callable[[list[dt.date]], tuple[str, list]]


@dataclass(frozen=True)
class Element:
    code: str
    title: object  # lazy Russian text
    source: Source
    aggregation: str = "stock"  # stock | flow
    people: bool = True  # counts people: suppressed below the region level when small
    app: str = ""
    sql: Query | None = None  # none: the build writes the rows `source` returns


ELEMENTS: dict[str, Element] = {}


def register(element: Element) -> None:
    if element.code in ELEMENTS:
        raise ValueError(f"data element {element.code} is registered twice")
    ELEMENTS[element.code] = element


def register_choices(
    prefix: str,
    title: object,
    choices: Iterable[Choices],
    source: Callable[[str], Source],
    sql: Callable[[str], Query],
    *,
    app: str,
    people: bool = True,
) -> None:
    """An element a choice (a category, a kind, a status): ``<prefix>_<value>``, titled
    ``<title>: <the choice's label>``, its source and query made for that value."""
    for choice in choices:
        register(
            Element(
                f"{prefix}_{choice.value}",
                format_lazy("{}: {}", title, choice.label),
                source(choice.value),
                people=people,
                app=app,
                sql=sql(choice.value),
            )
        )


def element(code: str) -> Element:
    return ELEMENTS[code]


def compute(code: str, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """A registered element's rows (organization id, month index, value) computed in Python."""
    return ELEMENTS[code].source(months=months)


# ---------------------------------------------------------------- families of elements
# Elements whose codes come from the data (per competency: educators measured on it, and of
# them those with a deficit) or that belong to no organization (a region's fund): written by
# the build like any element, as `<prefix>:<sub-code>`, for the build's last month only, and
# read by the home pages' cards. They are not in ELEMENTS, so no passport can name them.

FamilySource = Callable[..., dict[str, list[tuple[int, int, int]]]]


@dataclass(frozen=True)
class Family:
    prefix: str
    source: FamilySource  # months -> {sub-code: rows (unit id, month index, value)}
    level: str = "organization"  # organization: rows per organization, summed up the tree; region: per region
    app: str = ""


FAMILIES: dict[str, Family] = {}


def register_family(family: Family) -> None:
    if family.prefix in FAMILIES:
        raise ValueError(f"data element family {family.prefix} is registered twice")
    FAMILIES[family.prefix] = family


def family_of(code: str) -> Family | None:
    prefix, sep, _sub = code.partition(":")
    return FAMILIES.get(prefix) if sep else None


def family_rows(family: Family, months: list[dt.date]) -> dict[str, list[tuple[int, int, int]]]:
    """The family's codes found in the data, each with its rows (one computation for all)."""
    return {f"{family.prefix}:{sub}": rows for sub, rows in family.source(months=months).items()}


def element_level(code: str) -> str:
    """The level an element's source counts at: organization, or region (a family of regions)."""
    family = family_of(code)
    return family.level if family else "organization"


register(
    Element(
        "educators", _("active educators"), people.element_educators, app="people", sql=people.element_educators_sql
    )
)
register(
    Element(
        "educators_diagnosed",
        _("educators diagnosed in the last 12 months"),
        diagnostics.element_educators_diagnosed,
        app="diagnostics",
        sql=diagnostics.element_educators_diagnosed_sql,
    )
)
register(
    Element(
        "educators_with_route",
        _("educators with an approved route"),
        routes.element_educators_with_route,
        app="routes",
        sql=routes.element_educators_with_route_sql,
    )
)
register(
    Element(
        "educators_remeasured",
        _("educators re-diagnosed on a route's deficit in the last 12 months"),
        routes.element_educators_remeasured,
        app="routes",
        sql=routes.element_educators_remeasured_sql,
    )
)
register(
    Element(
        "educators_closed_deficit",
        _("educators who closed a deficit at re-diagnosis in the last 12 months"),
        routes.element_educators_closed_deficit,
        app="routes",
        sql=routes.element_educators_closed_deficit_sql,
    )
)
register(
    Element(
        "educators_trained_cnppm",
        _("educators who completed a ЦНППМ program in the last 12 months"),
        financing.element_educators_trained_cnppm,
        app="financing",
        sql=financing.element_educators_trained_cnppm_sql,
    )
)
register(
    Element(
        "certificates_issued",
        _("certificates issued for the year"),
        financing.element_certificates_issued,
        app="financing",
        sql=financing.element_certificates_issued_sql,
    )
)
register(
    Element(
        "certificates_used",
        _("certificates used for an enrollment"),
        financing.element_certificates_used,
        app="financing",
        sql=financing.element_certificates_used_sql,
    )
)
register(
    Element(
        "money_spent",
        _("money paid from certificates, kopecks"),
        financing.element_money_spent,
        aggregation="flow",
        people=False,
        app="financing",
        sql=financing.element_money_spent_sql,
    )
)
register(
    Element(
        "programs_published",
        _("programs in the depository"),
        catalog.element_programs_published,
        people=False,
        app="catalog",
    )
)
register(
    Element(
        "programs_network_form",
        _("programs in the depository in network form"),
        catalog.element_programs_network_form,
        people=False,
        app="catalog",
    )
)
register(
    Element(
        "workforce_post_fte",
        _("FTE of open posts, hundredths"),
        workforce.element_post_fte,
        people=False,
        app="workforce",
        sql=workforce.element_post_fte_sql,
    )
)
register(
    Element(
        "workforce_vacant_fte",
        _("FTE of vacant posts, hundredths"),
        workforce.element_vacant_fte,
        people=False,
        app="workforce",
        sql=workforce.element_vacant_fte_sql,
    )
)
register(
    Element(
        "workforce_holders",
        _("educators holding a post"),
        workforce.element_post_holders,
        app="workforce",
        sql=workforce.element_post_holders_sql,
    )
)
register(
    Element(
        "workforce_holders_60",
        _("educators aged 60 or more holding a post"),
        workforce.element_post_holders_60,
        app="workforce",
        sql=workforce.element_post_holders_60_sql,
    )
)
register(
    Element(
        "workforce_projected_gap_fte",
        _("projected shortage of teachers five years ahead, hundredths of FTE"),
        workforce.element_projected_gap_fte,
        people=False,
        app="workforce",
    )
)

# ---------------------------------------------------------------- the home pages' figures
# Headcounts by category, organizations (with educators, and by kind) and routes by status:
# what the home pages of the school head and the operators show, read from the analytics table.

register_choices(
    "educators",
    _("active educators"),
    people.EducatorCategory,
    people.element_educators_of_category,
    people.element_educators_of_category_sql,
    app="people",
)
register(
    Element(
        "organizations_staffed",
        _("organizations with educators"),
        people.element_organizations_staffed,
        people=False,
        app="people",
        sql=people.element_organizations_staffed_sql,
    )
)
register_choices(
    "organizations",
    _("organizations"),
    people.OrganizationKind,
    people.element_organizations_of_kind,
    people.element_organizations_of_kind_sql,
    people=False,
    app="people",
)
register(
    Element(
        "educators_routed",
        _("educators with an individual route in any status but abandoned"),
        routes.element_educators_routed,
        app="routes",
        sql=routes.element_educators_routed_sql,
    )
)
register_choices(
    "routes",
    _("individual routes"),
    [status for status in routes.RouteStatus if status != routes.RouteStatus.ABANDONED],
    routes.element_routes_of_status,
    routes.element_routes_of_status_sql,
    app="routes",
)
register(
    Element(
        "consultations_held",
        _("tutors' consultations held"),
        support.element_consultations_held,
        aggregation="flow",
        app="support",
        sql=support.element_consultations_held_sql,
    )
)
register(
    Element(
        "mentoring_pairs",
        _("active mentoring pairs"),
        support.element_mentoring_pairs,
        app="support",
        sql=support.element_mentoring_pairs_sql,
    )
)
register(
    Element(
        "cycles_closed",
        _("reflective cycles closed"),
        support.element_cycles_closed,
        aggregation="flow",
        app="support",
        sql=support.element_cycles_closed_sql,
    )
)
register(
    Element(
        "educators_with_tutor",
        _("educators with a tutor"),
        support.element_educators_with_tutor,
        app="support",
        sql=support.element_educators_with_tutor_sql,
    )
)
register(
    Element(
        "practices_in_bank",
        _("practices in the bank"),
        practices.element_practices_in_bank,
        people=False,
        app="practices",
        sql=practices.element_practices_in_bank_sql,
    )
)
register(
    Element(
        "practice_replications",
        _("practice replication reports"),
        practices.element_replications,
        aggregation="flow",
        people=False,
        app="practices",
        sql=practices.element_replications_sql,
    )
)
register(
    Element(
        "network_events_held",
        _("network events held"),
        practices.element_events_held,
        aggregation="flow",
        people=False,
        app="practices",
        sql=practices.element_events_held_sql,
    )
)
register(
    Element(
        "community_members",
        _("educators in network communities"),
        practices.element_community_members,
        app="practices",
        sql=practices.element_community_members_sql,
    )
)

# The home pages' deficits card (educators measured on each competency, with a deficit,
# diagnosed at all) and the regional operator's fund card.
register_family(Family("deficits", diagnostics.element_deficit_profile, app="diagnostics"))
register_family(Family("fund", financing.element_fund_figures, level="region", app="financing"))
