"""The audit log of who read or changed personal data. Append-only."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from .models import AuditAction, AuditEvent


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    region_id: int | None = None,
    fields: Iterable[str] = (),
    count: int = 1,
    ip: str | None = None,
) -> AuditEvent:
    model = model or type(obj)
    if region_id is None and obj is not None:
        region_id = getattr(obj, "region_id", None)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=model._meta.label_lower,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        region_id=region_id,
        fields=sorted(fields),
        count=count,
        ip=ip,
    )


def audit_view(*, actor, obj: models.Model, ip: str | None = None) -> None:
    """Record that `actor` opened someone's personal record (not their own)."""
    if getattr(obj, "user_id", None) == getattr(actor, "pk", None):
        return
    audit_record(actor=actor, action=AuditAction.VIEW, obj=obj, ip=ip)


def audit_list(*, actor, model: type[models.Model], count: int, region_id: int | None = None, ip: str | None = None) -> None:
    """Record that `actor` saw a list of `count` personal records."""
    if count:
        audit_record(actor=actor, action=AuditAction.VIEW, model=model, count=count, region_id=region_id, ip=ip)
