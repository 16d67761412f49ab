"""Navigation built from the user's roles: top items and grouped menus."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from efs import fragments
from efs.people import access
from efs.people.models import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class NavItem:
    label: StrOrPromise
    url_name: str
    icon: str
    roles: frozenset[str]
    # the label when another entry of the same menu has the same one (a school head who is
    # also a mentor sees the staff's routes and his mentees' routes, not two «Маршруты»)
    clash_label: StrOrPromise | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class NavGroup:
    label: StrOrPromise
    icon: str
    items: list[NavItem] = field(default_factory=list)


ALL = frozenset(Role.values)
OPERATORS = frozenset({Role.SCHOOL_HEAD, Role.MUNICIPAL_OPERATOR, Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})
SUPPORTERS = frozenset({Role.TUTOR, Role.MENTOR})
REGION_LEVEL = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})

NAVIGATION: list[NavItem | NavGroup] = [
    NavItem(_("Home"), "home", "house", ALL),
    NavItem(_("Diagnostics"), "diagnostics:index", "clipboard2-pulse", frozenset({Role.TEACHER})),
    NavItem(_("My route"), "routes:mine", "signpost-split", frozenset({Role.TEACHER})),
    NavItem(_("Certificate"), "financing:mine", "wallet2", frozenset({Role.TEACHER})),
    NavItem(_("Routes"), "routes:tutor", "signpost-split", SUPPORTERS, _("Routes of my educators")),
    NavItem(_("Support"), "support:index", "chat-square-heart", frozenset({Role.TEACHER, Role.TUTOR, Role.MENTOR})),
    NavGroup(
        _("Methodological support"),
        "chat-square-heart",
        [
            NavItem(_("Methodological support: overview"), "support:overview", "chat-square-heart", OPERATORS),
            NavItem(_("Mentoring"), "support:mentoring", "people", frozenset({Role.SCHOOL_HEAD})),
            NavItem(
                _("Caseloads of tutors"), "support:caseloads", "person-lines-fill", frozenset({Role.REGIONAL_OPERATOR})
            ),
        ],
    ),
    NavGroup(
        _("Practices"),
        "lightbulb",
        [
            NavItem(_("Bank of practices"), "practices:index", "lightbulb", ALL),
            NavItem(_("Network communities"), "practices:community_list", "people-fill", ALL),
        ],
    ),
    NavItem(
        _("Programs"),
        "catalog:catalog",
        "journal-bookmark",
        frozenset({Role.TEACHER, Role.TUTOR, Role.MENTOR, Role.SCHOOL_HEAD, Role.EXPERT}),
    ),
    NavItem(_("My programs"), "catalog:provider", "journal-bookmark", frozenset({Role.PROVIDER})),
    NavItem(_("Enrollments and statements"), "financing:provider", "wallet2", frozenset({Role.PROVIDER})),
    NavItem(_("Reviews"), "catalog:reviews", "patch-check", frozenset({Role.EXPERT})),
    NavItem(_("Deficit map"), "diagnostics:map", "bar-chart", OPERATORS - REGION_LEVEL),
    NavItem(_("Monitoring"), "monitoring:dashboard", "graph-up", OPERATORS - REGION_LEVEL),
    NavGroup(
        _("Monitoring"),
        "graph-up",
        [
            NavItem(_("Indicators"), "monitoring:dashboard", "speedometer2", REGION_LEVEL),
            NavItem(_("Monthly releases"), "monitoring:releases", "pen", REGION_LEVEL),
        ],
    ),
    NavItem(_("Routes"), "routes:staff", "signpost-split", frozenset({Role.SCHOOL_HEAD, Role.MUNICIPAL_OPERATOR})),
    NavItem(
        _("People"), "people:educators", "people", frozenset({Role.SCHOOL_HEAD, Role.MUNICIPAL_OPERATOR}) | SUPPORTERS
    ),
    NavGroup(
        _("Programs"),
        "journal-bookmark",
        [
            NavItem(
                _("Program depository"),
                "catalog:catalog",
                "search",
                frozenset({Role.MUNICIPAL_OPERATOR}) | REGION_LEVEL,
            ),
            NavItem(_("Moderation"), "catalog:moderation", "clipboard-check", REGION_LEVEL),
            NavItem(_("Coverage"), "catalog:coverage", "map", REGION_LEVEL | {Role.MUNICIPAL_OPERATOR}),
            NavItem(_("Individual routes"), "routes:staff", "signpost-split", REGION_LEVEL),
            NavItem(_("Region-wide planning"), "routes:region_plans", "diagram-3", REGION_LEVEL),
        ],
    ),
    NavGroup(
        _("Financing"),
        "wallet2",
        [
            NavItem(_("Fund and certificates"), "financing:region", "piggy-bank", REGION_LEVEL),
            NavItem(_("Across regions"), "financing:federal", "globe", frozenset({Role.FEDERAL_OPERATOR})),
        ],
    ),
    NavGroup(
        _("Directory"),
        "building",
        [
            NavItem(_("People"), "people:educators", "people", REGION_LEVEL),
            NavItem(_("Organizations"), "people:organizations", "building", ALL - {Role.TEACHER}),
            NavItem(_("Import"), "people:imports", "upload", REGION_LEVEL),
            NavItem(_("Macroregions"), "people:macroregions", "diagram-3", frozenset({Role.FEDERAL_OPERATOR})),
            NavItem(_("Audit log"), "people:audit", "journal-text", REGION_LEVEL),
        ],
    ),
    NavGroup(
        _("Workforce"),
        "person-badge",
        [
            NavItem(
                _("Workforce forecast and risk"),
                "workforce:overview",
                "graph-down",
                REGION_LEVEL | {Role.MUNICIPAL_OPERATOR},
            ),
            NavItem(_("Staffing registry"), "workforce:registry", "person-badge", OPERATORS),
            NavItem(_("Student pipeline"), "workforce:pipeline", "mortarboard", OPERATORS),
            NavItem(_("Scenarios"), "workforce:scenarios", "sliders", REGION_LEVEL),
        ],
    ),
    NavGroup(
        _("Diagnostics"),
        "clipboard2-pulse",
        [
            NavItem(_("Deficit map"), "diagnostics:map", "bar-chart", REGION_LEVEL),
            NavItem(_("Frameworks"), "competencies:frameworks", "diagram-2", REGION_LEVEL | {Role.TUTOR, Role.EXPERT}),
            NavItem(_("Item bank"), "diagnostics:bank", "collection", frozenset({Role.FEDERAL_OPERATOR})),
            NavItem(_("Calibration"), "diagnostics:calibrations", "sliders", frozenset({Role.FEDERAL_OPERATOR})),
        ],
    ),
    NavGroup(
        _("Coordination"),
        "bank",
        [
            NavItem(_("Coordination councils"), "coordination:councils", "bank", REGION_LEVEL),
            NavItem(_("Regional programs"), "coordination:program_list", "file-earmark-text", REGION_LEVEL),
            NavItem(_("Programs compared"), "coordination:program_compare", "table", REGION_LEVEL),
            NavItem(_("Macroregion projects"), "coordination:macroregion_list", "diagram-3", REGION_LEVEL),
        ],
    ),
    NavItem(_("Regional programs"), "coordination:program_list", "file-earmark-text", frozenset({Role.EXPERT})),
    NavItem(_("My consents"), "people:consents", "shield-check", frozenset({Role.TEACHER})),
]


@dataclass(frozen=True)
class _Link:
    """A menu entry with its address resolved (what the template reads: label, icon, url)."""

    label: StrOrPromise
    icon: str
    url: str


@dataclass(frozen=True)
class _Menu:
    label: StrOrPromise
    icon: str
    items: tuple[_Link, ...]


# The menu of a set of roles, its addresses resolved once per process (per URL prefix):
# it depends on nothing else, and reversing some twenty names on every page cost more
# than the rest of the menu.
_MENUS: dict[tuple[frozenset[str], str], tuple[tuple[_Link | _Menu, ...], tuple[StrOrPromise, ...]]] = {}


def _link(item: NavItem, clashes: frozenset[str] = frozenset()) -> _Link:
    label = item.clash_label if item.clash_label and str(item.label) in clashes else item.label
    return _Link(label, item.icon, item.url)


def menu_for(roles: frozenset[str]) -> tuple[tuple[_Link | _Menu, ...], tuple[StrOrPromise, ...]]:
    """The menu entries and the role labels of a set of roles (cached per process)."""
    key = (roles, get_script_prefix())
    cached = _MENUS.get(key)
    if cached is not None:
        return cached
    entries: list[_Link | _Menu] = []
    shown = [str(e.label) for e in NAVIGATION if isinstance(e, NavItem) and e.roles & roles]
    clashes = frozenset(label for label in shown if shown.count(label) > 1)
    for entry in NAVIGATION:
        if isinstance(entry, NavGroup):
            items = [item for item in entry.items if item.roles & roles]
            if len(items) > 1:
                entries.append(_Menu(entry.label, entry.icon, tuple(_link(item) for item in items)))
            elif items:
                entries.append(_link(items[0]))
        elif entry.roles & roles:
            entries.append(_link(entry, clashes))
    result = (tuple(entries), tuple(Role(r).label for r in Role.values if r in roles))
    _MENUS[key] = result
    return result


# The menu's HTML per set of roles, URL prefix, language and active entry (one of the menu's
# own addresses, or none): a handful per role set. Rendering the menu's loop of lazily
# translated labels was about a fifth of a cached page's CPU (docs/benchmarks.md).
_MENU_HTML: dict[tuple[frozenset[str], str, str, str], SafeString] = {}


def menu_html(roles: frozenset[str], path: str) -> SafeString:
    """The menu of these roles as HTML, the entry whose address is ``path`` marked active."""
    entries, _labels = menu_for(roles)
    urls = {link.url for entry in entries for link in (entry.items if isinstance(entry, _Menu) else (entry,))}
    active = path if path in urls else ""
    key = (roles, get_script_prefix(), translation.get_language() or "", active)
    html = _MENU_HTML.get(key)
    if html is None:
        html = _MENU_HTML[key] = render_to_string("web/_menu.html", {"nav_items": entries, "active": active})
    return html


# What the navigation reads: the login's grants (access.grants) and its notifications.
NAVIGATION_TABLES = (*fragments.USER_TABLES, "people_notification")


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def figures() -> tuple[frozenset[str], int]:
        return frozenset(access.roles_of(user)), user.notifications.filter(read_at__isnull=True).count()

    # A page whose own part came from the cache has read the tables' stamps: the roles and the
    # unread count are then kept under the stamps of their tables too (no query on a reload).
    roles, unread = fragments.remembered(request, "navigation", figures, depends=NAVIGATION_TABLES)
    _entries, role_labels = menu_for(roles)
    return {
        "nav_menu": menu_html(roles, request.path),
        "user_role_labels": role_labels,
        "unread_notifications": unread,
    }
