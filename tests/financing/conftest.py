"""A region with a funded year, certificates, a provider with a contract and a priced cohort."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.financing import services
from tests.catalog.conftest import card, depot, publish  # noqa: F401  (fixture)

NOMINAL = 3_000_000  # 30 000 ₽
PRICE = 1_800_000  # 18 000 ₽


@pytest.fixture
def money(depot):  # noqa: F811
    world = depot["world"]
    regional = world.users["regional"]
    year = timezone.localdate().year
    services.fund_top_up(
        actor=regional,
        region=world.r1,
        year=year,
        amount=20_000_000,
        tid="fund-1",
        document="ПП-1",
        document_date=dt.date(2026, 1, 15),
    )
    services.rule_set(actor=regional, region=world.r1, year=year, category="teacher", nominal=NOMINAL, prorate=False)
    services.certificates_issue(actor=regional, region=world.r1, year=year, category="teacher")
    program = publish(depot, card(code="F-PAID", price=PRICE), start_in_days=20)
    today = timezone.localdate()
    contract = services.contract_create(
        actor=regional,
        region=world.r1,
        provider=depot["provider"],
        number="ДПО-7/26",
        signed_on=today - dt.timedelta(days=30),
        valid_from=today - dt.timedelta(days=30),
        valid_to=today + dt.timedelta(days=365),
    )
    return {
        "world": world,
        "depot": depot,
        "year": year,
        "program": program,
        "cohort": program.cohorts.get(),
        "contract": contract,
        "provider_user": depot["staff"],
        "regional": regional,
    }
