"""One owner of what a user may do with an enrollment (issue 12): ``access.enrollment_actions``.
The enrollment page shows a button exactly when the API's ``actions`` says the action is open,
for every role and state; an action it says is closed is refused by its service, and nothing
changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from efs.catalog.models import Cohort
from efs.errors import DomainError
from efs.financing import queries, services
from efs.financing.access import contract_actions, fund_actions, rule_actions, topup_actions
from efs.financing.models import Account, CertificateRule, Contract, Enrollment, Payment, Transfer

# An action -> the addresses its buttons post to on the enrollment page.
FORMS = {
    "can_cancel": ["cancel"],
    "can_accept": ["accept"],
    "can_decline": ["decline"],
    "can_complete": ["completed", "not-completed"],
}
CALLS = {
    "can_cancel": lambda user, e: services.enrollment_cancel(actor=user, enrollment=e, comment="Передумала"),
    "can_accept": lambda user, e: services.enrollment_accept(actor=user, enrollment=e),
    "can_decline": lambda user, e: services.enrollment_decline(actor=user, enrollment=e, comment="Нет мест"),
    "can_complete": lambda user, e: services.enrollment_complete(actor=user, enrollment=e, completed=True),
}


def _start_cohort(money) -> None:
    today = timezone.localdate()
    Cohort.objects.filter(pk=money["cohort"].pk).update(
        start_date=today - dt.timedelta(days=5), enrollment_deadline=today - dt.timedelta(days=6), end_date=today
    )


def _requested(money) -> Enrollment:
    world = money["world"]
    return services.enrollment_request(
        actor=world.users["teacher"], educator=world.self_educator, cohort=money["cohort"], request_id="act-1"
    )


def _accepted(money) -> Enrollment:
    enrollment = _requested(money)
    services.enrollment_accept(actor=money["provider_user"], enrollment=enrollment)
    return enrollment


def _started(money) -> Enrollment:
    enrollment = _accepted(money)
    _start_cohort(money)
    return enrollment


def _completed(money) -> Enrollment:
    enrollment = _started(money)
    services.enrollment_complete(
        actor=money["provider_user"], enrollment=Enrollment.objects.get(pk=enrollment.pk), completed=True
    )
    return enrollment


def _cancelled(money) -> Enrollment:
    enrollment = _requested(money)
    services.enrollment_cancel(actor=money["world"].users["teacher"], enrollment=enrollment)
    return enrollment


STATES = {
    "requested": _requested,
    "accepted": _accepted,
    "started": _started,
    "completed": _completed,
    "cancelled": _cancelled,
}
EXPECTED = {
    ("requested", "teacher"): {"can_cancel"},
    ("requested", "provider"): {"can_accept", "can_decline"},
    ("requested", "school_head"): set(),
    ("requested", "regional"): set(),
    ("accepted", "teacher"): {"can_cancel"},
    ("accepted", "provider"): {"can_decline"},
    ("started", "teacher"): set(),
    ("started", "provider"): {"can_decline", "can_complete"},
    ("started", "school_head"): set(),
    ("completed", "teacher"): set(),
    ("completed", "provider"): set(),
    ("cancelled", "teacher"): set(),
    ("cancelled", "provider"): set(),
}


# Repeating the action that made the state answers with the enrollment (idempotent), not a refusal.
REPEATS = {
    ("accepted", "provider", "can_accept"),
    ("started", "provider", "can_accept"),
    ("completed", "provider", "can_complete"),
    ("cancelled", "teacher", "can_cancel"),
}


def _client(money, who: str) -> Client:
    if who == "provider":
        client = Client()
        client.force_login(money["provider_user"])
        return client
    return money["world"].client(who)


def _user(money, who: str):
    return money["provider_user"] if who == "provider" else money["world"].users[who]


def _snapshot(enrollment: Enrollment) -> tuple:
    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    return enrollment.status, enrollment.comment, Transfer.objects.count()


@pytest.mark.parametrize(("state", "who"), list(EXPECTED))
def test_the_enrollment_page_and_the_api_offer_the_same_actions_and_the_services_refuse_the_others(
    money, state, who
):
    enrollment = STATES[state](money)
    client = _client(money, who)
    page = client.get(f"/financing/enrollments/{enrollment.pk}/").content.decode()
    actions = client.get(f"/api/financing/enrollments/{enrollment.pk}").json()["actions"]

    assert {key for key in FORMS if actions[key]} == EXPECTED[(state, who)]
    assert actions["own"] is (who == "teacher") and actions["provider"] is (who == "provider")
    for key, addresses in FORMS.items():
        for address in addresses:
            assert (f'"/financing/enrollments/{enrollment.pk}/{address}/"' in page) is actions[key], address

    for key, call in CALLS.items():
        if actions[key]:
            continue
        before = _snapshot(enrollment)
        if (state, who, key) in REPEATS:
            continue
        with pytest.raises(DomainError):
            call(_user(money, who), Enrollment.objects.get(pk=enrollment.pk))
        assert _snapshot(enrollment) == before, key


def test_the_action_endpoint_answers_with_the_actions_left(money):
    enrollment = _requested(money)
    client = _client(money, "provider")
    answer = client.post(
        f"/api/financing/enrollments/{enrollment.pk}/actions", {"action": "accept"}, content_type="application/json"
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "accepted"
    assert answer.json()["actions"] == {
        "can_cancel": False,
        "can_accept": False,
        "can_decline": True,
        "can_complete": False,
        "own": False,
        "provider": True,
    }


# ---------------------------------------------------------------- the region's page (issue 12)
#
# One owner of what the regional financier may do with the region's money: ``fund_actions`` (the
# fund of a year), ``topup_actions``, ``rule_actions`` and ``contract_actions``. The region's page
# shows a form exactly when the API's ``actions`` says the action is open; an action said to be
# closed is refused by its service, and no money moves and nothing else changes.

FINANCIERS = ("regional", "macroregional", "federal")

FUND_FORMS = {
    "can_top_up": 'action="/financing/region/top-up/"',
    "can_set_rule": 'action="/financing/region/rule/"',
    "can_register_contract": 'action="/financing/region/contract/"',
    "can_close_year": 'action="/financing/region/close/"',
}


def _fund_calls(money, year: int):
    region, today = money["world"].r1, timezone.localdate()
    return {
        "can_top_up": lambda user: services.fund_top_up(
            actor=user, region=region, year=year, amount=100, tid="closed-top-up", document="ПП-0", document_date=today
        ),
        "can_set_rule": lambda user: services.rule_set(
            actor=user, region=region, year=year, category="manager", nominal=100
        ),
        "can_register_contract": lambda user: services.contract_create(
            actor=user,
            region=region,
            provider=money["depot"]["provider"],
            number="closed-1",
            signed_on=today,
            valid_from=today,
            valid_to=today,
        ),
        "can_close_year": lambda user: services.year_close(actor=user, region=region, year=year),
    }


def _money_snapshot() -> tuple:
    """Everything a refused action must leave as it was: the ledger, rules, contracts, payments."""
    return (
        list(Account.objects.order_by("pk").values_list("pk", "credits_posted", "debits_posted", "debits_pending")),
        Transfer.objects.count(),
        list(CertificateRule.objects.order_by("pk").values_list("pk", "nominal", "prorate", "carry_over")),
        Contract.objects.count(),
        Payment.objects.count(),
    )


def _top_up(money, tid: str, amount: int) -> Transfer:
    return services.fund_top_up(
        actor=money["regional"],
        region=money["world"].r1,
        year=money["year"],
        amount=amount,
        tid=tid,
        document="ПП-2",
        document_date=timezone.localdate(),
    )


def _this_year(money) -> int:
    return money["year"]


def _owed(money) -> int:
    _completed(money)  # the region owes the provider the course's price
    return money["year"]


def _topped(money) -> int:
    _top_up(money, "small", 500_000)  # the fund still holds it: reversible
    return money["year"]


def _reversed(money) -> int:
    small = _top_up(money, "small", 500_000)
    services.fund_top_up_reverse(actor=money["regional"], top_up=small, reason="ошибка в сумме")
    return money["year"]


def _last_year(money) -> int:
    year = money["year"] - 1
    services.rule_set(actor=money["regional"], region=money["world"].r1, year=year, category="teacher", nominal=100)
    return year  # its pro-rated rule gives nothing any more: nothing to issue


def _long_ago(money) -> int:
    return money["year"] - 2  # no top-up, no rule: only the year's close and contracts


FUND_STATES = {
    "this_year": _this_year,
    "owed": _owed,
    "topped": _topped,
    "reversed": _reversed,
    "last_year": _last_year,
    "long_ago": _long_ago,
}
OPEN_YEAR = {"can_top_up", "can_set_rule", "can_register_contract"}
FUND_EXPECTED = {
    "this_year": OPEN_YEAR,
    "owed": OPEN_YEAR,
    "topped": OPEN_YEAR,
    "reversed": OPEN_YEAR,
    "last_year": OPEN_YEAR | {"can_close_year"},
    "long_ago": {"can_register_contract", "can_close_year"},
}
# The reversible top-ups (by transfer id) and the rules whose certificates may be issued, per state.
TOP_UPS_EXPECTED = {
    "this_year": {"fund-1": False},  # most of it is on certificates already
    "owed": {"fund-1": False},
    "topped": {"fund-1": False, "small": True},
    "reversed": {"fund-1": False, "small": False, "storno": False},
    "last_year": {},
    "long_ago": {},
}
RULES_EXPECTED = {
    "this_year": {"teacher": True},
    "owed": {"teacher": True},
    "topped": {"teacher": True},
    "reversed": {"teacher": True},
    "last_year": {"teacher": False},
    "long_ago": {},
}


def _row_tid(row) -> str:
    return "storno" if row.is_reversal else row.transfer.tid


@pytest.mark.parametrize("who", FINANCIERS)
@pytest.mark.parametrize("state", list(FUND_STATES))
def test_the_region_page_and_the_api_offer_the_same_fund_actions_and_the_services_refuse_the_others(
    money, state, who
):
    world = money["world"]
    region = world.r1
    year = FUND_STATES[state](money)
    user = world.users[who]
    client = world.client(who)
    page = client.get(f"/financing/region/?region={region.pk}&year={year}").content.decode()
    overview = client.get(f"/api/financing/regions/{region.code}/overview?year={year}")
    assert overview.status_code == 200
    actions = overview.json()["actions"]

    assert {key for key, value in actions.items() if value} == FUND_EXPECTED[state]
    for key, marker in FUND_FORMS.items():
        assert (marker in page) is actions[key], key

    rows = queries.top_ups(region, year)
    fund_available = queries.overview(region, year).fund_available
    assert {_row_tid(row): topup_actions(user, row, region=region, fund_available=fund_available)["can_reverse"]
            for row in rows} == TOP_UPS_EXPECTED[state]
    for row in rows:
        reversible = topup_actions(user, row, region=region, fund_available=fund_available)["can_reverse"]
        assert (f'action="/financing/region/top-up/{row.transfer.pk}/reverse/"' in page) is reversible
        if reversible or row.reversed:  # reversing a reversed top-up again answers with its correction
            continue
        before = _money_snapshot()
        with pytest.raises(DomainError):
            services.fund_top_up_reverse(actor=user, top_up=row.transfer, reason="не та сумма")
        assert _money_snapshot() == before, _row_tid(row)

    rules = CertificateRule.objects.filter(region=region, year=year)
    assert {r.category: rule_actions(user, r)["can_issue"] for r in rules} == RULES_EXPECTED[state]
    for rule in rules:
        answer = client.put(
            "/api/financing/rules",
            {"region": region.code, "year": year, "category": rule.category, "nominal_kopecks": rule.nominal,
             "ledger": rule.ledger, "every_years": rule.every_years, "prorate": rule.prorate,
             "carry_over": rule.carry_over},
            content_type="application/json",
        )
        assert answer.status_code == 200
        can_issue = answer.json()["actions"]["can_issue"]
        assert can_issue is RULES_EXPECTED[state][rule.category]
        assert (f'id="issue-{rule.category}"' in page) is can_issue
        if not can_issue:
            before = _money_snapshot()
            with pytest.raises(DomainError):
                services.certificates_issue(actor=user, region=region, year=year, category=rule.category)
            assert _money_snapshot() == before, rule.category

    for key, call in _fund_calls(money, year).items():
        if actions[key]:
            continue
        before = _money_snapshot()
        with pytest.raises(DomainError):
            call(user)
        assert _money_snapshot() == before, key


def test_another_regions_operator_is_offered_nothing_and_refused_everything(money):
    world = money["world"]
    region, user = world.r1, world.users["regional_other"]
    client = world.client("regional_other")
    assert client.get(f"/api/financing/regions/{region.code}/overview").status_code == 404
    page = client.get(f"/financing/region/?region={region.pk}").content.decode()
    assert f'name="region" value="{region.pk}"' not in page  # the page is of the operator's own region
    year = _last_year(money)
    assert not any(fund_actions(user, region, year).values())
    rule = CertificateRule.objects.get(region=region, year=money["year"], category="teacher")
    assert rule_actions(user, rule) == {"can_issue": False}
    contract = money["contract"]
    assert contract_actions(user, contract, owed=1, paid=0) == {"can_pay": False}
    row = queries.top_ups(region, money["year"])[0]
    assert topup_actions(user, row, region=region, fund_available=10**12) == {"can_reverse": False}

    calls = [
        *(lambda u, c=c: c(u) for c in _fund_calls(money, year).values()),
        lambda u: services.fund_top_up_reverse(actor=u, top_up=row.transfer, reason="чужой регион"),
        lambda u: services.certificates_issue(actor=u, region=region, year=money["year"], category="teacher"),
        lambda u: services.payment_register(
            actor=u, contract=contract, amount=100, tid="other-pay", document="ПП-3", paid_on=timezone.localdate()
        ),
    ]
    for call in calls:
        before = _money_snapshot()
        with pytest.raises(DomainError):
            call(user)
        assert _money_snapshot() == before


# A contract -> (registered how, whether the region owes the provider, may a payment be registered).
CONTRACTS = {
    "nothing_owed": ({}, False, False),
    "owed": ({}, True, True),
    "advances": ({"advances": True}, False, True),
    "signed_later": ({"advances": True, "signed_in_days": 10}, True, False),
    "ceiling_reached": ({"ceiling_kopecks": 100}, True, False),
}


@pytest.mark.parametrize("who", FINANCIERS)
@pytest.mark.parametrize("kind", list(CONTRACTS))
def test_the_region_page_offers_a_payment_under_a_contract_exactly_when_the_api_says_so(money, kind, who):
    world = money["world"]
    region, user, today = world.r1, world.users[who], timezone.localdate()
    extra, owed, expected = CONTRACTS[kind]
    if owed:
        _completed(money)
    signed = today + dt.timedelta(days=extra.get("signed_in_days", -30))
    client = world.client(who)
    body = {
        "region": region.code,
        "provider": money["depot"]["provider"].pk,
        "number": f"A-{kind}",
        "signed_on": signed.isoformat(),
        "valid_from": signed.isoformat(),
        "valid_to": (today + dt.timedelta(days=300)).isoformat(),
        "advances": extra.get("advances", False),
    }
    if "ceiling_kopecks" in extra:
        body["ceiling_kopecks"] = extra["ceiling_kopecks"]
    made = client.post("/api/financing/contracts", body, content_type="application/json")
    assert made.status_code == 201, made.content
    contract = Contract.objects.get(pk=made.json()["id"])
    if kind == "ceiling_reached":  # the contract's ceiling is paid in full
        assert made.json()["actions"] == {"can_pay": True}
        services.payment_register(
            actor=money["regional"], contract=contract, amount=100, tid="ceiling-1", document="ПП-4", paid_on=today
        )
        paid = queries.paid_by_contract([contract.pk])[contract.pk]
        made_actions = contract_actions(user, contract, owed=queries.contract_owed(contract), paid=paid)
    else:
        made_actions = made.json()["actions"]
    assert made_actions == {"can_pay": expected}

    page = client.get(f"/financing/region/?region={region.pk}").content.decode()
    assert (f'id="pay-contract-{contract.pk}"' in page) is expected
    if not expected:
        before = _money_snapshot()
        with pytest.raises(DomainError):
            services.payment_register(
                actor=user, contract=contract, amount=100, tid="closed-pay", document="ПП-5", paid_on=today
            )
        assert _money_snapshot() == before


def test_an_empty_fund_asks_for_a_top_up_only_of_whom_may_make_it(money):
    """A fund without money says so; «top it up first» only where the page offers the top-up."""
    world = money["world"]
    empty = "В фонде этого года пока нет средств."
    closed = world.client("regional").get(f"/financing/region/?region={world.r1.pk}&year={_long_ago(money)}")
    page = closed.content.decode()
    assert empty in page and "Сначала пополните его" not in page and FUND_FORMS["can_top_up"] not in page
    other = world.client("regional_other").get(f"/financing/region/?region={world.r2.pk}&year={money['year']}")
    page = other.content.decode()
    assert f"{empty} Сначала пополните его." in page and FUND_FORMS["can_top_up"] in page
