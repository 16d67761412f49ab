"""The one family of domain errors.

Services raise these; the web layer shows ``message`` (already Russian, translated
through gettext) and the API returns ``{"error": {"code": code, "message": message}}``
with ``status``. Codes are stable API contract: never rename one.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422


def check_fields(errors: list[tuple[str, str]], *, code: str) -> None:
    """The refusal of a whole card checked at once: one ValidationFailed with every message,
    each also in ``details`` with its field (``[{"field", "message"}]``); nothing when
    ``errors`` (pairs of field and message) is empty."""
    if errors:
        raise ValidationFailed(
            " ".join(m for _f, m in errors),
            code=code,
            details=[{"field": f, "message": m} for f, m in errors],
        )


class NotFound(DomainError):
    """Also raised for objects outside the caller's scope, so existence does not leak."""

    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


def _error_schema():
    from ninja import Schema

    class ErrorOut(Schema):
        """The one shape of every API error: ``{"error": {"code", "message", ...}}`` (docs/api.md)."""

        error: dict

    return ErrorOut


# For operations that list their error statuses in `response=`; one class, one name in the document.
ErrorOut = _error_schema()
