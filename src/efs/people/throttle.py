"""Throttling of failed logins, by account and by address, in the shared cache.

The cache is Django's: Redis when ``REDIS_URL`` is set (shared by every worker and
machine), local memory otherwise (one process; enough for the embedded single-machine
setup). A failed password on the login form counts against the account and the address;
an invalid API token against the address. When either count reaches its limit within
the window, further attempts are refused (even with the right password) until the window
passes, and the block is written to the audit log once.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from .audit import audit_record
from .models import AuditAction, User


def _key(kind: str, value: str) -> str:
    return f"efs:login:{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]}"


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _incr(key: str) -> int:
    window = settings.EFS_LOGIN_WINDOW_SECONDS
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def blocked(*, username: str | None, ip: str | None) -> bool:
    if username and _count(_key("account", username)) >= settings.EFS_LOGIN_LIMIT_ACCOUNT:
        return True
    if not ip:
        return False
    return _count(_key("address", ip)) >= settings.EFS_LOGIN_LIMIT_ADDRESS


def failed(*, username: str | None, ip: str | None) -> None:
    """Count a failure; on the one that reaches a limit, record the block in the audit log."""
    reached = False
    if username:
        reached |= _incr(_key("account", username)) == settings.EFS_LOGIN_LIMIT_ACCOUNT
    if ip:
        reached |= _incr(_key("address", ip)) == settings.EFS_LOGIN_LIMIT_ADDRESS
    if reached:
        target = User.objects.filter(username__iexact=username).first() if username else None
        audit_record(actor=None, action=AuditAction.THROTTLED, obj=target, model=User, ip=ip)


def succeeded(*, username: str) -> None:
    cache.delete(_key("account", username))
