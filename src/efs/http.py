"""Small request helpers shared by the HTML views and the API of every app."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; behind nginx the first X-Forwarded-For hop."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def int_param(request: HttpRequest, name: str) -> int | None:
    """A positive integer query parameter, or None when absent or malformed."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else None


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A spreadsheet download."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_bytes(title: str, header: list[str], rows) -> bytes:
    """A one-sheet workbook streamed from `rows` (write-only mode: constant memory)."""
    import io

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def post_int(request: HttpRequest, name: str) -> int:
    """A non-negative integer form field; 0 when absent or malformed (the caller reports «not found»)."""
    value = (request.POST.get(name, "") or "").strip()
    return int(value) if value.isdigit() else 0


def pdf_response(request, template: str, context: dict, filename: str) -> HttpResponse:
    """A page template rendered to PDF (WeasyPrint: Cyrillic fonts, vendored assets only), shown inline."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    response = HttpResponse(HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class CachedCountPaginator(Paginator):
    """A paginator that counts a query at most once every COUNT_CACHE_SECONDS: the total of a
    country-wide list (1.2 M educators) is a full scan, the page itself an index read."""

    COUNT_CACHE_SECONDS = 300

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is None:
            return super().count
        sql, params = query.sql_with_params()
        key = "paginator:count:" + hashlib.sha1(repr((sql, params)).encode()).hexdigest()
        total = cache.get(key)
        if total is None:
            total = super().count
            cache.set(key, total, self.COUNT_CACHE_SECONDS)
        return total
