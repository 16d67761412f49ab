"""The role × scope matrix: every page and endpoint, every role, the status it must get.

Each app adds its routes to ``ROUTES`` (a list of :class:`Route`). ``test_matrix.py``
runs them for every user of the :class:`World` fixture and checks that every URL
name the project serves is listed here, so a new page cannot skip the matrix.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

USERS = [
    "anonymous",
    "teacher",
    "school_head",
    "municipal",
    "regional",
    "regional_other",
    "macroregional",
    "federal",
    "tutor",
    "mentor",
    "provider",
    "expert",
    "nobody",
]
LOGGED_IN = [u for u in USERS if u != "anonymous"]
# The regional operator of a macroregion (R1 and R2, home region R2): one grant reaches both
# regions. The World's objects are in R1, so on a row that says nothing of it the macroregion
# operator gets what the regional operator of R1 gets (`Route.macro`); the rows of people's
# lists and of its own login name it (`macro=None`): it reads the people of both regions.
MACRO = "macroregional"

# Who sees which educator of the World fixture.
VISIBLE = {
    "teacher": {"self_educator"},
    "school_head": {"self_educator", "same_org"},
    "municipal": {"self_educator", "same_org", "other_org"},
    "regional": {"self_educator", "same_org", "other_org", "other_muni"},
    "regional_other": {"other_region"},
    MACRO: {"self_educator", "same_org", "other_org", "other_muni", "other_region"},
    "federal": {"self_educator", "same_org", "other_org", "other_muni", "other_region"},
    "tutor": {"other_org"},
    "mentor": {"same_org"},
}
SURNAMES = {
    "self_educator": "Иванова",
    "same_org": "Петрова",
    "other_org": "Сидорова",
    "other_muni": "Кузнецова",
    "other_region": "Смирнова",
}


def people_shown(among: set[str] | frozenset[str]):
    """A `check` for a list of people: of the World's educators in `among` (the ones the list
    can hold at all, keys of SURNAMES), exactly those the user's scope reaches (VISIBLE) appear."""

    def check(who: str, world, response) -> None:
        if response.status_code != 200:
            return
        text = response.content.decode()
        shown = {key for key in among if SURNAMES[key] in text}
        assert shown == set(among) & VISIBLE.get(who, set()), f"{who} sees {sorted(shown)}"

    return check


def people_exactly(shown: dict[str, set[str]]):
    """A `check` for a list of people whose readers are decided by the app's own data
    (assignments, shares, mentorships), not by the scope alone: exactly the World's educators
    in `shown[who]` (keys of SURNAMES) appear, and none for a user `shown` does not name."""

    def check(who: str, world, response) -> None:
        if response.status_code != 200:
            return
        text = response.content.decode()
        seen = {key for key, surname in SURNAMES.items() if surname in text}
        assert seen == shown.get(who, set()), f"{who} sees {sorted(seen)}"

    return check


@dataclass
class Route:
    name: str  # URL name, with namespace
    method: str
    path: Callable  # (world, state) -> str
    expect: Callable  # (who, world) -> int
    data: Callable | None = None  # (world, state) -> dict for POST
    json: bool = False
    check: Callable | None = None  # (who, world, response) -> None; raises AssertionError
    setup: Callable | None = None  # (world, state) -> None; fills the state shared by the user's run
    label: str = field(default="")
    # A row that changes state reads it before and after the request with `observe`
    # ((world, state) -> a comparable value); it must change for the users in `changes` and
    # for nobody else (a refusal, whatever its status, leaves it as it was).
    observe: Callable | None = None
    changes: set[str] | frozenset[str] = frozenset()
    # Whose status, outcome and content the macroregion operator shares on this row; None when
    # `expect`, `changes` and `check` name it themselves (a list of people, a row about its
    # own login or about R2).
    macro: str | None = "regional"

    def as_user(self, who: str) -> str:
        return self.macro if who == MACRO and self.macro else who

    def expected(self, who: str, world) -> int:
        return self.expect(self.as_user(who), world)

    def changes_for(self, who: str) -> bool:
        return self.as_user(who) in self.changes


ROUTES: list[Route] = []


def page(who_ok: set[str] | list[str], *, denied: int = 403, anonymous: int = 302):
    ok = set(who_ok)

    def expect(who: str, world) -> int:
        if who == "anonymous":
            return anonymous
        return 200 if who in ok else denied

    return expect


def api(who_ok: set[str] | list[str], *, denied: int = 403, ok_status: int = 200):
    return page(who_ok, denied=denied, anonymous=401) if ok_status == 200 else _api_status(who_ok, denied, ok_status)


def _api_status(who_ok, denied, ok_status):
    ok = set(who_ok)

    def expect(who: str, world) -> int:
        if who == "anonymous":
            return 401
        return ok_status if who in ok else denied

    return expect


def makers(namespace: str, setup: Callable):
    """Route builders of one app that share its setup: `page(name, path, expect, method=…)`
    for `<namespace>:<name>`, `endpoint(name, method, path, expect)` for the API."""

    def page_route(name, path, expect, **kwargs) -> Route:
        return Route(f"{namespace}:{name}", kwargs.pop("method", "GET"), path, expect, setup=setup, **kwargs)

    def endpoint(name, method, path, expect, **kwargs) -> Route:
        return Route(f"api-1.0.0:{name}", method, path, expect, setup=setup, **kwargs)

    return page_route, endpoint


def only(users: set[str], ok: int = 200, *, anonymous: int = 302, default: int = 404):
    """`ok` for `users`, `default` (not found: outside their scope) for the other logged-in users."""

    def expect(who: str, world) -> int:
        if who == "anonymous":
            return anonymous
        return ok if who in users else default

    return expect


def by_role(statuses: dict[str, int], *, anonymous: int = 401, default: int = 404):
    """A status per user, `default` for the rest (API: anonymous is 401)."""

    def expect(who: str, world) -> int:
        if who == "anonymous":
            return anonymous
        return statuses.get(who, default)

    return expect


def xlsx_rows(response) -> list[tuple]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def shared_framework(state: dict):
    """The small test framework, created once per user's run whichever route needs it first."""
    from efs.competencies.models import Framework
    from tests.diagnostics.conftest import small_framework

    if "framework" not in state:
        state["framework"] = small_framework().pk
    return Framework.objects.get(pk=state["framework"])


# ---------------------------------------------------------------- what a POST row observes


def _resolved(value, world, state):
    return value(world, state) if callable(value) else value


def rows_of(model: str, *fields: str, **lookup):
    """An `observe` for a POST row: the rows of `model` ("app.Model") that match `lookup`
    (a value may be `(world, state) -> value`), each as its `fields` (all fields when none
    are named), in the order of their keys. A row made, changed or deleted shows."""

    def observe(world, state):
        from django.apps import apps

        cls = apps.get_model(model)
        names = fields or tuple(f.attname for f in cls._meta.concrete_fields)
        query = {key: _resolved(value, world, state) for key, value in lookup.items()}
        return tuple(cls.objects.filter(**query).order_by("pk").values_list(*names))

    return observe


def state_key(key: str):
    """A lookup value: the key's object made by the row's setup (`state[key]`)."""
    return lambda world, state: state[key]


def both(*observers):
    """An `observe` of several things at once (a row that changes two models)."""
    return lambda world, state: tuple(observe(world, state) for observe in observers)


# ---------------------------------------------------------------- what a refused HTML POST shows

CYRILLIC = re.compile(r"[А-Яа-яЁё]{3,}")
_REFUSAL = re.compile(
    r'<p class="mb-3">(?P<card>.*?)</p>'  # the error page of a refusal (web/error.html)
    r'|<div class="alert alert-danger[^"]*"[^>]*>(?P<alert>.*?)<button'  # a message on the page
    r'|<div class="efs-empty"><h1[^>]*>.*?</h1><p>(?P<page>.*?)</p>'  # 403.html / 404.html
    r'|class="(?:invalid-feedback|errorlist|text-danger small)[^"]*"[^>]*>(?P<field>.*?)</',  # a form's own error
    re.S,
)


def refusal_text(response) -> str:
    """The Russian message a refused HTML request shows, or "" when the page shows none."""
    text = response.content.decode(errors="replace")
    for match in _REFUSAL.finditer(text):
        message = re.sub(r"<[^>]+>", " ", next(g for g in match.groups() if g is not None)).strip()
        if CYRILLIC.search(message):
            return message
    return ""
