"""iCalendar (RFC 5545) export of consultations: appointment data only, never notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Consultation, ConsultationStatus


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return [out[0], *(" " + part for part in out[1:])]


def calendar(consultations: Iterable[Consultation], *, host: str, name: str) -> str:
    now = _stamp(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//EFS NMS//support//RU",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for c in consultations:
        if c.starts_at is None or c.ends_at is None:
            continue
        lines += [
            "BEGIN:VEVENT",
            f"UID:consultation-{c.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(c.starts_at)}",
            f"DTEND:{_stamp(c.ends_at)}",
            f"SUMMARY:{_escape(_('Consultation: %(topic)s') % {'topic': c.topic})}",
            f"LOCATION:{_escape(c.online_link or c.place)}",
            f"STATUS:{'CANCELLED' if c.status == ConsultationStatus.CANCELLED else 'CONFIRMED'}",
        ]
        if c.online_link:
            lines.append(f"URL:{c.online_link}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
