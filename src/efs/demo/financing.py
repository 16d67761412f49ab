"""The demo region's money, made through the real services: the year's fund in two
tranches, certificate rules (teachers, managers; tracked-only for students), issued
certificates and contracts with the licensed providers the region's educators use."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from efs.financing import services
from efs.financing.models import Ledger
from efs.people.models import Organization, Region, User

TRANCHES = [
    (40_000_000_00, "Первый транш регионального бюджета"),
    (35_000_000_00, "Второй транш регионального бюджета"),
]
RULES = [
    ("teacher", 15_000_00, Ledger.RUB, 3),
    ("manager", 20_000_00, Ledger.RUB, 3),
    ("student", 10_000_00, Ledger.TRACK, 1),
]


def create_demo_financing(region: Region) -> dict:
    operator = User.objects.get(username="regional")
    today = timezone.localdate()
    year = today.year
    for n, (amount, memo) in enumerate(TRANCHES, start=1):
        services.fund_top_up(
            actor=operator,
            region=region,
            year=year,
            amount=amount,
            tid=f"demo-fund-{region.code}-{year}-{n}",
            memo=memo,
            document=f"{n * 117}-р",
            document_date=dt.date(year, 1, 10 * n),
        )
    issued = 0
    for category, nominal, ledger_, every in RULES:
        services.rule_set(
            actor=operator,
            region=region,
            year=year,
            category=category,
            nominal=nominal,
            ledger_=ledger_,
            every_years=every,
            prorate=False,
        )
        issued += services.certificates_issue(actor=operator, region=region, year=year, category=category).issued
    providers = (
        Organization.objects.filter(licensed_for_dpo=True)
        .filter(programs__status="published")
        .distinct()
        .order_by("region__code", "name")
    )
    for n, provider in enumerate(providers, start=1):
        services.contract_create(
            actor=operator,
            region=region,
            provider=provider,
            number=f"ПФ-{year}/{n:02d}",
            signed_on=dt.date(year, 1, 9),
            valid_from=dt.date(year, 1, 9),
            valid_to=dt.date(year + 1, 12, 31),
        )
    return {"certificates": issued, "contracts": providers.count()}
