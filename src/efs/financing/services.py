"""Funds, certificates, enrollments with holds, provider payments (docs/financing.md).

Every money movement goes through `ledger`; this module decides who may do what and which
accounts are involved. Ids of transfers made on a user's behalf are derived from the
client's request id (`hold:<request>`, `post:<request>`…), so a retried request makes no
second movement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.catalog.models import Cohort, CohortStatus, ProgramStatus
from efs.catalog.public import cohort_seat_release, cohort_seat_take
from efs.catalog.queries import open_cohorts
from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.limits import CONTRACT_MAX_YEARS, DATE_MAX, DATE_MIN, KOPECKS_MAX, PRICE_KOPECKS_MAX
from efs.money import format_money
from efs.people import access
from efs.people.models import Educator, EducatorCategory, Organization, Region, Role, User
from efs.people.services import notify, processing_require

from . import combiner, ledger, queries
from .access import FINANCIERS, fund_year_open, is_provider_staff, prorated
from .models import (
    OPEN_ENROLLMENT,
    Account,
    AccountKind,
    CertificateRule,
    Contract,
    CopayPayer,
    Enrollment,
    EnrollmentStatus,
    Ledger,
    Payment,
    Transfer,
    TransferKind,
)

HOLD_GRACE_DAYS = 60  # a hold lives until the cohort's end plus this, for the provider to confirm completion


# ---------------------------------------------------------------- accounts


def _account(kind: str, region: Region | int, *, ledger_: str = Ledger.RUB, **fields) -> Account:
    region_id = region if isinstance(region, int) else region.pk
    negative = kind in (AccountKind.SOURCE, AccountKind.PROVIDER, AccountKind.COPAY)
    lookup = {"kind": kind, "ledger": ledger_, "region_id": region_id, **fields}
    try:
        with transaction.atomic():
            account, _created = Account.objects.get_or_create(**lookup, defaults={"may_go_negative": negative})
    except IntegrityError:  # created by a concurrent request
        account = Account.objects.get(**lookup)
    return account


def fund_account(region: Region | int, year: int, ledger_: str = Ledger.RUB) -> Account:
    return _account(AccountKind.FUND, region, ledger_=ledger_, year=year)


def source_account(region: Region | int, ledger_: str = Ledger.RUB) -> Account:
    return _account(AccountKind.SOURCE, region, ledger_=ledger_)


def payout_account(region: Region | int) -> Account:
    return _account(AccountKind.PAYOUT, region)


def provider_account(provider: Organization | int, region: Region | int, ledger_: str = Ledger.RUB) -> Account:
    provider_id = provider if isinstance(provider, int) else provider.pk
    return _account(AccountKind.PROVIDER, region, ledger_=ledger_, organization_id=provider_id)


def copay_account(
    region: Region | int, *, organization: Organization | None = None, educator: Educator | None = None
) -> Account:
    return _account(AccountKind.COPAY, region, organization=organization, educator=educator)


def certificate_of(educator: Educator, year: int | None = None) -> Account | None:
    """The educator's certificate of the year: a funded one first, else a tracked one."""
    year = year or timezone.localdate().year
    accounts = Account.objects.filter(kind=AccountKind.CERTIFICATE, educator=educator, year=year)
    return accounts.filter(ledger=Ledger.RUB).first() or accounts.filter(ledger=Ledger.TRACK).first()


def certificates_available(educator_ids: list[int], year: int) -> dict[int, int]:
    """What is left on each funded certificate of the year (educator id -> kopecks)."""
    result: dict[int, int] = {}
    for start in range(0, len(educator_ids), 500):
        rows = Account.objects.filter(
            kind=AccountKind.CERTIFICATE,
            ledger=Ledger.RUB,
            year=year,
            educator_id__in=educator_ids[start : start + 500],
        )
        for account in rows.only("educator_id", "credits_posted", "debits_posted", "debits_pending"):
            assert account.educator_id is not None  # filtered by educator_id__in
            result[account.educator_id] = result.get(account.educator_id, 0) + max(0, account.available)
    return result


def _require_financier(actor: User, region: Region) -> None:
    access.require_region(
        actor, region.pk, roles=FINANCIERS, message=_("Only the region's operator manages its money.")
    )


# ---------------------------------------------------------------- the fund


def fund_top_up(
    *,
    actor: User,
    region: Region,
    year: int,
    amount: int,
    tid: str,
    document: str,
    document_date: dt.date,
    memo: str = "",
) -> Transfer:
    """The regional budget puts money into the fund of a year, on the strength of a document
    (the budget's payment order or decision: its number and date, kept in the memo)."""
    _require_financier(actor, region)
    _check_year(year)
    document = (document or "").strip()
    if not document or document_date is None:
        raise ValidationFailed(
            _("Give the number and the date of the document the money came by."), code="top_up_document_required"
        )
    basis = _("document № %(number)s of %(date)s") % {
        "number": document[:60],
        "date": document_date.strftime("%d.%m.%Y"),
    }
    return ledger.transfer(
        tid=tid,
        kind=TransferKind.TOP_UP,
        debit=source_account(region),
        credit=fund_account(region, year),
        amount=amount,
        actor=actor,
        memo=f"{memo or _('Top-up of the regional fund %(year)s') % {'year': year}}: {basis}",
    )


@transaction.atomic
def fund_top_up_reverse(*, actor: User, top_up: Transfer, reason: str) -> Transfer:
    """A mistaken top-up is corrected by a transfer of the same amount back to the source
    (a storno), never by editing it. Once only: a second call returns the same correction.
    Refused when the money has already gone out to certificates (the fund has less left)."""
    fund = Account.objects.select_related("region").filter(pk=top_up.credit_id, kind=AccountKind.FUND).first()
    if top_up.kind != TransferKind.TOP_UP or fund is None:
        raise ValidationFailed(_("Only a top-up of a fund is reversed."), code="top_up_not_reversible")
    _require_financier(actor, fund.region)
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the top-up is reversed."), code="comment_required")
    return ledger.transfer(
        tid=queries.reversal_tid(top_up),
        kind=TransferKind.TOP_UP,
        debit=fund,
        credit=source_account(fund.region),
        amount=top_up.amount,
        actor=actor,
        memo=_("Reversal of the top-up %(tid)s: %(reason)s") % {"tid": top_up.tid, "reason": reason.strip()[:200]},
    )


def _check_category(category: str) -> None:
    if category not in EducatorCategory.values:
        raise ValidationFailed(_("Unknown category of educators."), code="category_unknown")


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_year(year: int) -> None:
    if not fund_year_open(year, timezone.localdate()):
        raise ValidationFailed(_("Choose the current, previous or next year."), code="year_invalid")


def rule_set(
    *,
    actor: User,
    region: Region,
    year: int,
    category: str,
    nominal: int,
    ledger_: str = Ledger.RUB,
    every_years: int = 1,
    prorate: bool = True,
    carry_over: bool = False,
) -> CertificateRule:
    _require_financier(actor, region)
    _check_year(year)
    if isinstance(nominal, bool) or not isinstance(nominal, int) or nominal <= 0:
        raise ValidationFailed(_("The nominal must be greater than zero."), code="amount_not_positive")
    if nominal > PRICE_KOPECKS_MAX:
        raise ValidationFailed(
            _("The nominal is beyond %(max)s.") % {"max": format_money(PRICE_KOPECKS_MAX)}, code="amount_too_large"
        )
    _check_category(category)
    if not 1 <= every_years <= 5:
        raise ValidationFailed(
            _("A certificate is given from once a year to once in five years."), code="rule_period_invalid"
        )
    if ledger_ not in Ledger.values:
        raise ValidationFailed(_("Unknown status of certificates."), code="rule_ledger_invalid")
    rule, _created = CertificateRule.objects.update_or_create(
        region=region,
        year=year,
        category=category,
        defaults={
            "nominal": nominal,
            "ledger": ledger_,
            "every_years": every_years,
            "prorate": prorate,
            "carry_over": carry_over,
            "created_by": actor,
        },
    )
    return rule


@dataclass(frozen=True)
class IssueResult:
    issued: int
    amount: int
    already: int
    not_yet_due: int


def certificates_issue(
    *, actor: User, region: Region, year: int, category: str, today: dt.date | None = None
) -> IssueResult:
    """Issue the year's certificates of a category to every eligible educator of the region.

    Eligible: active, of the category, without a certificate of this category in this year
    or in the `every_years - 1` years before. Funded certificates come out of the fund,
    all or none (`fund_insufficient`); running it again issues only to those still missing one.
    """
    _require_financier(actor, region)
    _check_category(category)
    today = today or timezone.localdate()
    rule = CertificateRule.objects.filter(region=region, year=year, category=category).first()
    if rule is None:
        raise ValidationFailed(_("Set the rule for this category and year first."), code="rule_missing")
    amount = prorated(rule.nominal, year, today) if rule.prorate else rule.nominal
    if amount <= 0:
        raise ValidationFailed(_("The year is over: there is nothing left to issue."), code="year_over")
    previous = Account.objects.filter(
        kind=AccountKind.CERTIFICATE,
        category=category,
        year__gt=year - rule.every_years,
        year__lte=year,
        educator__isnull=False,
    )
    candidates = Educator.objects.filter(region=region, category=category, is_active=True)
    already = candidates.filter(pk__in=previous.filter(year=year).values("educator_id")).count()
    not_yet_due = (
        candidates.filter(pk__in=previous.filter(year__lt=year).values("educator_id"))
        .exclude(pk__in=previous.filter(year=year).values("educator_id"))
        .count()
    )
    eligible = list(candidates.exclude(pk__in=previous.values("educator_id")).values_list("pk", flat=True))
    if not eligible:
        return IssueResult(issued=0, amount=0, already=already, not_yet_due=not_yet_due)
    source = fund_account(region, year) if rule.ledger == Ledger.RUB else source_account(region, Ledger.TRACK)
    issued = ledger.issue_many(
        source=source,
        region_id=region.pk,
        year=year,
        category=category,
        ledger_=rule.ledger,
        educator_ids=eligible,
        amount=amount,
        tid_prefix=f"issue:{region.code}:{year}:{category}",
        actor=actor,
        memo=_("Certificate %(year)s") % {"year": year},
    )
    return IssueResult(issued=issued, amount=issued * amount, already=already, not_yet_due=not_yet_due)


def year_close(*, actor: User, region: Region, year: int) -> dict[str, int]:
    """Unused certificate balances go back to the fund, or to next year's certificate
    where the region's rule carries them over. Holds stay: they are posted or released later.

    One transaction for the region's year (all certificates or none), serialized by the
    key (region, year), and re-runnable: a run moves only what is left on each certificate
    now, so a second run moves nothing, and a run after a late void moves what that void
    released. Each move of a certificate has its own id: `sweep:<account>` (or `carry:`)
    for its first, `sweep:<account>:<n>` for its n-th."""
    _require_financier(actor, region)
    if year >= timezone.localdate().year:
        raise ValidationFailed(_("A year is closed after it ends."), code="year_not_over")
    rules = {r.category: r for r in CertificateRule.objects.filter(region=region, year=year)}
    swept = carried = 0
    with transaction.atomic():
        ledger.claim(f"year-close:{region.pk}:{year}")
        certificates = Account.objects.filter(kind=AccountKind.CERTIFICATE, ledger=Ledger.RUB, region=region, year=year)
        moved = dict(
            Transfer.objects.filter(debit__in=certificates, kind__in=(TransferKind.SWEEP, TransferKind.CARRY))
            .values("debit_id").annotate(n=Count("pk")).values_list("debit_id", "n")
        )
        for account in certificates.select_related("educator").order_by("pk"):
            left = account.available
            if left <= 0:
                continue
            done = moved.get(account.pk, 0)
            rule = rules.get(account.category)
            if rule is not None and rule.carry_over:
                kind, prefix = TransferKind.CARRY, "carry"
                target = _account(
                    AccountKind.CERTIFICATE, region, year=year + 1, educator=account.educator, category=account.category
                )
                carried += left
            else:
                kind, prefix, target = TransferKind.SWEEP, "sweep", fund_account(region, year)
                swept += left
            tid = f"{prefix}:{account.pk}" if done == 0 else f"{prefix}:{account.pk}:{done + 1}"
            ledger.transfer(tid=tid, kind=kind, debit=account, credit=target, amount=left, actor=actor)
    return {"swept": swept, "carried": carried}


# ---------------------------------------------------------------- enrollments


def _provider_users(provider_id: int):
    return User.objects.filter(
        role_assignments__role=Role.PROVIDER, role_assignments__organization_id=provider_id
    ).distinct()


def _active_contract(region_id: int, provider_id: int, today: dt.date) -> Contract | None:
    return (
        Contract.objects.filter(
            region_id=region_id, provider_id=provider_id, valid_from__lte=today, valid_to__gte=today
        )
        .order_by("-valid_to")
        .first()
    )


@dataclass(frozen=True)
class Quote:
    """What an enrollment in a cohort would cost the educator, before asking for it."""

    price: int
    certificate: Account | None
    from_certificate: int
    copay: int
    contract: Contract | None


def quote(educator: Educator, cohort: Cohort, today: dt.date | None = None, *, for_update: bool = False) -> Quote:
    """`for_update` (inside a transaction): the accounts of the hold (the certificate and the
    provider's payable) are locked first, in id order as the ledger locks them, so that what
    is quoted is what the hold finds; the quote and the hold are one decision."""
    today = today or timezone.localdate()
    certificate = certificate_of(educator, today.year) if cohort.price else None
    if certificate is not None and for_update:
        payee = provider_account(cohort.program.provider_id, certificate.region_id, certificate.ledger)
        locked = {
            a.pk: a
            for a in Account.objects.select_for_update().filter(pk__in=[certificate.pk, payee.pk]).order_by("pk")
        }
        certificate = locked[certificate.pk]
    covered = min(cohort.price, max(0, certificate.available)) if certificate else 0
    contract = (
        _active_contract(certificate.region_id, cohort.program.provider_id, today)
        if certificate and certificate.ledger == Ledger.RUB
        else None
    )
    return Quote(
        price=cohort.price,
        certificate=certificate,
        from_certificate=covered,
        copay=cohort.price - covered,
        contract=contract,
    )


def _check_open(educator: Educator, cohort: Cohort, today: dt.date) -> None:
    program = cohort.program
    if (
        program.status != ProgramStatus.PUBLISHED
        or cohort.status != CohortStatus.OPEN
        or cohort.enrollment_deadline < today
    ):
        raise Conflict(_("Enrollment in this cohort is closed."), code="cohort_closed")
    if not open_cohorts(educator.region_id, today=today).filter(pk=cohort.pk).exists():
        raise Conflict(_("This cohort is not open to your region."), code="cohort_not_open_to_region")
    if not getattr(program, f"for_{educator.category}s", False):
        raise Conflict(_("The program is not meant for your category of educators."), code="cohort_wrong_audience")


def _enrollment_event(enrollment: Enrollment, title: str, users) -> None:
    url = reverse("financing:enrollment", args=[enrollment.pk])
    for user in users:
        notify(user=user, title=title, url=url)


@transaction.atomic
def enrollment_request(
    *,
    actor: User,
    educator: Educator,
    cohort: Cohort,
    request_id: str,
    copay_payer: str = "",
    today: dt.date | None = None,
) -> Enrollment:
    """Ask for a seat: the seat is reserved and the certificate's part is held until the
    provider confirms completion (or declines, or the educator cancels)."""
    if educator.user_id != actor.pk:
        raise PermissionDenied(_("Only the educator enrolls themselves."))
    processing_require(educator, actor=actor)
    ledger._check_tid(request_id)
    # Requests with one id serialize here, whatever their cohorts: a retry sent while its
    # first try is still running waits for it and answers with what it did.
    ledger.claim(f"enrollment:{request_id}")
    existing = Enrollment.objects.filter(request_id=request_id).first()
    if existing is not None:
        if (existing.educator_id, existing.cohort_id) != (educator.pk, cohort.pk) or (
            existing.copay_payer and copay_payer != existing.copay_payer
        ):
            raise Conflict(
                _("This request id was already used for another enrollment."),
                code="request_id_reused",
                details={"request_id": request_id},
            )
        return existing
    today = today or timezone.localdate()
    cohort = Cohort.objects.select_for_update(of=("self",)).select_related("program").get(pk=cohort.pk)
    _check_open(educator, cohort, today)
    if Enrollment.objects.filter(educator=educator, cohort=cohort, status__in=OPEN_ENROLLMENT).exists():
        raise Conflict(_("You have already asked for a seat in this cohort."), code="enrollment_exists")
    if cohort.seats_taken >= cohort.seats:
        raise Conflict(_("There are no free seats left in this cohort."), code="cohort_full")
    offer = quote(educator, cohort, today, for_update=True)
    if copay_payer not in CopayPayer.values:
        raise ValidationFailed(_("Unknown payer of the co-payment."), code="copay_payer_invalid")
    if offer.copay and not copay_payer:
        raise ValidationFailed(
            _("The certificate covers %(covered)s of %(price)s: choose who pays the remaining %(copay)s.")
            % {
                "covered": format_money(offer.from_certificate),
                "price": format_money(offer.price),
                "copay": format_money(offer.copay),
            },
            code="copay_needed",
            details={"price": offer.price, "from_certificate": offer.from_certificate, "copay": offer.copay},
        )
    certificate = offer.certificate
    if offer.from_certificate and certificate and certificate.ledger == Ledger.RUB and offer.contract is None:
        raise Conflict(
            _("The provider has no contract with your region yet, so the certificate cannot pay for this cohort."),
            code="contract_missing",
        )
    if copay_payer == CopayPayer.SCHOOL and educator.organization_id is None:
        raise ValidationFailed(_("You are not attached to an organization that could pay."), code="copay_payer_invalid")
    enrollment = Enrollment.objects.create(
        request_id=request_id,
        educator=educator,
        region_id=educator.region_id,
        organization_id=educator.organization_id,
        cohort=cohort,
        provider_id=cohort.program.provider_id,
        price=cohort.price,
        certificate=offer.certificate if offer.from_certificate else None,
        certificate_amount=offer.from_certificate,
        copay_amount=offer.copay,
        copay_payer=copay_payer if offer.copay else "",
        requested_by=actor,
    )
    if offer.from_certificate:
        certificate = cast(Account, offer.certificate)  # quote() pays from a certificate only when there is one
        expires = timezone.make_aware(
            dt.datetime.combine(cohort.end_date + dt.timedelta(days=HOLD_GRACE_DAYS), dt.time(23, 59))
        )
        enrollment.hold = ledger.transfer(
            tid=f"hold:{request_id}",
            kind=TransferKind.HOLD,
            debit=certificate,
            credit=provider_account(cohort.program.provider_id, certificate.region_id, certificate.ledger),
            amount=offer.from_certificate,
            pending=True,
            expires_at=expires,
            actor=actor,
            enrollment=enrollment,
            memo=str(cohort.program.title)[:300],
        )
        enrollment.save(update_fields=["hold"])
    cohort_seat_take(cohort=cohort)
    _enrollment_event(
        enrollment,
        _("New enrollment request: %(name)s") % {"name": educator.full_name},
        _provider_users(enrollment.provider_id),
    )
    return enrollment


def _provider_of(actor: User, enrollment: Enrollment) -> None:
    access.require_role(actor, [Role.PROVIDER])
    if not is_provider_staff(actor, enrollment):
        raise PermissionDenied(_("Only the provider's staff decide on its enrollments."))


def _locked(enrollment: Enrollment) -> Enrollment:
    return (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("educator__user", "cohort__program")
        .get(pk=enrollment.pk)
    )


def _release(enrollment: Enrollment, kind: str, actor: User | None, now: dt.datetime | None = None) -> None:
    if enrollment.hold_id:
        ledger.resolve(tid=f"{kind}:{enrollment.request_id}", hold=enrollment.hold_id, kind=kind, actor=actor, now=now)
    if enrollment.cohort.start_date > timezone.localdate():
        cohort_seat_release(cohort_id=enrollment.cohort_id)


def _finish(enrollment: Enrollment, status: str, actor: User | None, comment: str = "") -> Enrollment:
    enrollment.status = status
    enrollment.decided_by = actor or enrollment.decided_by
    enrollment.comment = comment.strip() or enrollment.comment
    now = timezone.now()
    if status in (EnrollmentStatus.ACCEPTED, EnrollmentStatus.DECLINED):
        enrollment.decided_at = now
    else:
        enrollment.finished_at = now
    enrollment.save(update_fields=["status", "decided_by", "comment", "decided_at", "finished_at"])
    return enrollment


@transaction.atomic
def enrollment_accept(*, actor: User, enrollment: Enrollment) -> Enrollment:
    enrollment = _locked(enrollment)
    _provider_of(actor, enrollment)
    if enrollment.status == EnrollmentStatus.ACCEPTED:
        return enrollment
    if enrollment.status != EnrollmentStatus.REQUESTED:
        raise Conflict(_("Only a request waiting for the provider is accepted."), code="enrollment_not_requested")
    _finish(enrollment, EnrollmentStatus.ACCEPTED, actor)
    if enrollment.educator.user:
        _enrollment_event(enrollment, _("The provider accepted your enrollment"), [enrollment.educator.user])
    return enrollment


@transaction.atomic
def enrollment_decline(*, actor: User, enrollment: Enrollment, comment: str) -> Enrollment:
    enrollment = _locked(enrollment)
    _provider_of(actor, enrollment)
    if enrollment.status == EnrollmentStatus.DECLINED:
        return enrollment
    if enrollment.status not in OPEN_ENROLLMENT:
        raise Conflict(_("This enrollment is already closed."), code="enrollment_closed")
    if not comment.strip():
        raise ValidationFailed(_("Tell the educator why."), code="comment_required")
    _release(enrollment, TransferKind.VOID, actor)
    _finish(enrollment, EnrollmentStatus.DECLINED, actor, comment)
    if enrollment.educator.user:
        _enrollment_event(
            enrollment,
            _("The provider declined your enrollment; the money is back on the certificate"),
            [enrollment.educator.user],
        )
    return enrollment


@transaction.atomic
def enrollment_cancel(*, actor: User, enrollment: Enrollment, comment: str = "") -> Enrollment:
    enrollment = _locked(enrollment)
    if enrollment.educator.user_id != actor.pk:
        raise PermissionDenied(_("Only the educator cancels their enrollment."))
    if enrollment.status == EnrollmentStatus.CANCELLED:
        return enrollment
    if enrollment.status not in OPEN_ENROLLMENT:
        raise Conflict(_("This enrollment is already closed."), code="enrollment_closed")
    if enrollment.cohort.start_date <= timezone.localdate():
        raise Conflict(_("The cohort has started: ask the provider to record the outcome."), code="cohort_started")
    _release(enrollment, TransferKind.VOID, actor)
    _finish(enrollment, EnrollmentStatus.CANCELLED, actor, comment)
    _enrollment_event(
        enrollment,
        _("%(name)s cancelled the enrollment") % {"name": enrollment.educator.full_name},
        _provider_users(enrollment.provider_id),
    )
    return enrollment


@transaction.atomic
def enrollment_complete(*, actor: User, enrollment: Enrollment, completed: bool, comment: str = "") -> Enrollment:
    """The provider records the outcome: completed (the hold is posted to the provider's
    account, with the co-payment) or not completed (the hold is released)."""
    enrollment = _locked(enrollment)
    _provider_of(actor, enrollment)
    target = EnrollmentStatus.COMPLETED if completed else EnrollmentStatus.NOT_COMPLETED
    if enrollment.status == target:
        return enrollment
    if enrollment.status != EnrollmentStatus.ACCEPTED:
        raise Conflict(_("Record the outcome of an accepted enrollment."), code="enrollment_not_accepted")
    if enrollment.cohort.start_date > timezone.localdate():
        raise Conflict(_("The cohort has not started yet."), code="cohort_not_started")
    if completed:
        if enrollment.hold_id:
            ledger.resolve(
                tid=f"post:{enrollment.request_id}", hold=enrollment.hold_id, kind=TransferKind.POST, actor=actor
            )
        if enrollment.copay_amount:
            payer = copay_account(
                enrollment.region_id,
                organization=enrollment.educator.organization if enrollment.copay_payer == CopayPayer.SCHOOL else None,
                educator=enrollment.educator if enrollment.copay_payer == CopayPayer.EDUCATOR else None,
            )
            ledger.transfer(
                tid=f"copay:{enrollment.request_id}",
                kind=TransferKind.COPAY,
                debit=payer,
                credit=provider_account(enrollment.provider_id, enrollment.region_id),
                amount=enrollment.copay_amount,
                actor=actor,
                enrollment=enrollment,
                memo=_("Co-payment"),
            )
    else:
        _release(enrollment, TransferKind.VOID, actor)
    return _finish(enrollment, target, actor, comment)


@transaction.atomic
def cohort_outcomes_record(
    *, actor: User, outcomes: list[tuple[Enrollment, bool]], comment: str = ""
) -> dict[str, int]:
    """The provider's outcomes of a cohort, person by person, all or nothing: each completed
    enrollment posts its hold to the provider, each not completed one releases it."""
    if not outcomes:
        raise ValidationFailed(_("Choose the outcome for at least one person."), code="outcomes_empty")
    counts = {"completed": 0, "not_completed": 0}
    for enrollment, completed in outcomes:
        enrollment_complete(actor=actor, enrollment=enrollment, completed=completed, comment=comment)
        counts["completed" if completed else "not_completed"] += 1
    return counts


def holds_expire(now: dt.datetime | None = None) -> int:
    """Release holds past their expiry (the daily job); their enrollments become expired.
    Also drops the ledger's abandoned queued requests."""
    now = now or timezone.now()
    combiner.purge(now)
    expired = 0
    for enrollment in Enrollment.objects.filter(
        status__in=OPEN_ENROLLMENT, hold__expires_at__lt=now, hold__resolution__isnull=True
    ).only("pk"):
        with transaction.atomic():
            locked = _locked(enrollment)
            if locked.status not in OPEN_ENROLLMENT:
                continue
            _release(locked, TransferKind.EXPIRE, None, now)
            _finish(locked, EnrollmentStatus.EXPIRED, None, _("The provider did not confirm the outcome in time."))
            expired += 1
    return expired


# ---------------------------------------------------------------- contracts and payments


def contract_create(
    *,
    actor: User,
    region: Region,
    provider: Organization,
    number: str,
    signed_on: dt.date,
    valid_from: dt.date,
    valid_to: dt.date,
    ceiling: int | None = None,
    advances: bool = False,
) -> Contract:
    _require_financier(actor, region)
    problems = []
    if not provider.licensed_for_dpo:
        problems.append(_("The organization has no licence for additional professional education."))
    if not number.strip():
        problems.append(_("Enter the contract number."))
    if len(number.strip()) > 60:
        problems.append(_("The contract number is longer than 60 characters."))
    if any(not DATE_MIN <= day <= DATE_MAX for day in (signed_on, valid_from, valid_to)):
        problems.append(
            _("Contract dates lie between %(low)s and %(high)s.")
            % {"low": DATE_MIN.strftime("%d.%m.%Y"), "high": DATE_MAX.strftime("%d.%m.%Y")}
        )
    elif valid_to < valid_from:
        problems.append(_("The contract must end after it starts."))
    elif valid_to > _years_after(valid_from, CONTRACT_MAX_YEARS):
        problems.append(_("A contract runs for at most %(n)s years.") % {"n": CONTRACT_MAX_YEARS})
    if ceiling is not None and ceiling <= 0:
        problems.append(_("The ceiling must be greater than zero."))
    elif ceiling is not None and ceiling > KOPECKS_MAX:
        problems.append(_("The ceiling is beyond %(max)s.") % {"max": format_money(KOPECKS_MAX)})
    if problems:
        raise ValidationFailed(" ".join(problems), code="contract_invalid", details=problems)
    if Contract.objects.filter(region=region, number=number.strip()).exists():
        raise Conflict(
            _("A contract with this number is already registered in the region."), code="contract_number_taken"
        )
    return Contract.objects.create(
        region=region,
        provider=provider,
        number=number.strip(),
        signed_on=signed_on,
        valid_from=valid_from,
        valid_to=valid_to,
        ceiling=ceiling,
        advances=advances,
        created_by=actor,
    )


@transaction.atomic
def payment_register(
    *, actor: User, contract: Contract, amount: int, tid: str, document: str, paid_on: dt.date, advance: bool = False
) -> Payment:
    """The region paid the provider: the provider's account goes down by `amount`."""
    _require_financier(actor, contract.region)
    ledger._check_tid(tid)
    ledger.claim(tid)  # a retry sent while its first try runs waits for it, then answers with it
    existing = Payment.objects.filter(transfer__tid=tid).select_related("transfer").first()
    if existing is not None:
        first = (existing.contract_id, existing.transfer.amount, existing.document, existing.paid_on)
        if first != (contract.pk, amount, document.strip()[:60], paid_on):
            raise Conflict(
                _("This transfer id was already used for another transfer."),
                code="transfer_id_reused",
                details={"tid": tid},
            )
        return existing
    if not document.strip():
        raise ValidationFailed(_("Enter the number of the payment order."), code="payment_document_required")
    if len(document.strip()) > 60:
        raise ValidationFailed(
            _("The number of the payment order is longer than 60 characters."), code="payment_document_too_long"
        )
    if not contract.signed_on <= paid_on <= timezone.localdate():
        raise ValidationFailed(
            _("A payment is dated between the contract's signing (%(signed)s) and today.")
            % {"signed": contract.signed_on.strftime("%d.%m.%Y")},
            code="payment_date_invalid",
        )
    owed_account = provider_account(contract.provider_id, contract.region_id)
    owed = Account.objects.select_for_update().get(pk=owed_account.pk).balance
    ledger._check_amount(amount)
    if amount > owed and not (advance and contract.advances):
        raise Conflict(
            _("The payment is more than the provider is owed (%(owed)s); an advance needs a contract that allows it.")
            % {"owed": format_money(owed)},
            code="payment_exceeds_debt",
            details={"owed": owed},
        )
    if contract.ceiling is not None:
        paid = sum(Payment.objects.filter(contract=contract).values_list("transfer__amount", flat=True))
        if paid + amount > contract.ceiling:
            raise Conflict(_("The payment would exceed the contract's ceiling."), code="contract_ceiling")
    move = ledger.transfer(
        tid=tid,
        kind=TransferKind.PAYMENT,
        debit=owed_account,
        credit=payout_account(contract.region_id),
        amount=amount,
        actor=actor,
        memo=_("Payment order %(document)s, contract № %(number)s")
        % {"document": document.strip(), "number": contract.number},
    )
    return Payment.objects.create(
        transfer=move, contract=contract, document=document.strip()[:60], paid_on=paid_on, is_advance=amount > owed
    )
