"""Small request helpers shared by the HTML views and the API of every app."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property

from efs.limits import INT_MAX

if TYPE_CHECKING:  # efs.http is imported by the settings' logging, before the apps are ready
    from django.core.files.uploadedfile import UploadedFile
    from django_htmx.middleware import HtmxDetails

    from efs.people.models import User


class AuthedRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is a logged-in ``User``, never
    ``AnonymousUser`` (the annotation django-stubs recommends; nothing changes at run time)."""

    user: User
    htmx: HtmxDetails


def address_trusted(address: str | None) -> bool:
    """Whether the address is one of the configured proxies (EFS_TRUSTED_PROXIES: addresses or networks)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _trusted_networks(settings.EFS_TRUSTED_PROXIES))


@functools.lru_cache(maxsize=8)
def _trusted_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: behind trusted proxies, the nearest X-Forwarded-For hop that is not one.

    (TrustedProxyMiddleware drops the header unless a trusted proxy sent it; the hops a
    client wrote itself stand left of the ones our proxies appended, so they are never reached.)
    """
    address = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and address_trusted(address):
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            address = hop
            if not address_trusted(hop):
                break
    return address


def _positive(value: str) -> int | None:
    # ASCII digits only («²».isdigit() is true), and within the 64-bit columns.
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= INT_MAX else None


_DIGITS = re.compile(r"[0-9]{1,19}")


def int_param(request: HttpRequest, name: str) -> int | None:
    """A positive integer query parameter, or None when absent, malformed or out of range."""
    return _positive(request.GET.get(name, ""))


def post_int(request: HttpRequest, name: str) -> int:
    """A non-negative integer form field; 0 when absent or malformed (the caller reports «not found»)."""
    return _positive((request.POST.get(name, "") or "").strip()) or 0


def bounded_pagination():
    """Ninja's limit/offset pagination with the platform's bounds on both (efs/limits.py)."""
    from ninja import Field, Schema
    from ninja.pagination import LimitOffsetPagination

    from efs.limits import OFFSET_MAX, PAGE_MAX

    class BoundedPagination(LimitOffsetPagination):
        class Input(Schema):
            limit: int = Field(100, ge=1, le=PAGE_MAX)
            offset: int = Field(0, ge=0, le=OFFSET_MAX)

    return BoundedPagination


def pdf_response(request, template: str, context: dict, filename: str) -> HttpResponse:
    """A page template rendered to PDF (WeasyPrint: Cyrillic fonts, vendored assets only), shown inline."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    response = HttpResponse(
        HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(), content_type="application/pdf"
    )
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


def upload_name(upload: UploadedFile) -> str:
    """The name of an uploaded file. The multipart parser drops a part without a file name, so an
    upload always has one; the storage API types it optional."""
    return upload.name or ""
