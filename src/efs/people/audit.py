"""The audit log of who read or changed personal data. Append-only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import models

from .models import AuditAction, AuditEvent


def audit_record(**event) -> AuditEvent:
    """One event, saved: the arguments of `_event`. `description` is what the log shows in
    Russian («Выгрузка педагогов в Excel»); for one record it defaults to the record itself."""
    saved = _event(**event)
    saved.save()
    return saved


def _event(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    region_id: int | None = None,
    fields: Iterable[str] = (),
    count: int = 1,
    ip: str | None = None,
    description: str = "",
) -> AuditEvent:
    if model is None:
        assert obj is not None, "audit_record needs the object or its model"
        model = type(obj)
    if region_id is None and obj is not None:
        region_id = getattr(obj, "region_id", None)
    if not description:
        description = str(obj) if obj is not None else str(model._meta.verbose_name_plural).capitalize()
    return AuditEvent(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=model._meta.label_lower,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(description)[:300],
        region_id=region_id,
        fields=sorted(fields),
        count=count,
        ip=ip,
    )


def audit_view(
    *, actor, obj: models.Model, ip: str | None = None, description: str = "", owner_user_id: int | None = None
) -> None:
    """Record that `actor` opened someone's personal record (not their own; `owner_user_id`
    names the person's login when `obj` is not the person itself, e.g. a route)."""
    owner = owner_user_id if owner_user_id is not None else getattr(obj, "user_id", None)
    if owner is not None and owner == getattr(actor, "pk", None):
        return
    audit_record(actor=actor, action=AuditAction.VIEW, obj=obj, ip=ip, description=description)


def audit_rows(
    *,
    actor,
    action: str,
    model: type[models.Model],
    region_ids: Iterable[int | None],
    description: str,
    ip: str | None = None,
) -> int:
    """Record that `actor` saw or exported a list of personal records, one event per region
    the records belong to (so each region's operator sees what was read of its people).
    `region_ids` has one item per record. Returns the number of records. One INSERT for all
    the regions (a federal list page reaches dozens of them)."""
    counts = Counter(region_ids)
    events = [
        _event(actor=actor, action=action, model=model, count=n, region_id=region, ip=ip, description=description)
        for region, n in sorted(counts.items(), key=lambda item: item[0] or 0)
    ]
    if len(events) == 1:
        events[0].save()  # a plain INSERT (bulk_create would wrap it in a transaction of its own)
    elif events:
        AuditEvent.objects.bulk_create(events)
    return sum(counts.values())


def audit_list(
    *,
    actor,
    model: type[models.Model],
    count: int,
    region_id: int | None = None,
    ip: str | None = None,
    description: str = "",
) -> None:
    """Record that `actor` saw a list of `count` personal records of one region."""
    if count:
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            model=model,
            count=count,
            region_id=region_id,
            ip=ip,
            description=description,
        )
