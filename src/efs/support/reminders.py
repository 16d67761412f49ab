"""Reminders of support (the daily job, `jobs.py`): a consultation in the next day, to the
educator and the tutor; a reflection overdue after an observation, to the educator. Each
goes to the inbox once (a notification key); the texts name the topic or the competency,
never the contents of a private record."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.people.public import MailKind, User, notify, processing_allowed_q

from .models import Consultation, ConsultationStatus, CycleStage, PrivateRecord, ReflectionCycle

CONSULTATION_AHEAD = dt.timedelta(hours=24)
REFLECTION_DUE_DAYS = 7  # after the observation


def _at(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")


def consultations_upcoming(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    rows = Consultation.objects.filter(
        processing_allowed_q("educator"),
        status=ConsultationStatus.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + CONSULTATION_AHEAD,
    ).select_related("educator__user", "tutor")
    for c in rows:
        assert c.starts_at is not None  # filtered on starts_at
        url = reverse("support:consultation", args=[c.pk])
        title = _("Consultation %(at)s: %(topic)s") % {
            "at": _at(c.starts_at),
            "topic": c.topic[:150],
        }
        stamp = c.starts_at.strftime("%Y%m%d%H%M")  # a moved appointment is reminded again
        if c.educator.user is not None:
            sent += notify(
                kind=MailKind.REMINDER,
                user=c.educator.user,
                title=title,
                url=url,
                key=f"support-consultation-{c.pk}-{stamp}",
            )
        sent += notify(
            kind=MailKind.REMINDER, user=c.tutor, title=title, url=url, key=f"support-consultation-{c.pk}-{stamp}-tutor"
        )
    return sent


def reflections_overdue(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = now - dt.timedelta(days=REFLECTION_DUE_DAYS)
    sent = 0
    cycles = (
        ReflectionCycle.objects.filter(
            processing_allowed_q("educator"), stage=CycleStage.REFLECT, educator__user__isnull=False
        )
        .annotate(observed=Max("records__created_at", filter=Q(records__cycle_stage=CycleStage.OBSERVE)))
        .filter(observed__lt=due)
        .exclude(Exists(PrivateRecord.objects.filter(cycle=OuterRef("pk"), cycle_stage=CycleStage.REFLECT)))
        .select_related("educator__user", "competency")
    )
    for cycle in cycles:
        title = _("The lesson on «%(competency)s» was observed on %(date)s: write your reflection") % {
            "competency": cycle.competency.title[:150],
            "date": timezone.localtime(cycle.observed).strftime("%d.%m.%Y"),
        }
        sent += notify(
            kind=MailKind.REMINDER,
            user=cast(User, cycle.educator.user),  # the query keeps the educators with a login only
            title=title,
            url=reverse("support:cycle", args=[cycle.pk]),
            key=f"support-reflection-{cycle.pk}",
        )
    return sent


def send_reminders(now: dt.datetime | None = None) -> int:
    return consultations_upcoming(now) + reflections_overdue(now)
