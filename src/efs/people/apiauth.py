"""Who calls the JSON API: a personal token or the browser session — and, where an
operation names roles, whether the caller holds one, checked *before* the request body
is read or validated (a teacher's malformed body is a 403, never a 422 or a 500)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.security import APIKeyCookie, HttpBearer

from efs.http import client_ip

from . import access, throttle
from .services import api_token_user


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def __init__(self, roles=()) -> None:
        super().__init__()
        self.roles = frozenset(roles)

    def authenticate(self, request: HttpRequest, token: str):
        ip = client_ip(request)
        if throttle.blocked(username=None, ip=ip):
            raise Throttled(wait=settings.EFS_LOGIN_WINDOW_SECONDS)
        user = api_token_user(token)
        if user is None:
            throttle.failed(username=None, ip=ip)
            return None
        request.user = user
        if self.roles:
            access.require_role(user, self.roles)
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF token."""

    param_name = "sessionid"

    def __init__(self, roles=(), csrf: bool = True) -> None:
        super().__init__(csrf=csrf)
        self.roles = frozenset(roles)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.roles:
            access.require_role(user, self.roles)
        return user


def api_auth(*roles: str) -> list:
    """The ``auth`` of an API operation; with roles, only their holders get past (403 otherwise)."""
    return [TokenAuth(roles), SessionAuth(roles, csrf=True)]
