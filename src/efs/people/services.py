"""Writes of the people app: consent, roles, support assignments, API tokens, profiles."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.limits import NOTE_MAX_CHARS, checked_text

from . import access
from .audit import audit_record
from .models import (
    ROLE_SCOPES,
    ApiToken,
    AuditAction,
    Consent,
    ConsentDocument,
    ConsentKind,
    Educator,
    Macroregion,
    Municipality,
    Organization,
    ProcessingBasis,
    Region,
    Role,
    RoleAssignment,
    Scope,
    Subject,
    SupportAssignment,
    User,
)
from .validators import snils_is_valid, snils_normalize

# ---------------------------------------------------------------- consent


def consent_current_document(kind: str) -> ConsentDocument:
    document = (
        ConsentDocument.objects.filter(kind=kind, published_at__lte=timezone.now()).order_by("-published_at").first()
    )
    if document is None:
        raise NotFound(_("No consent text has been published for this purpose yet."))
    return document


def consent_active(educator: Educator, kind: str) -> Consent | None:
    """The educator's active consent to the *current* version of the text, if any."""
    document = consent_current_document(kind)
    return Consent.objects.filter(educator=educator, document=document, withdrawn_at__isnull=True).first()


def consents_active(educator: Educator) -> dict[str, Consent | None]:
    """:func:`consent_active` for every kind at once (two queries instead of two per kind); a kind
    whose text is not published yet maps to None, as if not given."""
    current: dict[int, str] = {}
    seen: set[str] = set()
    documents = ConsentDocument.objects.filter(published_at__lte=timezone.now()).order_by("kind", "-published_at")
    for pk, kind in documents.values_list("pk", "kind"):
        if kind not in seen:
            seen.add(kind)
            current[pk] = kind
    result: dict[str, Consent | None] = dict.fromkeys(ConsentKind.values)
    if current:
        for consent in Consent.objects.filter(
            educator=educator, document_id__in=list(current), withdrawn_at__isnull=True
        ).order_by("pk"):
            kind = current[consent.document_id]
            if result.get(kind) is None:
                result[kind] = consent
    return result


@transaction.atomic
def consent_give(*, actor: User, educator: Educator, kind: str, ip: str | None = None) -> Consent:
    if educator.user_id != actor.pk:
        raise PermissionDenied(_("Only the person themselves can give this consent."))
    document = consent_current_document(kind)
    existing = (
        Consent.objects.select_for_update()
        .filter(educator=educator, document=document, withdrawn_at__isnull=True)
        .first()
    )
    if existing:
        return existing
    consent = Consent.objects.create(
        educator=educator, document=document, region_id=educator.region_id, given_at=timezone.now(), given_by=actor
    )
    audit_record(actor=actor, action=AuditAction.CONSENT, obj=educator, fields=[f"{kind}:{document.version}"], ip=ip)
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, educator: Educator, kind: str, ip: str | None = None) -> int:
    """Withdraw every active consent of this kind (any version). Returns how many."""
    if educator.user_id != actor.pk:
        raise PermissionDenied(_("Only the person themselves can withdraw this consent."))
    now = timezone.now()
    active = Consent.objects.select_for_update().filter(
        educator=educator, document__kind=kind, withdrawn_at__isnull=True
    )
    changed = active.update(withdrawn_at=now)
    if changed:
        audit_record(actor=actor, action=AuditAction.WITHDRAW, obj=educator, fields=[kind], ip=ip)
    return changed


# ---------------------------------------------------------------- the legal basis for processing


def consent_needed(educator: Educator, *, fresh: bool = False) -> bool:
    """True when the educator's region processes personal data on the basis of consent.

    A page may read the basis from the region loaded with the educator; a service that is about
    to process (``fresh``) reads it from the database, so a basis changed since the educator
    was loaded is the one that counts."""
    basis: str | None
    if not fresh and Educator.region.is_cached(educator):  # loaded with the educator: no query
        basis = educator.region.personal_data_basis
    else:
        basis = Region.objects.filter(pk=educator.region_id).values_list("personal_data_basis", flat=True).first()
    return basis == ProcessingBasis.CONSENT


def processing_allowed(educator: Educator, *, fresh: bool = False) -> bool:
    """May anything beyond the directory record be processed for this educator?"""
    if not consent_needed(educator, fresh=fresh):
        return True
    return Consent.objects.filter(
        educator=educator, document__kind=ConsentKind.PERSONAL_DATA, withdrawn_at__isnull=True
    ).exists()


def processing_allowed_q(path: str = "") -> Q:
    """`processing_allowed` as a filter over rows that reach an educator through `path`
    (for jobs that process many people at once: the region-wide plan, reminders)."""
    prefix = f"{path}__" if path else ""
    consented = Consent.objects.filter(
        educator_id=OuterRef(f"{prefix}pk" if not path else f"{path}_id"),
        document__kind=ConsentKind.PERSONAL_DATA,
        withdrawn_at__isnull=True,
    )
    return ~Q(**{f"{prefix}region__personal_data_basis": ProcessingBasis.CONSENT}) | Q(Exists(consented))


def processing_require(educator: Educator, *, actor: User | None = None) -> None:
    """Refuse (PermissionDenied, code `personal_data_consent_required`) when the region's basis
    is consent and the educator has not given it or has withdrawn it. Services that keep
    anything beyond the directory record (routes, enrollments, support, diagnostics) call this."""
    if processing_allowed(educator, fresh=True):
        return
    if actor is not None and educator.user_id == actor.pk:
        message = _(
            "Your consent to the processing of personal data is needed first: in your region the platform keeps "
            "nothing beyond "
            "the directory record without it. Give it on the «My consents» page, then repeat the action."
        )
    else:
        message = _(
            "%(name)s has not given (or has withdrawn) consent to the processing of personal data, and the region "
            "processes them "
            "on the basis of consent. Ask the person to give it on the «My consents» page."
        ) % {"name": educator.full_name}
    raise PermissionDenied(message, code="personal_data_consent_required")


@transaction.atomic
def region_basis_set(*, actor: User, region: Region, basis: str, ip: str | None = None) -> Region:
    """The regional operator (or the federal one) sets the region's legal basis for processing."""
    if basis not in ProcessingBasis.values:
        raise ValidationFailed(_("Unknown legal basis."), code="processing_basis_unknown")
    access.require_region(
        actor, region.pk, roles=access.DIRECTORY_EDITORS, message=_("Only the region's operator changes this setting.")
    )
    region = Region.objects.select_for_update().get(pk=region.pk)
    if region.personal_data_basis != basis:
        region.personal_data_basis = basis
        region.save(update_fields=["personal_data_basis"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=region,
            region_id=region.pk,
            fields=["personal_data_basis"],
            ip=ip,
        )
    return region


# ---------------------------------------------------------------- roles


@transaction.atomic
def role_grant(
    *,
    user: User,
    role: str,
    scope: str,
    region: Region | None = None,
    municipality: Municipality | None = None,
    organization: Organization | None = None,
    macroregion: Macroregion | None = None,
) -> RoleAssignment:
    if scope not in ROLE_SCOPES.get(role, ()):
        raise ValidationFailed(_("This role cannot act in this scope."), code="role_scope_mismatch")
    if organization is not None:
        region = region or organization.region
        municipality = municipality or organization.municipality
    if municipality is not None:
        region = region or municipality.region
    if scope == Scope.MUNICIPALITY and municipality is None or scope == Scope.ORGANIZATION and organization is None:
        raise ValidationFailed(_("The scope needs its organization or municipality."), code="role_scope_unit_missing")
    if scope == Scope.REGION and region is None or scope == Scope.MACROREGION and macroregion is None:
        raise ValidationFailed(_("The scope needs its region or macroregion."), code="role_scope_unit_missing")
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        scope=scope,
        region=region,
        municipality=municipality if scope in (Scope.MUNICIPALITY, Scope.ORGANIZATION) else None,
        organization=organization if scope == Scope.ORGANIZATION else None,
        macroregion=macroregion if scope == Scope.MACROREGION else None,
    )
    if hasattr(user, "_efs_grants"):
        del user._efs_grants
    return assignment


@transaction.atomic
def support_assign(*, supporter: User, educator: Educator, kind: str) -> SupportAssignment:
    if kind not in (Role.TUTOR, Role.MENTOR):
        raise ValidationFailed(_("Unknown kind of support."), code="support_kind_unknown")
    processing_require(educator)
    if not RoleAssignment.objects.filter(user=supporter, role=kind).exists():
        raise ValidationFailed(_("This person does not hold the tutor or mentor role."), code="support_role_missing")
    assignment, created = SupportAssignment.objects.get_or_create(
        supporter=supporter, educator=educator, kind=kind, defaults={"region_id": educator.region_id}
    )
    if not created and not assignment.active:
        assignment.active = True
        assignment.save(update_fields=["active"])
    return assignment


def support_end(*, supporter: User, educator: Educator, kind: str) -> bool:
    """End an active tutor's or mentor's assignment (the row stays, inactive; a higher app
    keeps the history of who supported whom). True when one was active."""
    if kind not in (Role.TUTOR, Role.MENTOR):
        raise ValidationFailed(_("Unknown kind of support."), code="support_kind_unknown")
    return bool(
        SupportAssignment.objects.filter(supporter=supporter, educator=educator, kind=kind, active=True).update(
            active=False
        )
    )


# ---------------------------------------------------------------- profile


PROFILE_FIELDS_SELF = frozenset({"email"})
PROFILE_FIELDS_OPERATOR = frozenset(
    {"email", "position", "experience_years", "qualification_category", "category", "organization", "is_active"}
)


@transaction.atomic
def educator_update(
    *, actor: User, educator: Educator, changes: dict, subjects: list[Subject] | None = None, ip: str | None = None
) -> Educator:
    is_self = educator.user_id == actor.pk
    editable = set(PROFILE_FIELDS_SELF if is_self else ())
    if access.scoped(Educator.objects.filter(pk=educator.pk), actor, roles=access.DIRECTORY_EDITORS).exists():
        editable |= PROFILE_FIELDS_OPERATOR
    unknown = set(changes) - editable
    if unknown or (subjects is not None and not editable - PROFILE_FIELDS_SELF):
        raise PermissionDenied(_("You cannot change these fields."))
    organization = changes.get("organization")
    if organization is not None and organization.region_id != educator.region_id:
        raise ValidationFailed(_("The organization is in another region."), code="organization_other_region")
    changed = []
    for field, value in changes.items():
        if getattr(educator, field) != value:
            setattr(educator, field, value)
            changed.append(field)
    if changed:
        try:
            educator.full_clean(exclude=["user", "subjects"], validate_constraints=False)
        except DjangoValidationError as exc:
            raise ValidationFailed(
                " ".join(m for messages in exc.message_dict.values() for m in messages), details=exc.message_dict
            ) from None
        educator.save()
    if subjects is not None:
        educator.subjects.set(subjects)
        changed.append("subjects")
    if changed:
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=educator, fields=changed, ip=ip)
    return educator


def snils_clean(raw: str) -> str:
    snils = snils_normalize(raw)
    if snils and not snils_is_valid(snils):
        raise ValidationFailed(_("SNILS is wrong: its check digits do not match."), code="snils_invalid")
    return snils


# ---------------------------------------------------------------- macroregions


@transaction.atomic
def macroregion_save(
    *, actor: User, name: str, regions: list[Region], description: str = "", macroregion: Macroregion | None = None
) -> Macroregion:
    access.require_role(actor, [Role.FEDERAL_OPERATOR])
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the macroregion a name."), code="name_required")
    name = checked_text(name, field=_("name"), limit=200)
    description = checked_text(description, field=_("description"), limit=NOTE_MAX_CHARS)
    if len(regions) < 2:
        raise ValidationFailed(_("A macroregion joins at least two regions."), code="macroregion_too_small")
    macroregion = macroregion or Macroregion()
    macroregion.name = name
    macroregion.description = description
    try:
        with transaction.atomic():
            macroregion.save()
    except IntegrityError:
        raise Conflict(_("A macroregion with this name already exists."), code="macroregion_name_taken") from None
    macroregion.regions.set(regions)
    return macroregion


# ---------------------------------------------------------------- API tokens

TOKEN_PREFIX = "efs_"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> IssuedToken:
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the token a name, e.g. the system that will use it."), code="name_required")
    name = checked_text(name, field=_("name"), limit=100)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=plaintext[:12], digest=_digest(plaintext))
    return IssuedToken(token=token, plaintext=plaintext)


def api_token_revoke(*, user: User, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated:
        raise NotFound(_("Token not found."))


def api_token_user(plaintext: str) -> User | None:
    """The active user behind a token, or None. Marks the token as used."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(plaintext), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# ---------------------------------------------------------------- notifications


def notify(*, user: User, title: str, body: str = "", url: str = "", key: str = "", kind: str = "other") -> bool:
    """Put a message in the user's inbox; with a key, at most once. True when created.

    A created message is also e-mailed after the commit (``people.mail``) unless the user has
    no address or opted out of ``kind`` (a ``MailKind`` value)."""
    from . import mail
    from .models import Notification

    if key:
        _obj, created = Notification.objects.get_or_create(
            user=user, key=key[:120], defaults={"title": title[:300], "body": body, "url": url[:300]}
        )
    else:
        Notification.objects.create(user=user, title=title[:300], body=body, url=url[:300])
        created = True
    if created:
        mail.mail_later(user=user, title=title[:300], body=body, url=url[:300], kind=kind)
    return created


def email_preference_set(*, user: User, enabled: bool, muted: list[str]):
    """Which notifications also come by e-mail (all of them until the user says otherwise)."""
    from . import mail

    return mail.preference_set(user=user, enabled=enabled, muted=muted)


def notifications_read(*, user: User) -> int:
    from .models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
