"""iCalendar (RFC 5545) export of consultations: appointment data only, never notes.
The writer itself is the shared kernel's `efs.ics`."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from efs import ics

from .models import Consultation, ConsultationStatus


def calendar(consultations: Iterable[Consultation], *, host: str, name: str) -> str:
    events = [
        ics.CalendarEvent(
            uid=f"consultation-{c.pk}@{host}",
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            summary=_("Consultation: %(topic)s") % {"topic": c.topic},
            location=c.online_link or c.place,
            url=c.online_link,
            cancelled=c.status == ConsultationStatus.CANCELLED,
        )
        for c in consultations
        if c.starts_at is not None and c.ends_at is not None
    ]
    return ics.calendar(events, name=name, product="support")
