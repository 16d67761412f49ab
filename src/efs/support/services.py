"""Writes of the support app: private records and their shares, consultations.

One service = one transaction; every refusal is a `DomainError` with a stable code, so
nothing is half-saved.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.diagnostics.public import current_deficits
from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.limits import checked_text
from efs.people.public import (
    AssignmentKind,
    Educator,
    MailKind,
    Role,
    SupportAssignment,
    User,
    assigned_tutor,
    notify,
)
from efs.routes.public import ItemKind, ItemStatus, active_route_items, evidence_submit

from .models import (
    OPEN_STATUSES,
    TEXT_MAX,
    Consultation,
    ConsultationFormat,
    ConsultationStatus,
    PrivateRecord,
    RecordKind,
    RecordShare,
)

DURATION_MIN, DURATION_MAX = 15, 240
# Who may write which kind of record about an educator (consultation notes are written
# through `consultation_record`).
WRITERS = {
    RecordKind.JOURNAL_ENTRY: "self",
    RecordKind.MENTORING_NOTE: (AssignmentKind.MENTOR,),
    RecordKind.OBSERVATION: (AssignmentKind.TUTOR, AssignmentKind.MENTOR),
}


def _text(value: str, *, field: str, required: bool = True, limit: int = TEXT_MAX) -> str:
    """A free text of a support record: required unless told, at most ``limit`` characters."""
    return checked_text(value, field=field, limit=limit, required=required)


def _supports(user: User, educator_id: int, kinds) -> bool:
    return SupportAssignment.objects.filter(
        supporter=user, educator_id=educator_id, kind__in=kinds, active=True
    ).exists()


# ---------------------------------------------------------------- private records


def writable_kinds(user: User, educator: Educator) -> list[str]:
    """The kinds of record `user` may write about `educator`."""
    kinds: list[str] = []
    for kind, who in WRITERS.items():
        if (who == "self" and educator.user_id == user.pk) or (who != "self" and _supports(user, educator.pk, who)):
            kinds.append(kind)
    return kinds


@transaction.atomic
def record_create(*, actor: User, educator: Educator, kind: str, title: str, body: str) -> PrivateRecord:
    if kind not in WRITERS:
        raise ValidationFailed(_("Unknown kind of record."), code="record_kind_unknown")
    if kind not in writable_kinds(actor, educator):
        raise PermissionDenied(
            _("You may not write this kind of record about this educator."), code="record_not_writer"
        )
    return PrivateRecord.objects.create(
        educator=educator,
        region_id=educator.region_id,
        organization_id=educator.organization_id,
        author=actor,
        kind=kind,
        title=_text(title, field=_("Title"), limit=200),
        body=_text(body, field=_("Text")),
    )


def share_candidates(educator: Educator) -> list[User]:
    """Whom the educator may share a record with: the people who support them and the
    head of their school. Nobody else has a reason to read coaching contents."""
    supporters = User.objects.filter(support_assignments__educator=educator, support_assignments__active=True)
    heads = User.objects.none()  # an educator outside a school has no school head
    if educator.organization_id is not None:
        heads = User.objects.filter(
            role_assignments__role=Role.SCHOOL_HEAD, role_assignments__organization_id=educator.organization_id
        )
    own_user = [educator.user_id] if educator.user_id is not None else []
    return list(
        (supporters | heads).exclude(pk__in=own_user).distinct().order_by("last_name", "first_name", "username")
    )


def _owner(actor: User, record: PrivateRecord) -> None:
    if record.educator.user_id is None or record.educator.user_id != actor.pk:
        raise PermissionDenied(_("Only the educator the record belongs to shares it."), code="record_not_owner")


@transaction.atomic
def record_share(*, actor: User, record: PrivateRecord, user_id: int) -> RecordShare:
    record = PrivateRecord.objects.select_for_update(of=("self",)).select_related("educator").get(pk=record.pk)
    _owner(actor, record)
    user = next((u for u in share_candidates(record.educator) if u.pk == user_id), None)
    if user is None:
        raise NotFound(
            _("This person does not support you; a record can be shared only with your tutor, mentor or school head."),
            code="share_user_not_found",
        )
    if record.shares.filter(user=user, revoked_at__isnull=True).exists():
        raise Conflict(_("The record is already shared with this person."), code="share_exists")
    share = RecordShare.objects.create(record=record, user=user, shared_by=actor)
    notify(
        kind=MailKind.OTHER,
        user=user,
        title=_("%(name)s shared a record with you: %(title)s")
        % {"name": record.educator.full_name, "title": record.title[:120]},
        url=reverse("support:record", args=[record.pk]),
    )
    return share


@transaction.atomic
def record_unshare(*, actor: User, record: PrivateRecord, share_id: int) -> RecordShare:
    record = PrivateRecord.objects.select_for_update(of=("self",)).select_related("educator").get(pk=record.pk)
    _owner(actor, record)
    share = record.shares.filter(pk=share_id, revoked_at__isnull=True).first()
    if share is None:
        raise NotFound(_("No such active share of this record."), code="share_not_found")
    share.revoked_at = timezone.now()
    share.save(update_fields=["revoked_at"])
    return share


# ---------------------------------------------------------------- consultations


def tutor_of(educator: Educator) -> User | None:
    return assigned_tutor(educator)


def consultation_subjects(educator: Educator) -> tuple[list, list]:
    """What an educator may ask a consultation on: current deficits and active route items."""
    return current_deficits(educator_id=educator.pk), list(active_route_items(educator))


@transaction.atomic
def consultation_request(
    *,
    actor: User,
    educator: Educator,
    topic: str,
    format: str,
    preferred_times: str = "",
    competency_id: int | None = None,
    route_item_id: int | None = None,
) -> Consultation:
    if educator.user_id != actor.pk:
        raise PermissionDenied(_("Only the educator themselves asks for a consultation."), code="consultation_not_own")
    if format not in ConsultationFormat.values:
        raise ValidationFailed(_("Choose online or in person."), code="consultation_format_unknown")
    if not competency_id and not route_item_id:
        raise ValidationFailed(
            _("Choose a competency or an activity of your route."), code="consultation_subject_missing"
        )
    deficits, items = consultation_subjects(educator)
    item = None
    if route_item_id:
        item = next((i for i in items if i.pk == route_item_id), None)
        if item is None:
            raise NotFound(_("No such activity in your active route."), code="route_item_not_found")
    if competency_id and all(d.competency_id != competency_id for d in deficits):
        raise NotFound(_("This competency is not among your current deficits."), code="competency_not_found")
    tutor = tutor_of(educator)
    if tutor is None:
        raise Conflict(_("No tutor is assigned to you yet; the CNPPM assigns one."), code="no_tutor")
    consultation = Consultation.objects.create(
        educator=educator,
        region_id=educator.region_id,
        organization_id=educator.organization_id,
        tutor=tutor,
        competency_id=competency_id or None,
        route_item=item,
        topic=_text(topic, field=_("Topic"), limit=300),
        format=format,
        preferred_times=_text(preferred_times, field=_("Preferred times"), required=False, limit=500),
    )
    notify(
        kind=MailKind.CONSULTATION,
        user=tutor,
        title=_("%(name)s asks for a consultation: %(topic)s")
        % {"name": educator.full_name, "topic": consultation.topic[:120]},
        url=reverse("support:consultation", args=[consultation.pk]),
    )
    return consultation


def _locked(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update(of=("self",)).select_related("educator", "tutor").get(pk=consultation.pk)
    )


def _tutor(actor: User, consultation: Consultation) -> None:
    if consultation.tutor_id != actor.pk or not _supports(actor, consultation.educator_id, (AssignmentKind.TUTOR,)):
        raise PermissionDenied(_("Only the educator's tutor does this."), code="consultation_not_tutor")


@transaction.atomic
def consultation_schedule(
    *,
    actor: User,
    consultation: Consultation,
    starts_at: dt.datetime,
    duration_minutes: int,
    place: str = "",
    online_link: str = "",
    now: dt.datetime | None = None,
) -> Consultation:
    """Set or move the appointment. A tutor's scheduled consultations never overlap:
    the tutor's row is locked, so two schedulings of one tutor run one after the other."""
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=consultation.tutor_id).first()
    consultation = _locked(consultation)
    _tutor(actor, consultation)
    if consultation.status not in OPEN_STATUSES:
        raise Conflict(_("The consultation is already held or cancelled."), code="consultation_closed")
    if timezone.is_naive(starts_at):
        raise ValidationFailed(_("Give the time with its time zone."), code="invalid_datetime")
    if starts_at <= now:
        raise ValidationFailed(_("The date and time are in the past."), code="date_in_past")
    if not DURATION_MIN <= duration_minutes <= DURATION_MAX:
        raise ValidationFailed(
            _("A consultation lasts from %(min)s to %(max)s minutes.") % {"min": DURATION_MIN, "max": DURATION_MAX},
            code="duration_out_of_range",
        )
    place = _text(place, field=_("Place"), required=False, limit=300)
    online_link = (online_link or "").strip()
    if online_link and not online_link.lower().startswith(("https://", "http://")):
        raise ValidationFailed(_("The online link must start with https://."), code="online_link_invalid")
    if len(online_link) > 500:
        raise ValidationFailed(_("The online link is too long."), code="online_link_invalid")
    if consultation.format == ConsultationFormat.ONLINE and not online_link:
        raise ValidationFailed(_("Give the link to the online meeting."), code="online_link_missing")
    if consultation.format == ConsultationFormat.IN_PERSON and not place:
        raise ValidationFailed(_("Give the place of the meeting."), code="place_missing")
    ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    clash = (
        Consultation.objects.filter(
            tutor_id=consultation.tutor_id,
            status=ConsultationStatus.SCHEDULED,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .exclude(pk=consultation.pk)
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise Conflict(
            _("You already have a consultation at this time (%(start)s).")
            % {"start": timezone.localtime(clash.starts_at).strftime("%d.%m.%Y %H:%M")},
            code="consultation_overlap",
            details={"consultation": clash.pk},
        )
    rescheduled = consultation.status == ConsultationStatus.SCHEDULED
    consultation.status = ConsultationStatus.SCHEDULED
    consultation.starts_at, consultation.ends_at = starts_at, ends_at
    consultation.place, consultation.online_link = place, online_link
    consultation.save(update_fields=["status", "starts_at", "ends_at", "place", "online_link"])
    if consultation.educator.user is not None:
        when = timezone.localtime(starts_at).strftime("%d.%m.%Y %H:%M")
        title = (
            _("The consultation is moved to %(when)s")
            if rescheduled
            else _("The consultation is scheduled for %(when)s")
        )
        notify(
            kind=MailKind.CONSULTATION,
            user=consultation.educator.user,
            title=title % {"when": when},
            body=consultation.topic,
            url=reverse("support:consultation", args=[consultation.pk]),
        )
    return consultation


@transaction.atomic
def consultation_record(
    *,
    actor: User,
    consultation: Consultation,
    notes: str,
    outcome: str = "",
    next_steps: str = "",
    now: dt.datetime | None = None,
) -> PrivateRecord:
    """The tutor records what was discussed: the consultation is held, its notes are private."""
    now = now or timezone.now()
    consultation = _locked(consultation)
    _tutor(actor, consultation)
    if consultation.status == ConsultationStatus.CANCELLED or consultation.status == ConsultationStatus.REQUESTED:
        raise Conflict(
            _("Record a consultation once it is scheduled and has taken place."), code="consultation_not_scheduled"
        )
    assert consultation.starts_at is not None  # scheduled or held: it has a time (consultation_scheduled_has_time)
    if consultation.starts_at > now:
        raise Conflict(_("The consultation has not started yet."), code="consultation_not_started")
    fields = {
        "body": _text(notes, field=_("Notes")),
        "outcome": _text(outcome, field=_("Outcome"), required=False),
        "next_steps": _text(next_steps, field=_("Next steps"), required=False),
    }
    record = PrivateRecord.objects.filter(consultation=consultation).first()
    if record is None:
        record = PrivateRecord.objects.create(
            educator=consultation.educator,
            region_id=consultation.region_id,
            organization_id=consultation.organization_id,
            author=actor,
            kind=RecordKind.CONSULTATION_NOTE,
            title=_("Consultation: %(topic)s") % {"topic": consultation.topic[:150]},
            consultation=consultation,
            **fields,
        )
    else:
        for name, value in fields.items():
            setattr(record, name, value)
        record.save(update_fields=[*fields, "updated_at"])
    if consultation.status != ConsultationStatus.HELD:
        consultation.status = ConsultationStatus.HELD
        consultation.held_at = now
        consultation.save(update_fields=["status", "held_at"])
        if consultation.educator.user is not None:
            notify(
                kind=MailKind.CONSULTATION,
                user=consultation.educator.user,
                title=_("The tutor recorded the outcome of your consultation"),
                url=reverse("support:consultation", args=[consultation.pk]),
            )
    return record


@transaction.atomic
def consultation_cancel(*, actor: User, consultation: Consultation, reason: str = "") -> Consultation:
    consultation = _locked(consultation)
    is_educator = consultation.educator.user_id == actor.pk
    if not is_educator:
        _tutor(actor, consultation)
    if consultation.status not in OPEN_STATUSES:
        raise Conflict(_("The consultation is already held or cancelled."), code="consultation_closed")
    consultation.status = ConsultationStatus.CANCELLED
    consultation.cancelled_at = timezone.now()
    consultation.cancel_reason = _text(reason, field=_("Reason"), required=False, limit=500)
    consultation.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    other = consultation.tutor if is_educator else consultation.educator.user
    if other is not None:
        notify(
            kind=MailKind.CONSULTATION,
            user=other,
            title=_("The consultation is cancelled: %(topic)s") % {"topic": consultation.topic[:120]},
            body=consultation.cancel_reason,
            url=reverse("support:consultation", args=[consultation.pk]),
        )
    return consultation


@transaction.atomic
def _evidence_item(consultation: Consultation):
    """The route activity a consultation shows was done: the one it was asked on, else an open
    «consultation» activity of the active route on the same competency (routes.registry)."""
    items = active_route_items(consultation.educator)
    if consultation.route_item_id is not None:
        item = items.filter(pk=consultation.route_item_id).first()
        if item is None:
            raise Conflict(_("The activity is no longer in your active route."), code="route_item_not_found")
        return item
    if consultation.competency is None:
        return None
    code = consultation.competency.code
    candidates = items.filter(kind=ItemKind.CONSULTATION).exclude(status=ItemStatus.ACCEPTED)
    return next((i for i in candidates if code in (i.coverage or {})), None)


def consultation_to_evidence(*, actor: User, consultation: Consultation):
    """The educator hands the outcome over as evidence of the route item; the tutor reviews
    it like any evidence. Only the educator decides: the outcome leaves the privacy wall."""
    consultation = _locked(consultation)
    if consultation.educator.user_id != actor.pk:
        raise PermissionDenied(
            _("Only the educator decides to use the outcome as route evidence."), code="consultation_not_own"
        )
    if consultation.status != ConsultationStatus.HELD:
        raise Conflict(_("The consultation has not been held yet."), code="consultation_not_held")
    item = _evidence_item(consultation)
    if item is None:
        raise Conflict(_("The consultation is not on an activity of your route."), code="consultation_no_route_item")
    if consultation.evidence_id is not None:
        raise Conflict(_("The outcome is already route evidence."), code="consultation_evidence_exists")
    record = PrivateRecord.objects.filter(consultation=consultation).first()
    if record is None or not record.outcome:
        raise Conflict(_("The tutor has not recorded an outcome yet."), code="consultation_no_outcome")
    when = timezone.localtime(consultation.starts_at).strftime("%d.%m.%Y")
    note = _("Consultation of %(date)s: %(topic)s\nOutcome: %(outcome)s") % {
        "date": when,
        "topic": consultation.topic,
        "outcome": record.outcome,
    }
    if record.next_steps:
        note += "\n" + _("Next steps: %(steps)s") % {"steps": record.next_steps}
    evidence = evidence_submit(actor=actor, item=item, note=note)
    consultation.evidence = evidence
    consultation.save(update_fields=["evidence"])
    return evidence
