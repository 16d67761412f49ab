"""Financing endpoints. Every money movement is idempotent by its transfer or request id:
repeating a request with the same id returns the first result and moves nothing again."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from efs.catalog.models import Cohort
from efs.errors import NotFound, ValidationFailed
from efs.http import AuthedRequest
from efs.limits import (
    Comment,
    Day,
    Id,
    Kopecks,
    Limit,
    NominalKopecks,
    Offset,
    RegionCode,
    RequestId,
    Year,
)
from efs.people import access
from efs.people.models import Organization, Region, Role
from efs.people.public import api_auth

from . import queries, services
from .access import contract_actions, enrollment_actions, fund_actions, rule_actions
from .models import Contract, EnrollmentStatus

router = Router(tags=["financing"])

StatusFilter = Literal["", "requested", "accepted", "declined", "cancelled", "expired", "completed", "not_completed"]


class AccountOut(Schema):
    id: int
    kind: str
    ledger: str
    region: str | None
    year: int | None
    balance_kopecks: int
    held_kopecks: int
    available_kopecks: int


class TransferOut(Schema):
    id: str = Field(description="the client's transfer id")
    number: int
    kind: str
    debit: int
    credit: int
    amount_kopecks: int
    pending: bool
    resolves: int | None
    expires_at: dt.datetime | None
    created_at: dt.datetime
    memo: str


class EnrollmentOut(Schema):
    id: int
    request_id: str
    educator: int
    cohort: int
    program: int
    provider: int
    status: str
    price_kopecks: int
    from_certificate_kopecks: int
    copay_kopecks: int
    copay_payer: str
    hold: str | None
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    finished_at: dt.datetime | None
    comment: str


class EnrollmentActionsOut(Schema):
    """What the caller may do with the enrollment now (efs.financing.access.enrollment_actions, the
    same answer the enrollment page draws its buttons from); each action is checked again."""

    can_cancel: bool  # action "cancel": the educator, an open enrollment, before the cohort starts
    can_accept: bool  # action "accept": the provider's staff, a request
    can_decline: bool  # action "decline": the provider's staff, an open enrollment
    can_complete: bool  # actions "completed"/"not_completed": the provider, accepted, cohort started
    own: bool  # the caller is the enrolled educator
    provider: bool  # the caller is on the staff of the enrollment's provider


class EnrollmentDetailOut(EnrollmentOut):
    actions: EnrollmentActionsOut


class FinancingMeOut(Schema):
    certificates: list[AccountOut]
    enrollments: list[EnrollmentOut]
    history: list[TransferOut]


class AccountHistoryOut(AccountOut):
    history: list[TransferOut]


class RuleActionsOut(Schema):
    """What the caller may do with the rule now (efs.financing.access.rule_actions, the answer the
    region's page draws its buttons from); the service checks it again."""

    can_issue: bool  # POST /certificates/issue: the region's financier, a certificate still worth something


class RuleOut(Schema):
    region: str
    year: int
    category: str
    nominal_kopecks: int
    ledger: str
    every_years: int
    prorate: bool
    carry_over: bool
    actions: RuleActionsOut


class IssueOut(Schema):
    issued: int
    amount_kopecks: int
    already: int
    not_yet_due: int


class ContractActionsOut(Schema):
    """What the caller may do with the contract now (efs.financing.access.contract_actions, the
    answer the region's page draws its buttons from); the service checks it again."""

    can_pay: bool  # POST /payments: the region's financier, signed, something owed or advances, ceiling not reached


class ContractOut(Schema):
    id: int
    number: str
    provider: int
    region: str
    actions: ContractActionsOut


class PaymentOut(Schema):
    transfer: str
    amount_kopecks: int
    document: str
    advance: bool


class StatementLineOut(Schema):
    date: dt.date
    educator: str
    program: str
    kind: str
    amount_kopecks: int


class StatementPaymentOut(Schema):
    document: str
    paid_on: dt.date
    amount_kopecks: int
    advance: bool


class StatementOut(Schema):
    provider: int
    region: str
    month: str
    opening_kopecks: int
    rendered_kopecks: int
    paid_kopecks: int
    closing_kopecks: int
    contract: str | None
    lines: list[StatementLineOut]
    payments: list[StatementPaymentOut]


class FundActionsOut(Schema):
    """What the caller may do with the region's fund of the year now (efs.financing.access.fund_actions,
    the answer the region's page draws its forms from); each action is checked again."""

    can_top_up: bool  # POST /funds/top-up: the region's financier, the current, previous or next year
    can_set_rule: bool  # PUT /rules: the same
    can_register_contract: bool  # POST /contracts: the region's financier
    can_close_year: bool  # the year close (on the region's page): the region's financier, a year that is over


class OverviewOut(Schema):
    region: str
    year: int
    topped_up_kopecks: int
    issued_kopecks: int
    fund_available_kopecks: int
    certificates: int
    certificates_used: int
    held_kopecks: int
    rendered_kopecks: int
    paid_kopecks: int
    owed_kopecks: int
    months: list[dict[str, Any]]
    actions: FundActionsOut


class SummaryRowOut(Schema):
    region: str
    topped_up_kopecks: int
    issued_kopecks: int
    certificates: int
    held_kopecks: int
    rendered_kopecks: int
    paid_kopecks: int


def _account_out(account) -> dict:
    return {
        "id": account.pk,
        "kind": account.kind,
        "ledger": account.ledger,
        "region": account.region.code if account.region_id else None,
        "year": account.year,
        "balance_kopecks": account.balance,
        "held_kopecks": account.held,
        "available_kopecks": account.available,
    }


def _transfer_out(t) -> dict:
    return {
        "id": t.tid,
        "number": t.pk,
        "kind": t.kind,
        "debit": t.debit_id,
        "credit": t.credit_id,
        "amount_kopecks": t.amount,
        "pending": t.is_pending,
        "resolves": t.pending_id,
        "expires_at": t.expires_at,
        "created_at": t.created_at,
        "memo": t.memo,
    }


def _enrollment_out(e) -> dict:
    return {
        "id": e.pk,
        "request_id": e.request_id,
        "educator": e.educator_id,
        "cohort": e.cohort_id,
        "program": e.cohort.program_id,
        "provider": e.provider_id,
        "status": e.status,
        "price_kopecks": e.price,
        "from_certificate_kopecks": e.certificate_amount,
        "copay_kopecks": e.copay_amount,
        "copay_payer": e.copay_payer,
        "hold": e.hold.tid if e.hold_id else None,
        "requested_at": e.requested_at,
        "decided_at": e.decided_at,
        "finished_at": e.finished_at,
        "comment": e.comment,
    }


@router.get(
    "/me", response=FinancingMeOut, summary="My certificates, enrollments and the movements of this year's certificate"
)
def me(request: AuthedRequest):
    certificates = list(queries.my_certificates(request.user))
    current = next((c for c in certificates if c.year == timezone.localdate().year), None)
    return {
        "certificates": [_account_out(c) for c in certificates],
        "enrollments": [_enrollment_out(e) for e in queries.my_enrollments(request.user)[:100]],
        "history": [_transfer_out(t) for t in queries.history(current, limit=100)] if current else [],
    }


class EnrollIn(Schema):
    request_id: RequestId
    cohort: Id
    copay_payer: Literal["", "school", "educator"] = ""


@router.post(
    "/enrollments",
    response={201: EnrollmentOut},
    summary="Ask for a seat; the certificate's part is held (idempotent by request_id)",
)
def enroll(request: AuthedRequest, body: EnrollIn):
    educator = access.own_educator(request.user)
    if educator is None:
        raise NotFound(_("Your login is not linked to an educator record."))
    cohort = Cohort.objects.filter(pk=body.cohort).first()
    if cohort is None:
        raise NotFound(_("Not found, or you have no access to it."))
    enrollment = services.enrollment_request(
        actor=request.user, educator=educator, cohort=cohort, request_id=body.request_id, copay_payer=body.copay_payer
    )
    return Status(201, _enrollment_out(queries.enrollment(request.user, enrollment.pk)))


@router.get(
    "/enrollments",
    response=list[EnrollmentOut],
    summary="Enrollments I may see (mine, my school's, my provider's…), newest first",
)
def enrollments(request: AuthedRequest, status: StatusFilter = "", offset: Offset = 0, limit: Limit = 100):
    qs = queries.enrollments_visible(request.user).order_by("-requested_at", "-pk")
    if status in EnrollmentStatus.values:
        qs = qs.filter(status=status)
    offset, limit = max(0, offset), max(1, min(limit, 500))
    return [_enrollment_out(e) for e in qs[offset : offset + limit]]


def _enrollment_detail(user, e) -> dict:
    return {**_enrollment_out(e), "actions": enrollment_actions(user, e)}


@router.get(
    "/enrollments/{int:enrollment_id}",
    response=EnrollmentDetailOut,
    summary="One enrollment, with what the caller may do with it",
)
def enrollment(request: AuthedRequest, enrollment_id: Id):
    return _enrollment_detail(request.user, queries.enrollment(request.user, enrollment_id))


class EnrollmentActionIn(Schema):
    action: Literal["accept", "decline", "cancel", "completed", "not_completed"]
    comment: Comment = ""


@router.post(
    "/enrollments/{int:enrollment_id}/actions",
    response=EnrollmentDetailOut,
    summary="Accept, decline, cancel, or record the outcome (repeatable)",
)
def enrollment_action(request: AuthedRequest, enrollment_id: Id, body: EnrollmentActionIn):
    obj = queries.enrollment(request.user, enrollment_id)
    if body.action == "accept":
        services.enrollment_accept(actor=request.user, enrollment=obj)
    elif body.action == "decline":
        services.enrollment_decline(actor=request.user, enrollment=obj, comment=body.comment)
    elif body.action == "cancel":
        services.enrollment_cancel(actor=request.user, enrollment=obj, comment=body.comment)
    elif body.action in ("completed", "not_completed"):
        services.enrollment_complete(
            actor=request.user, enrollment=obj, completed=body.action == "completed", comment=body.comment
        )
    else:
        raise ValidationFailed(_("Unknown action."), code="action_unknown")
    return _enrollment_detail(request.user, queries.enrollment(request.user, enrollment_id))


@router.get(
    "/accounts/{int:account_id}",
    response=AccountHistoryOut,
    summary="An account I may see, with its latest 200 movements",
)
def account(request: AuthedRequest, account_id: Id):
    acc = queries.account(request.user, account_id)
    return _account_out(acc) | {"history": [_transfer_out(t) for t in queries.history(acc)]}


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound(_("Region not found."), code="region_not_found")
    return region


class TopUpIn(Schema):
    transfer_id: RequestId
    region: RegionCode
    year: Year
    amount_kopecks: Kopecks
    document: str = Field(max_length=60, description="number of the document the money came by")
    document_date: dt.date


@router.post(
    "/funds/top-up",
    response={201: TransferOut},
    auth=api_auth(*services.FINANCIERS),
    summary="Put money into the regional fund of a year (idempotent by transfer_id)",
)
def top_up(request: AuthedRequest, body: TopUpIn):
    move = services.fund_top_up(
        actor=request.user,
        region=_region(body.region),
        year=body.year,
        amount=body.amount_kopecks,
        tid=body.transfer_id,
        document=body.document,
        document_date=body.document_date,
    )
    return Status(201, _transfer_out(move))


class RuleIn(Schema):
    region: RegionCode
    year: Year
    category: Literal["teacher", "manager", "student"]
    nominal_kopecks: NominalKopecks
    ledger: Literal["rub", "track"] = "rub"
    every_years: int = Field(1, ge=1, le=5)
    prorate: bool = True
    carry_over: bool = False


@router.put(
    "/rules",
    response=RuleOut,
    auth=api_auth(*services.FINANCIERS),
    summary="Set the certificate rule of a region, year and category",
)
def rule(request: AuthedRequest, body: RuleIn):
    saved = services.rule_set(
        actor=request.user,
        region=_region(body.region),
        year=body.year,
        category=body.category,
        nominal=body.nominal_kopecks,
        ledger_=body.ledger,
        every_years=body.every_years,
        prorate=body.prorate,
        carry_over=body.carry_over,
    )
    return {
        "region": body.region,
        "year": saved.year,
        "category": saved.category,
        "nominal_kopecks": saved.nominal,
        "ledger": saved.ledger,
        "every_years": saved.every_years,
        "prorate": saved.prorate,
        "carry_over": saved.carry_over,
        "actions": rule_actions(request.user, saved),
    }


class IssueIn(Schema):
    region: RegionCode
    year: Year
    category: Literal["teacher", "manager", "student"]


@router.post(
    "/certificates/issue",
    response=IssueOut,
    auth=api_auth(*services.FINANCIERS),
    summary="Issue the year's certificates of a category (all or none; a rerun issues only the missing)",
)
def issue(request: AuthedRequest, body: IssueIn):
    result = services.certificates_issue(
        actor=request.user, region=_region(body.region), year=body.year, category=body.category
    )
    return {
        "issued": result.issued,
        "amount_kopecks": result.amount,
        "already": result.already,
        "not_yet_due": result.not_yet_due,
    }


class ContractIn(Schema):
    region: RegionCode
    provider: Id
    number: str = Field(min_length=1, max_length=60)
    signed_on: Day
    valid_from: Day
    valid_to: Day
    ceiling_kopecks: Kopecks | None = None
    advances: bool = False


@router.post(
    "/contracts",
    response={201: ContractOut},
    auth=api_auth(*services.FINANCIERS),
    summary="Register a contract between the region and a provider",
)
def contract_create(request: AuthedRequest, body: ContractIn):
    provider = Organization.objects.filter(pk=body.provider).first()
    if provider is None:
        raise NotFound(_("Not found, or you have no access to it."))
    made = services.contract_create(
        actor=request.user,
        region=_region(body.region),
        provider=provider,
        number=body.number,
        signed_on=body.signed_on,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        ceiling=body.ceiling_kopecks,
        advances=body.advances,
    )
    actions = contract_actions(
        request.user, made, owed=queries.contract_owed(made), paid=queries.paid_by_contract([made.pk]).get(made.pk, 0)
    )
    return Status(
        201,
        {"id": made.pk, "number": made.number, "provider": made.provider_id, "region": body.region, "actions": actions},
    )


class PaymentIn(Schema):
    transfer_id: RequestId
    contract: Id
    amount_kopecks: Kopecks
    document: str = Field(min_length=1, max_length=60)
    paid_on: Day
    advance: bool = False


@router.post(
    "/payments",
    response={201: PaymentOut},
    auth=api_auth(*services.FINANCIERS),
    summary="Register a payment to a provider (idempotent by transfer_id)",
)
def payment(request: AuthedRequest, body: PaymentIn):
    access.require_role(request.user, services.FINANCIERS)
    found = (
        Contract.objects.filter(pk=body.contract, region__in=queries.financier_regions(request.user))
        .select_related("region")
        .first()
    )
    if found is None:
        raise NotFound(_("Not found, or you have no access to it."))
    made = services.payment_register(
        actor=request.user,
        contract=found,
        amount=body.amount_kopecks,
        tid=body.transfer_id,
        document=body.document,
        paid_on=body.paid_on,
        advance=body.advance,
    )
    return Status(
        201,
        {
            "transfer": made.transfer.tid,
            "amount_kopecks": made.transfer.amount,
            "document": made.document,
            "advance": made.is_advance,
        },
    )


@router.get(
    "/statements", response=StatementOut, summary="A provider's monthly statement to a paying region (month: YYYY-MM)"
)
def statement(
    request: AuthedRequest, provider: Id, region: RegionCode, month: str = Query(..., pattern=r"^[0-9]{4}-[0-9]{2}$")
):
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValidationFailed(_("The month is written as YYYY-MM."), code="month_invalid") from None
    paying = _region(region)
    grants = access.grants(request.user)
    if not any(
        g.role == Role.PROVIDER and g.organization_id == provider for g in grants
    ) and not access.may_act_on_region(request.user, paying.pk, roles=services.FINANCIERS):
        access.require_role(request.user, [Role.PROVIDER, *services.FINANCIERS])
        raise NotFound(_("Not found, or you have no access to it."))
    org = Organization.objects.filter(pk=provider).first()
    if org is None:
        raise NotFound(_("Not found, or you have no access to it."))
    st = queries.statement(org, paying, first)
    return {
        "provider": org.pk,
        "region": paying.code,
        "month": month,
        "opening_kopecks": st.opening,
        "rendered_kopecks": st.rendered,
        "paid_kopecks": st.paid,
        "closing_kopecks": st.closing,
        "contract": st.contract.number if st.contract else None,
        "lines": [
            {
                "date": line.date,
                "educator": line.educator,
                "program": line.program,
                "kind": line.kind,
                "amount_kopecks": line.amount,
            }
            for line in st.lines
        ],
        "payments": [
            {"document": p.document, "paid_on": p.paid_on, "amount_kopecks": p.transfer.amount, "advance": p.is_advance}
            for p in st.payments
        ],
    }


@router.get(
    "/regions/{code}/overview",
    response=OverviewOut,
    auth=api_auth(*services.FINANCIERS),
    summary="The fund of a year: in, issued, held, spent, paid, owed, by month",
)
def overview(request: AuthedRequest, code: RegionCode, year: Year | None = None):
    access.require_role(request.user, services.FINANCIERS)
    region = queries.financier_regions(request.user).filter(code=code).first()
    if region is None:
        raise NotFound(_("Not found, or you have no access to it."))
    o = queries.overview(region, year or timezone.localdate().year)
    return {
        "region": code,
        "year": o.year,
        "topped_up_kopecks": o.topped_up,
        "issued_kopecks": o.issued,
        "fund_available_kopecks": o.fund_available,
        "certificates": o.certificates,
        "certificates_used": o.certificates_used,
        "held_kopecks": o.held,
        "rendered_kopecks": o.rendered,
        "paid_kopecks": o.paid,
        "owed_kopecks": o.owed,
        "months": o.months,
        "actions": fund_actions(request.user, region, o.year),
    }


@router.get(
    "/summary",
    response=list[SummaryRowOut],
    auth=api_auth(Role.FEDERAL_OPERATOR),
    summary="Every region's fund of a year (federal operator)",
)
def summary(request: AuthedRequest, year: Year | None = None):
    access.require_role(request.user, [Role.FEDERAL_OPERATOR])
    return [
        {
            "region": r.region.code,
            "topped_up_kopecks": r.topped_up,
            "issued_kopecks": r.issued,
            "certificates": r.certificates,
            "held_kopecks": r.held,
            "rendered_kopecks": r.rendered,
            "paid_kopecks": r.paid,
        }
        for r in queries.federal_summary(year or timezone.localdate().year)
    ]
