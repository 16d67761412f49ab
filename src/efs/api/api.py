"""The JSON API: one OpenAPI document assembled from each app's router.

Authentication: the browser session (with CSRF on unsafe methods) or a personal
token, ``Authorization: Bearer efs_...``. Every error is
``{"error": {"code": "<stable code>", "message": "<Russian text>"}}``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from efs.catalog.api import router as catalog_router
from efs.competencies.api import router as competencies_router
from efs.diagnostics.api import router as diagnostics_router
from efs.errors import DomainError
from efs.financing.api import router as financing_router
from efs.monitoring.api import router as monitoring_router
from efs.people.api import router as people_router
from efs.people.services import api_token_user
from efs.routes.api import router as routes_router
from efs.workforce.api import router as workforce_router


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF token."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


api = NinjaAPI(
    title="ЕФС НМС API",
    version="1.0.0",
    description="Программный интерфейс платформы научно-методического сопровождения педагогов. "
    "Ошибки возвращаются как {\"error\": {\"code\", \"message\"}}; коды стабильны.",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    urls_namespace="api-1.0.0",
)


def _error(request, code: str, message: str, status: int, details=None):
    body = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return _error(request, exc.code, exc.message, exc.status, exc.details)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    return _error(request, "invalid_request", _("The request did not pass validation: wrong or missing fields."), 422, exc.errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, "not_authenticated", _("Log in or send a valid API token."), 401)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, "not_found", _("Not found, or you have no access to it."), 404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, "http_error", str(exc), exc.status_code)


api.add_router("/people/", people_router)
api.add_router("/competencies/", competencies_router)
api.add_router("/diagnostics/", diagnostics_router)
api.add_router("/catalog/", catalog_router)
api.add_router("/financing/", financing_router)
api.add_router("/routes/", routes_router)
api.add_router("/monitoring/", monitoring_router)
api.add_router("/workforce/", workforce_router)


def unknown_endpoint(request: HttpRequest, rest: str = ""):
    """Any other address under /api/: the same JSON error as a missing object, never an HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"error": {"code": "not_found", "message": _("No such endpoint. The list is at /api/docs.")}}, status=404)
