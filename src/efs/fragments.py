"""Cached page fragments, invalidated by the writes to the tables they were rendered from.

A page's own part (the teacher's home, the teacher's route) costs some 15 queries and a
large template; the same person reloads it far more often than anything in it changes.
:func:`cached` keeps the rendered HTML in Django's cache (Redis when ``REDIS_URL`` is set,
the process's memory otherwise) under a key made of

- the fragment's name, the user's id and what else the caller names (the route's id), the
  language, the time zone and the local date (what is "due soon" or "overdue" changes with
  the day);
- the stamps (:class:`efs.web.models.TableVersion`, the table `web_tableversion`) of every table the rendering read —
  recorded while it ran, from the SQL itself — and of the tables the caller names because
  they were read before (the user, their grants).

Every write statement that goes through Django, in any process (web workers, the task
worker, commands), marks the tables it names; when its transaction commits, they get a new
random stamp. So a fragment is never served after a write to anything it shows: one's own
change is on the very next page (the stamp is set before the redirect answers), another
person's on the next page after their commit. Fragments are never shared between users
(the user's id is in the key) and never hold the per-request secrets: the CSRF token and the
CSP nonce are rendered as placeholders and filled in on every request. Inside a transaction
nothing is cached (what it reads may yet be rolled back). What changes with the clock alone,
below a day, is not seen by the stamps, nor is a write that bypasses Django (by hand in
``psql``): the entries expire after :data:`TTL` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

VERSION_TABLE = "web_tableversion"
# The audit log is appended to by every page that shows people's records (one INSERT a list
# page): stamping it would cost each of them a second commit. No fragment may be made from it:
# one that read it is served afresh and never stored (see cached()).
AUDIT_TABLE = "people_auditevent"
# Written on nearly every request or by the stamping itself; no fragment shows them.
NOT_STAMPED = frozenset({VERSION_TABLE, "django_session", "django_migrations", AUDIT_TABLE})
TTL = 300
# Read before a page's own part runs (the login, its role grants): every user fragment depends on them.
USER_TABLES = ("people_user", "people_roleassignment", "people_macroregion", "people_macroregion_regions")

_WORD = re.compile(r"\w+")
_VERB = re.compile(r"\W*(\w+)")
_READS = ("select", "savepoint", "release", "rollback", "pragma", "set", "show", "begin", "commit", "explain")
_tables: frozenset[str] | None = None
T = TypeVar("T")


def _slot(name: str) -> str:
    # The same in every process (the cache may be shared), not guessable by users who write text.
    digest = hmac.new(settings.SECRET_KEY.encode(), f"efs-fragment-{name}".encode(), hashlib.sha256)
    return f"efsslot{digest.hexdigest()[:32]}"


CSRF_SLOT = _slot("csrf")
NONCE_SLOT = _slot("nonce")


def tables() -> frozenset[str]:
    """Every table of the project's models (and their many-to-many tables)."""
    global _tables
    if _tables is None:
        names: set[str] = set()
        for model in apps.get_models(include_auto_created=True):
            names.add(model._meta.db_table)
        _tables = frozenset(names)
    return _tables


def tables_in(sql: str) -> set[str]:
    return {word for word in _WORD.findall(sql) if word in tables()}


# ---------------------------------------------------------------- stamping the tables written


class _Stamp:
    """The commit hook: gives every table written in the transaction a new stamp."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def __call__(self) -> None:
        stamp_written(self.connection)


def stamp_written(connection) -> None:
    written: set[str] = connection.__dict__.pop("_efs_written", set())
    if not written:
        return
    rows = sorted(written)
    mark = "?" if connection.vendor == "sqlite" else "%s"
    values = ", ".join(f"({mark}, {mark})" for _ in rows)
    params: list = []
    for name in rows:
        params += [name, random.getrandbits(62)]
    sql = (
        f"INSERT INTO {VERSION_TABLE} (name, version) VALUES {values} "
        "ON CONFLICT (name) DO UPDATE SET version = excluded.version"
    )
    # The driver's own cursor: not a query of the page (query counts), not seen by the wrapper.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
    except connection.Database.Error:  # before the migration that creates the table
        pass
    finally:
        cursor.close()


def _note_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    verb = _VERB.match(sql)
    if verb is None or verb.group(1).lower() not in _READS:
        written = tables_in(sql) - NOT_STAMPED
        if written:
            connection = context["connection"]
            connection.__dict__.setdefault("_efs_written", set()).update(written)
            connection._efs_writes = getattr(connection, "_efs_writes", 0) + 1
            if not connection.in_atomic_block:
                stamp_written(connection)
            elif not any(isinstance(hook, _Stamp) for _ids, hook, *_rest in connection.run_on_commit):
                connection.on_commit(_Stamp(connection))
    return result


def _install(sender, connection, **kwargs) -> None:
    if _note_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_note_writes)


def install() -> None:
    """Stamp the tables written through every database connection (called once, at start)."""
    connection_created.connect(_install, dispatch_uid="efs-fragments-stamp")
    for connection in connections.all(initialized_only=True):
        _install(None, connection)


def table_versions(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT name, version FROM {VERSION_TABLE}")
        return dict(cursor.fetchall())


def _remember(request, versions: dict[str, int]) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    request._efs_versions = (getattr(connection, "_efs_writes", 0), versions)


def known_versions(request) -> dict[str, int] | None:
    """The stamps this request has already read (a cached part did), if nothing was written
    through its connection since; None otherwise. Lets the rest of the page (the menu's
    roles, the unread count) be served by :func:`remembered` without reading the stamps again."""
    memo = getattr(request, "_efs_versions", None)
    connection = connections[DEFAULT_DB_ALIAS]
    if memo is None or connection.in_atomic_block or memo[0] != getattr(connection, "_efs_writes", 0):
        return None
    return memo[1]


def remembered(request, name: str, compute: Callable[[], T], *, depends: Iterable[str]) -> T:
    """``compute()`` for this user, kept in the cache under the stamps of the tables it reads
    (``depends``: named by the caller) when this request has read the stamps already
    (:func:`known_versions`); computed afresh otherwise. The value must be picklable."""
    versions = known_versions(request)
    if versions is None:
        return compute()
    key = f"efs:remembered:{name}:{request.user.pk}:{_digest(depends, versions)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL)
    return value


# ---------------------------------------------------------------- the cache


class _Reads:
    def __init__(self) -> None:
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        self.tables |= tables_in(sql)
        return execute(sql, params, many, context)


def _digest(depends: Iterable[str], versions: dict[str, int]) -> str:
    text = ",".join(f"{name}={versions.get(name, 0)}" for name in sorted(depends))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def fill(request, parts: dict[str, str]) -> dict[str, SafeString]:
    """The request's CSRF token and CSP nonce in place of the placeholders."""
    token = get_token(request)
    nonce = getattr(request, "csp_nonce", "")
    return {name: mark_safe(html.replace(CSRF_SLOT, token).replace(NONCE_SLOT, nonce)) for name, html in parts.items()}


def placeholders(request) -> dict:
    """What a fragment's template gets instead of the request's context processors."""
    return {"user": request.user, "csrf_token": CSRF_SLOT, "csp_nonce": NONCE_SLOT}


def cached(
    request,
    name: str,
    render: Callable[[], dict[str, str] | None],
    *,
    vary: Iterable[object] = (),
    depends: Iterable[str] = USER_TABLES,
) -> dict[str, SafeString] | None:
    """The parts ``render()`` returns (template output with :func:`placeholders`), from the
    cache when no table they were made from has been written since; filled for this request.
    ``render`` returning None means "not cacheable here" (nothing is stored)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        parts = render()
        return fill(request, parts) if parts is not None else None
    base = ":".join(
        str(p)
        for p in (
            "efs:fragment",
            name,
            request.user.pk,
            *vary,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            timezone.localdate().isoformat(),
        )
    )
    versions = table_versions()
    _remember(request, versions)
    known = cache.get(f"{base}:tables")
    if known is not None:
        parts = cache.get(f"{base}:{_digest(known, versions)}")
        if parts is not None:
            return fill(request, parts)
    reads = _Reads()
    with connection.execute_wrapper(reads):
        parts = render()
    if parts is None:
        return None
    if AUDIT_TABLE in reads.tables:  # not stamped: nothing would tell a stored copy is stale
        return fill(request, parts)
    read = frozenset((reads.tables | set(depends)) - {VERSION_TABLE})
    cache.set_many({f"{base}:tables": read, f"{base}:{_digest(read, versions)}": parts}, TTL)
    return fill(request, parts)
