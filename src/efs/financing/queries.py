"""Reads of the financing app. People's money (certificates, enrollments) goes through the
scoping mechanism; region totals are aggregates of the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from efs.people import access
from efs.people.models import Organization, Region, Role

from .models import (
    Account,
    AccountKind,
    Contract,
    Enrollment,
    Ledger,
    Payment,
    Transfer,
    TransferKind,
)


def my_certificates(user) -> QuerySet[Account]:
    return access.scoped(Account.objects.filter(kind=AccountKind.CERTIFICATE), user, roles=[Role.TEACHER]).order_by(
        "-year", "ledger"
    )


def account(user, pk: int) -> Account:
    return access.get_scoped(Account.objects.select_related("region", "educator", "organization"), user, pk=pk)


def history(account: Account, limit: int = 200) -> list[Transfer]:
    """The transfers of an account the caller was allowed to see (see `account`)."""
    return list(
        Transfer.objects.filter(Q(debit=account) | Q(credit=account))
        .select_related("enrollment__cohort__program", "resolution")
        .order_by("-created_at", "-pk")[:limit]
    )


def enrollments_visible(user, roles=None) -> QuerySet[Enrollment]:
    return access.scoped(
        Enrollment.objects.select_related(
            "educator", "cohort__program", "cohort__municipality", "provider", "hold__resolution", "certificate"
        ),
        user,
        roles=roles,
    )


def my_enrollments(user) -> QuerySet[Enrollment]:
    return enrollments_visible(user, roles=[Role.TEACHER]).order_by("-requested_at")


def provider_enrollments(user, statuses) -> QuerySet[Enrollment]:
    return (
        enrollments_visible(user, roles=[Role.PROVIDER])
        .filter(status__in=statuses)
        .order_by("cohort__start_date", "educator__last_name")
    )


def enrollment(user, pk: int) -> Enrollment:
    return access.get_scoped(
        Enrollment.objects.select_related(
            "educator__organization",
            "cohort__program__provider",
            "cohort__municipality",
            "provider",
            "hold__resolution",
            "certificate",
        ),
        user,
        pk=pk,
    )


def provider_organizations(user) -> list[Organization]:
    ids = [g.organization_id for g in access.grants(user) if g.role == Role.PROVIDER and g.organization_id]
    return list(Organization.objects.filter(pk__in=ids))


def financier_regions(user) -> QuerySet[Region]:
    return access.region_reach(user, roles=(Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR)).regions()


def region_with_money(regions: QuerySet[Region]) -> Region | None:
    """The first of `regions` that has a fund (the federal operator's default), else the first."""
    funded = regions.filter(pk__in=Account.objects.filter(kind=AccountKind.FUND).values("region_id"))
    return funded.first() or regions.first()


# ---------------------------------------------------------------- region overview


@dataclass
class Overview:
    region: Region
    year: int
    topped_up: int = 0
    issued: int = 0
    fund_available: int = 0
    certificates: int = 0
    certificates_used: int = 0
    held: int = 0
    rendered: int = 0
    paid: int = 0
    owed: int = 0
    swept: int = 0
    tracked_issued: int = 0
    months: list[dict] = field(default_factory=list)

    @property
    def used_share(self) -> float:
        return self.certificates_used / self.certificates if self.certificates else 0.0


def _sum(qs) -> int:
    return qs.aggregate(total=Sum("amount"))["total"] or 0


# The fund's figures, each owned by one query below and shared by every page that shows it
# (the fund page, the regional home, the federal summary, the API):
# - topped up: what the regional budget put into the fund of the year, less reversed top-ups;
# - issued: what went from the fund onto certificates;
# - held: certificate money reserved by enrollments not yet completed;
# - spent (rendered): certificate money posted to providers for completed courses;
# - paid: what the region paid providers (money out of the region, by payment orders).
# A region-wide plan's «planned cost» is none of these: it is what the proposed routes
# would cost if everybody enrolled (`routes.regional`).


def _by_region(qs, region_field: str) -> dict[int, int]:
    return {
        region: total or 0 for region, total in qs.values_list(region_field).annotate(total=Sum("amount")).order_by()
    }


def _funds(year: int, region_ids: list[int] | None) -> QuerySet[Account]:
    funds = Account.objects.filter(kind=AccountKind.FUND, ledger=Ledger.RUB, year=year)
    return funds if region_ids is None else funds.filter(region_id__in=region_ids)


def _certificates(year: int, region_ids: list[int] | None) -> QuerySet[Account]:
    certificates = Account.objects.filter(kind=AccountKind.CERTIFICATE, ledger=Ledger.RUB, year=year)
    return certificates if region_ids is None else certificates.filter(region_id__in=region_ids)


def topped_up_by_region(year: int, region_ids: list[int] | None = None) -> dict[int, int]:
    funds = _funds(year, region_ids)
    came = _by_region(Transfer.objects.filter(credit__in=funds, kind=TransferKind.TOP_UP), "credit__region")
    reversed_ = _by_region(Transfer.objects.filter(debit__in=funds, kind=TransferKind.TOP_UP), "debit__region")
    return {region: came.get(region, 0) - reversed_.get(region, 0) for region in set(came) | set(reversed_)}


def issued_by_region(year: int, region_ids: list[int] | None = None) -> dict[int, int]:
    return _by_region(
        Transfer.objects.filter(debit__in=_funds(year, region_ids), kind=TransferKind.ISSUE), "debit__region"
    )


def held_by_region(year: int, region_ids: list[int] | None = None) -> dict[int, int]:
    rows = _certificates(year, region_ids).values_list("region").annotate(total=Sum("debits_pending")).order_by()
    return {region: total or 0 for region, total in rows}


def spent_by_region(year: int, region_ids: list[int] | None = None) -> dict[int, int]:
    return _by_region(
        Transfer.objects.filter(debit__in=_certificates(year, region_ids), kind=TransferKind.POST), "debit__region"
    )


def paid_by_region(year: int, region_ids: list[int] | None = None) -> dict[int, int]:
    payments = Transfer.objects.filter(kind=TransferKind.PAYMENT, created_at__year=year)
    if region_ids is not None:
        payments = payments.filter(debit__region_id__in=region_ids)
    return _by_region(payments, "debit__region")


def certificates_by_region(year: int, region_ids: list[int] | None = None) -> dict[int, int]:
    return dict(_certificates(year, region_ids).values_list("region").annotate(n=Count("id")).order_by())


def available_by_region(year: int, region_ids: list[int] | None = None) -> dict[int, int]:
    """What is left in each region's fund of the year (its `available`: balance less holds)."""
    rows = (
        _funds(year, region_ids)
        .values_list("region")
        .annotate(total=Sum(F("credits_posted") - F("debits_posted") - F("debits_pending")))
        .order_by()
    )
    return {region: total or 0 for region, total in rows}


def owed_by_region(region_ids: list[int] | None = None) -> dict[int, int]:
    """What each region owes its providers: the balances of its provider accounts, all years."""
    accounts = Account.objects.filter(kind=AccountKind.PROVIDER, ledger=Ledger.RUB)
    if region_ids is not None:
        accounts = accounts.filter(region_id__in=region_ids)
    rows = accounts.values_list("region").annotate(total=Sum(F("credits_posted") - F("debits_posted"))).order_by()
    return {region: total or 0 for region, total in rows}


FUND_FIGURES = ("topped_up", "available", "certificates", "held", "spent", "owed")


def fund_figures_by_region(year: int) -> dict[str, dict[int, int]]:
    """The figures of the regional operator's fund card for every region, by the rules of
    `overview` (the fund page): {figure: {region id: kopecks or a count}}."""
    return {
        "topped_up": topped_up_by_region(year),
        "available": available_by_region(year),
        "certificates": certificates_by_region(year),
        "held": held_by_region(year),
        "spent": spent_by_region(year),
        "owed": owed_by_region(),
    }


def reversal_tid(top_up: Transfer | int) -> str:
    """The id of the transfer that reverses a top-up: one correction per top-up."""
    return f"storno:{top_up if isinstance(top_up, int) else top_up.pk}"


@dataclass(frozen=True)
class TopUpRow:
    transfer: Transfer
    is_reversal: bool  # money sent back to the source to correct a mistaken top-up
    reversed: bool  # a top-up that has been corrected


def top_ups(region: Region, year: int) -> list[TopUpRow]:
    """The fund's top-ups of a year and their reversals, newest first."""
    fund = Account.objects.filter(kind=AccountKind.FUND, ledger=Ledger.RUB, region=region, year=year).first()
    if fund is None:
        return []
    rows = list(
        Transfer.objects.filter(kind=TransferKind.TOP_UP)
        .filter(Q(credit=fund) | Q(debit=fund))
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:200]
    )
    corrections = {t.tid for t in rows if t.debit_id == fund.pk}
    return [TopUpRow(t, t.debit_id == fund.pk, reversal_tid(t) in corrections) for t in rows]


def overview(region: Region, year: int) -> Overview:
    """The fund of a year: what came in, what went to certificates, what is held, spent and paid."""
    result = Overview(region=region, year=year)
    fund = Account.objects.filter(kind=AccountKind.FUND, ledger=Ledger.RUB, region=region, year=year).first()
    certificates = _certificates(year, [region.pk])
    one = [region.pk]
    result.topped_up = topped_up_by_region(year, one).get(region.pk, 0)
    result.issued = issued_by_region(year, one).get(region.pk, 0)
    result.held = held_by_region(year, one).get(region.pk, 0)
    result.rendered = spent_by_region(year, one).get(region.pk, 0)
    result.paid = paid_by_region(year, one).get(region.pk, 0)
    result.certificates = certificates_by_region(year, one).get(region.pk, 0)
    if fund is not None:
        result.swept = _sum(Transfer.objects.filter(credit=fund, kind=TransferKind.SWEEP))
        result.fund_available = fund.available
    result.certificates_used = (
        Enrollment.objects.filter(certificate__in=certificates).values("certificate").distinct().count()
    )
    result.owed = owed_by_region(one).get(region.pk, 0)
    result.tracked_issued = _sum(
        Transfer.objects.filter(kind=TransferKind.ISSUE, ledger=Ledger.TRACK, credit__region=region, credit__year=year)
    )
    result.months = burn_down(fund, certificates, year) if fund else []
    return result


def burn_down(fund: Account, certificates: QuerySet[Account], year: int) -> list[dict]:
    """Month by month: money in the fund, on certificates (not yet spent) and spent, at the month's end."""
    by_month: dict[dt.date, dict[str, int]] = {}

    def add(rows, key, sign=1):
        for row in rows:
            month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
            by_month.setdefault(month, {"in": 0, "issued": 0, "spent": 0, "back": 0})[key] += sign * (row["total"] or 0)

    def monthly(qs):
        return (
            qs.annotate(month=TruncMonth("created_at")).values("month").annotate(total=Sum("amount")).order_by("month")
        )

    add(monthly(Transfer.objects.filter(credit=fund, kind=TransferKind.TOP_UP)), "in")
    add(monthly(Transfer.objects.filter(debit=fund, kind=TransferKind.TOP_UP)), "in", -1)
    add(monthly(Transfer.objects.filter(debit=fund, kind=TransferKind.ISSUE)), "issued")
    add(monthly(Transfer.objects.filter(credit=fund, kind=TransferKind.SWEEP)), "back")
    add(monthly(Transfer.objects.filter(debit__in=certificates, kind=TransferKind.POST)), "spent")
    today = timezone.localdate()
    last = 12 if year < today.year else today.month if year == today.year else 0
    rows, fund_level, on_certificates, spent = [], 0, 0, 0
    first = min(by_month, default=None)
    for month_number in range(
        first.month if first and first.year == year else 1, last + 1
    ):  # from the first movement on
        month = dt.date(year, month_number, 1)
        change = by_month.get(month, {"in": 0, "issued": 0, "spent": 0, "back": 0})
        fund_level += change["in"] - change["issued"] + change["back"]
        on_certificates += change["issued"] - change["spent"] - change["back"]
        spent += change["spent"]
        rows.append({"month": month, "fund": fund_level, "certificates": on_certificates, "spent": spent})
    return rows


@dataclass(frozen=True)
class PayableRow:
    account: Account
    provider: Organization
    rendered: int
    paid: int
    owed: int
    held: int
    contract: Contract | None


def payables(region: Region) -> list[PayableRow]:
    """What the region owes each provider (its own and other regions' providers)."""
    today = timezone.localdate()
    rows = []
    accounts = Account.objects.filter(kind=AccountKind.PROVIDER, ledger=Ledger.RUB, region=region).select_related(
        "organization__region"
    )
    contracts = {
        c.provider_id: c
        for c in Contract.objects.filter(region=region, valid_from__lte=today, valid_to__gte=today).order_by("valid_to")
    }
    for acc in accounts:
        assert acc.organization is not None  # a provider account is its organization's (provider_account)
        rendered = _sum(Transfer.objects.filter(credit=acc, kind__in=[TransferKind.POST, TransferKind.COPAY]))
        paid = _sum(Transfer.objects.filter(debit=acc, kind=TransferKind.PAYMENT))
        rows.append(
            PayableRow(
                account=acc,
                provider=acc.organization,
                rendered=rendered,
                paid=paid,
                owed=acc.balance,
                held=acc.credits_pending,
                contract=contracts.get(acc.organization.pk),
            )
        )
    rows.sort(key=lambda r: (-r.owed, r.provider.name))
    return rows


def paid_by_contract(contract_ids: list[int]) -> dict[int, int]:
    """What is paid under each contract (for its ceiling)."""
    rows = (
        Payment.objects.filter(contract_id__in=contract_ids)
        .values("contract_id")
        .annotate(total=Sum("transfer__amount"))
        .values_list("contract_id", "total")
    )
    return {contract_id: total or 0 for contract_id, total in rows}


def contract_owed(contract: Contract) -> int:
    """What the contract's region owes its provider now (the provider's account in the region)."""
    balance = (
        Account.objects.filter(
            kind=AccountKind.PROVIDER,
            ledger=Ledger.RUB,
            region_id=contract.region_id,
            organization_id=contract.provider_id,
        )
        .values_list("credits_posted", "debits_posted")
        .first()
    )
    return balance[0] - balance[1] if balance else 0


# ---------------------------------------------------------------- statements


@dataclass
class StatementLine:
    date: dt.date
    educator: str
    program: str
    cohort: str
    kind: str
    amount: int


@dataclass
class Statement:
    provider: Organization
    region: Region
    month: dt.date
    opening: int
    lines: list[StatementLine]
    rendered: int
    payments: list[Payment]
    paid: int
    closing: int
    contract: Contract | None

    @property
    def month_end(self) -> dt.date:
        return next_month(self.month) - dt.timedelta(days=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def statement(provider: Organization, region: Region, month: dt.date) -> Statement:
    """The monthly statement of a provider to a paying region: opening balance, services
    rendered (posted holds and co-payments), payments, closing balance."""
    month = month.replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(next_month(month), dt.time.min))
    acc = Account.objects.filter(
        kind=AccountKind.PROVIDER, ledger=Ledger.RUB, organization=provider, region=region
    ).first()
    contract = (
        Contract.objects.filter(region=region, provider=provider, valid_from__lt=next_month(month), valid_to__gte=month)
        .order_by("-valid_to")
        .first()
    )
    if acc is None:
        return Statement(provider, region, month, 0, [], 0, [], 0, 0, contract)
    before_in = _sum(
        Transfer.objects.filter(credit=acc, created_at__lt=start)
        .exclude(is_pending=True)
        .exclude(kind__in=[TransferKind.VOID, TransferKind.EXPIRE])
    )
    before_out = _sum(Transfer.objects.filter(debit=acc, created_at__lt=start, kind=TransferKind.PAYMENT))
    opening = before_in - before_out
    rendered = (
        Transfer.objects.filter(
            credit=acc, created_at__gte=start, created_at__lt=end, kind__in=[TransferKind.POST, TransferKind.COPAY]
        )
        .select_related("enrollment__educator", "enrollment__cohort__program")
        .order_by("created_at", "pk")
    )
    lines = [
        StatementLine(
            date=timezone.localdate(t.created_at),
            educator=t.enrollment.educator.full_name if t.enrollment else "",
            program=t.enrollment.cohort.program.title if t.enrollment else t.memo,
            cohort=f"{t.enrollment.cohort.start_date:%d.%m.%Y}–{t.enrollment.cohort.end_date:%d.%m.%Y}"
            if t.enrollment
            else "",
            kind=t.get_kind_display(),
            amount=t.amount,
        )
        for t in rendered
    ]
    payments = list(
        Payment.objects.filter(transfer__debit=acc, transfer__created_at__gte=start, transfer__created_at__lt=end)
        .select_related("transfer", "contract")
        .order_by("paid_on")
    )
    total_rendered = sum(line.amount for line in lines)
    paid = sum(p.transfer.amount for p in payments)
    return Statement(
        provider,
        region,
        month,
        opening,
        lines,
        total_rendered,
        payments,
        paid,
        opening + total_rendered - paid,
        contract,
    )


def statement_months(provider: Organization) -> list[tuple[Region, dt.date]]:
    """(paying region, month) pairs in which the provider has any movement, newest first."""
    accounts = Account.objects.filter(kind=AccountKind.PROVIDER, ledger=Ledger.RUB, organization=provider)
    rows = (
        Transfer.objects.filter(
            Q(credit__in=accounts, kind__in=[TransferKind.POST, TransferKind.COPAY])
            | Q(debit__in=accounts, kind=TransferKind.PAYMENT)
        )
        .annotate(month=TruncMonth("created_at"))
        .values_list("credit__region", "debit__region", "kind", "month")
        .distinct()
    )
    pairs = set()
    for credit_region, debit_region, kind, month in rows:
        region_id = debit_region if kind == TransferKind.PAYMENT else credit_region
        pairs.add((region_id, month.date() if isinstance(month, dt.datetime) else month))
    regions = Region.objects.in_bulk({r for r, _m in pairs})
    return sorted(((regions[r], m) for r, m in pairs), key=lambda pair: (pair[1], pair[0].code), reverse=True)


# ---------------------------------------------------------------- federal summary


@dataclass(frozen=True)
class RegionRow:
    region: Region
    topped_up: int
    issued: int
    held: int
    rendered: int
    paid: int
    certificates: int


def federal_summary(year: int) -> list[RegionRow]:
    """Per region, for regions that have any money in the year's fund (the figures of `overview`)."""
    top, issued, held = topped_up_by_region(year), issued_by_region(year), held_by_region(year)
    spent, paid, count = spent_by_region(year), paid_by_region(year), certificates_by_region(year)
    ids = set(top) | set(issued) | set(count)
    regions = Region.objects.in_bulk(ids)
    rows = [
        RegionRow(
            regions[i],
            top.get(i, 0),
            issued.get(i, 0),
            held.get(i, 0),
            spent.get(i, 0),
            paid.get(i, 0),
            count.get(i, 0),
        )
        for i in ids
    ]
    rows.sort(key=lambda r: (-r.topped_up, r.region.code))
    return rows
