"""The doors of the web tier: what every request passes before any view or query sees it.

- :class:`TrustedProxyMiddleware` (first): ``X-Forwarded-Proto`` and ``X-Forwarded-For``
  are believed only from the proxies listed in ``EFS_TRUSTED_PROXIES``; from anyone else
  they are dropped, so a client cannot claim HTTPS or another address.
- :class:`RequestContextMiddleware`: a request id (``X-Request-ID``, also in every log line
  of the request); the security headers (Content-Security-Policy with a per-request nonce,
  Permissions-Policy, ``Cache-Control: no-store`` for anything a logged-in user receives);
  and the one error contract of the API: any answer under ``/api/`` that is not a success
  and not already the JSON error shape (405 from the router, 400/413 from Django, a 500
  page) is turned into ``{"error": {"code", "message"}}`` in Russian.
- :class:`InputGuardMiddleware`: refuses, for the whole site, input no column can store and
  no parser should see: NUL characters in the path, query string, form fields, file names
  or JSON strings; integers beyond the 64-bit range in the query string or JSON; malformed
  JSON bodies. A 400 with a Russian message (JSON under ``/api/``), never a 500.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import uuid
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from efs.http import address_trusted
from efs.limits import INT_MAX

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("efs_request_id", default="-")


def _install_record_factory() -> None:
    """Every log record carries the id of the request it was written in («-» outside one)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "efs_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    factory.efs_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


_install_record_factory()


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every log record (``%(request_id)s``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


class _Refusal:
    """What the error page needs (same attributes as a DomainError)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


def error_response(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    """The error in the shape the caller reads: JSON under /api/, a Russian page elsewhere."""
    if is_api(request):
        return JsonResponse(
            {"error": {"code": code, "message": message, **extra}},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    template = "web/_error_fragment.html" if request.headers.get("HX-Request") else "web/error.html"
    return render(request, template, {"error": _Refusal(status, code, message)}, status=status)


# ---------------------------------------------------------------- proxies


class TrustedProxyMiddleware:
    FORWARDED = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST", "HTTP_X_REAL_IP")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not address_trusted(request.META.get("REMOTE_ADDR")):
            for name in self.FORWARDED:
                request.META.pop(name, None)
        return self.get_response(request)


# ---------------------------------------------------------------- request id, headers, the API error contract

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), publickey-credentials-get=(), usb=(), xr-spatial-tracking=()"
)


def content_security_policy(nonce: str) -> str:
    # Every script, style and font is served from our own static files (vendored);
    # inline scripts and style elements (the SVG charts' classes) carry the request's nonce.
    # Style attributes stay allowed (progress bars are sized by data).
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


_STATUS_CODES = {
    400: ("bad_request", "The request could not be read."),
    401: ("not_authenticated", "Log in or send a valid API token."),
    403: ("permission_denied", "You have no access to this."),
    404: ("not_found", "No such endpoint. The list is at /api/docs."),
    405: (
        "method_not_allowed",
        "This method is not allowed here; the allowed ones are in the Allow header and at /api/docs.",
    ),
    413: ("request_too_large", "The request is too large."),
    429: ("too_many_requests", "Too many requests; wait a little and try again."),
}


def _contract_error(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    status = response.status_code
    if status >= 500:
        code, message = (
            "server_error",
            _("The server failed to answer. The error has been recorded; give the request id to support."),
        )
    else:
        code, text = _STATUS_CODES.get(status, ("request_refused", "The request was refused."))
        message = _(text)
    body: dict[str, Any] = {"code": code, "message": message}
    if status >= 500:
        body["request_id"] = REQUEST_ID.get()
    wrapped = JsonResponse({"error": body}, status=status, json_dumps_params={"ensure_ascii": False})
    for header in ("Allow", "Retry-After"):
        if header in response:
            wrapped[header] = response[header]
    return wrapped


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request_id = uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        request.csp_nonce = secrets.token_urlsafe(16)  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
            if (
                is_api(request)
                and response.status_code >= 400
                and not response.get("Content-Type", "").startswith("application/json")
            ):
                response = _contract_error(request, response)
            self._headers(request, response)
            return response
        finally:
            REQUEST_ID.reset(token)

    @staticmethod
    def _headers(request: HttpRequest, response: HttpResponse) -> None:
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        response.setdefault("Content-Security-Policy", content_security_policy(request.csp_nonce))  # type: ignore[attr-defined]
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or is_api(request):
            # Personal data must not stay in a shared browser's or proxy's cache.
            response["Cache-Control"] = "no-store, private"


def csp_nonce(request: HttpRequest) -> dict[str, str]:
    """Template context: the nonce of the request's inline scripts."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the Russian refusal, JSON under /api/."""
    return error_response(
        request,
        403,
        "csrf_failed",
        _(
            "The request did not carry a valid CSRF token. Reload the page and try again; API clients send X-CSRFToken "
            "or use a token."
        ),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a page (or JSON) that names the request id written in the log."""
    request_id = getattr(request, "request_id", REQUEST_ID.get())
    message = _("The server failed to answer. The error has been recorded; give the request id to support.")
    if is_api(request):
        return JsonResponse(
            {"error": {"code": "server_error", "message": message, "request_id": request_id}},
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    from django.template import loader

    return HttpResponse(
        loader.get_template("500.html").render({"request_id": request_id, "message": message}), status=500
    )


# ---------------------------------------------------------------- hostile input

_DIGITS = re.compile(r"[+-]?[0-9]+")


def _bad_text(value: str) -> bool:
    return "\x00" in value


def _bad_number(value: str) -> bool:
    return bool(_DIGITS.fullmatch(value.strip())) and abs(int(value)) > INT_MAX


def _json_problem(data: Any) -> str | None:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _bad_text(item):
                return "nul"
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            continue
        elif isinstance(item, int):
            if abs(item) > INT_MAX:
                return "number"
        elif isinstance(item, dict):
            for key, value in item.items():
                if _bad_text(key):
                    return "nul"
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return None


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        try:
            problem = self._problem(request)
        except (RequestDataTooBig, TooManyFieldsSent):
            return error_response(request, 413, "request_too_large", _("The request is too large."))
        if problem == "nul":
            return error_response(
                request,
                400,
                "nul_character",
                _("The request contains a NUL character (code 0), which no text may hold. Remove it and try again."),
            )
        if problem == "number":
            return error_response(
                request,
                400,
                "number_out_of_range",
                _("A number in the request is beyond the range of 64-bit integers."),
            )
        if problem == "json":
            return error_response(request, 400, "malformed_json", _("The request body is not valid JSON."))
        return self.get_response(request)

    @staticmethod
    def _problem(request: HttpRequest) -> str | None:
        if _bad_text(request.path_info):
            return "nul"
        for key, values in request.GET.lists():
            if _bad_text(key) or any(_bad_text(v) for v in values):
                return "nul"
            if any(_bad_number(v) for v in values):
                return "number"
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, values in request.POST.lists():
                if _bad_text(key) or any(_bad_text(v) for v in values):
                    return "nul"
            for _key, uploads in request.FILES.lists():
                if any(_bad_text(upload.name or "") for upload in uploads):
                    return "nul"
            return None
        body = request.body
        if not body:
            return None
        if b"\x00" in body:
            return "nul"
        if content_type == "application/json" or (is_api(request) and content_type in ("", "text/plain")):
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):
                return "json" if is_api(request) else None
            return _json_problem(data)
        return None
