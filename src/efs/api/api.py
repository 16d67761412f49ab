"""The JSON API: one OpenAPI document assembled from each app's router.

Authentication: the browser session (with CSRF on unsafe methods) or a personal
token, ``Authorization: Bearer efs_...``. Every error is
``{"error": {"code": "<stable code>", "message": "<Russian text>"}}``.
"""

from __future__ import annotations

import copy
import json
import logging

from django.db import DataError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from efs.catalog.api import router as catalog_router
from efs.competencies.api import router as competencies_router
from efs.coordination.api import router as coordination_router
from efs.diagnostics.api import router as diagnostics_router
from efs.errors import DomainError
from efs.financing.api import router as financing_router
from efs.monitoring.api import router as monitoring_router
from efs.people.api import router as people_router
from efs.people.public import api_auth
from efs.practices.api import router as practices_router
from efs.routes.api import router as routes_router
from efs.support.api import router as support_router
from efs.workforce.api import router as workforce_router

logger = logging.getLogger("efs.api")


# Every operation may answer with these; the document lists them so that clients (and
# schemathesis) know every status an operation can return and the one shape of its body.
ERROR_RESPONSES = {
    400: "Unreadable input: NUL characters, integers beyond 64 bits, malformed JSON or body",
    401: "Not authenticated",
    403: "No access (role or CSRF), checked before the body is validated",
    404: "Not found, or outside the caller's scope",
    405: "Method not allowed",
    409: "The state does not allow it",
    413: "The request is too large",
    422: "The input does not match the schema or a business rule",
    429: "Too many failed authentication attempts from this address",
    500: "Server error; the body carries request_id",
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable, never renamed"},
                "message": {"type": "string", "description": "Russian text for people"},
                "details": {"description": "which fields or rows, where the code says so"},
                "request_id": {"type": "string", "description": "500 only: the id in the server's log"},
            },
        }
    },
}


class EfsAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The document, built once per process and prefix (it costs about 2 s of CPU: pydantic
        renders every schema); callers get their own copy."""
        built = self.__dict__.setdefault("_built_schemas", {})
        key = (path_prefix, json.dumps(path_params, sort_keys=True, default=str))
        if key not in built:
            built[key] = self._build_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return copy.deepcopy(built[key])

    def _build_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for methods in schema["paths"].values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                for status, text in ERROR_RESPONSES.items():
                    responses.setdefault(status, {"description": text, "content": reference})
        return schema


api = EfsAPI(
    title="ЕФС НМС API",
    version="1.0.0",
    description="Программный интерфейс платформы научно-методического сопровождения педагогов. "
    'Ошибки возвращаются как {"error": {"code", "message"}}; коды стабильны.',
    auth=api_auth(),
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
    return _error(
        request, "invalid_request", _("The request did not pass validation: wrong or missing fields."), 422, exc.errors
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, "not_authenticated", _("Log in or send a valid API token."), 401)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, "not_found", _("Not found, or you have no access to it."), 404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # Ninja's own refusals arrive in English; each gets its stable code and Russian text.
    text = str(exc)
    if exc.status_code == 403 and "CSRF" in text:
        return _error(
            request,
            "csrf_failed",
            _(
                "The request did not carry a valid CSRF token. Reload the page and try again; API clients send "
                "X-CSRFToken or use a token."
            ),
            403,
        )
    if exc.status_code == 400 and text.startswith("Cannot parse request body"):
        return _error(
            request,
            "malformed_body",
            _("The request body could not be read: send JSON, or a form where the operation takes files."),
            400,
        )
    return _error(request, "request_refused", _("The request was refused."), exc.status_code)


@api.exception_handler(Throttled)
def on_throttled(request, exc: Throttled):
    return _error(request, "too_many_attempts", _("Too many failed attempts; wait a few minutes and try again."), 429)


@api.exception_handler(Exception)
def on_server_error(request, exc: Exception):
    """Anything unexpected: logged with the request id, answered in the contract's shape."""
    if isinstance(exc, (OverflowError, DataError)):
        # A number or text beyond a column's range that a check missed: the client's input, not our failure.
        logger.warning("value out of range: %s", exc)
        return _error(request, "value_out_of_range", _("A value in the request is beyond the allowed range."), 400)
    logger.error("Internal Server Error: %s", request.path, exc_info=exc)
    body = {
        "error": {
            "code": "server_error",
            "message": _("The server failed to answer. The error has been recorded; give the request id to support."),
            "request_id": getattr(request, "request_id", "-"),
        }
    }
    return api.create_response(request, body, status=500)


api.add_router("/people/", people_router)
api.add_router("/competencies/", competencies_router)
api.add_router("/diagnostics/", diagnostics_router)
api.add_router("/catalog/", catalog_router)
api.add_router("/financing/", financing_router)
api.add_router("/routes/", routes_router)
api.add_router("/support/", support_router)
api.add_router("/monitoring/", monitoring_router)
api.add_router("/workforce/", workforce_router)
api.add_router("/practices/", practices_router)
api.add_router("/coordination/", coordination_router)


def operations():
    """(router, operation) for every operation served, nested routers included.

    django-ninja 1.7 mounts routers as bound copies; `api._routers` lists only the top-level
    ones, so a router added to another (coordination's programs) would be missed there."""
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                yield router, operation


def _summaries_through_the_catalog() -> None:
    """Summaries are written in English beside each operation and served in Russian.

    The OpenAPI document is built per request, so a lazy string takes the request's
    language; `tests/test_api_reference.py` checks that every summary has its translation.
    """
    for _router, operation in operations():
        if operation.summary and isinstance(operation.summary, str):
            # ninja types it str; a lazy string is what it serialises per request
            operation.summary = gettext_lazy(operation.summary)


_summaries_through_the_catalog()


def unknown_endpoint(request: HttpRequest, rest: str = ""):
    """Any other address under /api/: the same JSON error as a missing object, never an HTML page."""
    from django.http import JsonResponse

    return JsonResponse(
        {"error": {"code": "not_found", "message": _("No such endpoint. The list is at /api/docs.")}}, status=404
    )
