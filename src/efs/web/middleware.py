"""Turns domain errors raised by services into a Russian page (or fragment for htmx)."""

from __future__ import annotations

from django.shortcuts import render

from efs.errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        template = "web/_error_fragment.html" if getattr(request, "htmx", False) else "web/error.html"
        return render(request, template, {"error": exception}, status=exception.status)
