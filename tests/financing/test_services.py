"""Funds, certificates, enrollments with holds, settlement: the money follows the educator's choice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.catalog.models import Cohort
from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.financing import ledger, queries, services
from efs.financing.models import (
    Account,
    AccountKind,
    Enrollment,
    EnrollmentStatus,
    Transfer,
    TransferKind,
)
from efs.people.models import Macroregion
from tests.catalog.conftest import card, publish
from tests.conftest import make_educator, make_org
from tests.financing.conftest import NOMINAL, PRICE


def _enroll(money, request_id="r-1", **kwargs) -> Enrollment:
    world = money["world"]
    return services.enrollment_request(
        actor=world.users["teacher"],
        educator=world.self_educator,
        cohort=money["cohort"],
        request_id=request_id,
        **kwargs,
    )


def _certificate(money) -> Account:
    return services.certificate_of(money["world"].self_educator)


def test_certificates_come_out_of_the_fund_by_the_rule(money):
    world, year = money["world"], money["year"]
    fund = services.fund_account(world.r1, year)
    teachers = 4  # Иванова, Петрова, Сидорова (org A, B) and Кузнецова (org C) are teachers of the first region
    assert Account.objects.filter(kind=AccountKind.CERTIFICATE, year=year).count() == teachers
    assert fund.available == 20_000_000 - teachers * NOMINAL and _certificate(money).available == NOMINAL
    again = services.certificates_issue(actor=world.users["regional"], region=world.r1, year=year, category="teacher")
    assert (again.issued, again.already) == (0, teachers)  # a rerun issues nothing twice
    assert ledger.reconcile().ok


def test_issue_is_all_or_none_and_says_how_much_is_missing(money):
    world, year = money["world"], money["year"]
    for n in range(3):
        make_educator(world.org_a, f"Новикова{n}")
    with pytest.raises(Conflict) as error:
        services.certificates_issue(
            actor=world.users["regional"], region=world.r1, year=year, category="teacher"
        )  # 80 000 ₽ left, 90 000 ₽ needed
    assert error.value.code == "fund_insufficient" and error.value.details == {
        "available": 20_000_000 - 4 * NOMINAL,
        "needed": 3 * NOMINAL,
    }
    assert Account.objects.filter(kind=AccountKind.CERTIFICATE, year=year).count() == 4


def test_prorating_and_once_in_three_years():
    assert services.prorated(1_200_000, 2026, dt.date(2026, 1, 10)) == 1_200_000
    assert services.prorated(1_200_000, 2026, dt.date(2026, 10, 1)) == 300_000  # October–December
    assert services.prorated(1_200_000, 2027, dt.date(2026, 12, 31)) == 1_200_000
    assert services.prorated(1_200_000, 2025, dt.date(2026, 1, 1)) == 0


def test_once_in_n_years_skips_recent_holders(money):
    world, year = money["world"], money["year"]
    regional = world.users["regional"]
    services.fund_top_up(
        actor=regional,
        region=world.r1,
        year=year + 1,
        amount=50_000_000,
        tid="fund-next",
        document="ПП-1",
        document_date=dt.date(2026, 1, 15),
    )
    services.rule_set(
        actor=regional,
        region=world.r1,
        year=year + 1,
        category="teacher",
        nominal=NOMINAL,
        every_years=3,
        prorate=False,
    )
    result = services.certificates_issue(actor=regional, region=world.r1, year=year + 1, category="teacher")
    assert (result.issued, result.not_yet_due) == (0, 4)


def test_only_the_regions_operator_moves_its_money(money):
    world = money["world"]
    for who in ("regional_other", "teacher", "school_head", "provider"):
        with pytest.raises(PermissionDenied):
            services.fund_top_up(
                actor=world.users[who],
                region=world.r1,
                year=money["year"],
                amount=1,
                tid=f"x-{who}",
                document="ПП-1",
                document_date=dt.date(2026, 1, 15),
            )


def test_enrollment_holds_the_price_and_reserves_a_seat(money):
    enrollment = _enroll(money)
    cert = _certificate(money)
    assert (enrollment.status, enrollment.certificate_amount, enrollment.copay_amount) == ("requested", PRICE, 0)
    assert (cert.available, cert.held) == (NOMINAL - PRICE, PRICE)
    assert Cohort.objects.get(pk=money["cohort"].pk).seats_taken == 1
    assert _enroll(money).pk == enrollment.pk  # the same request again: nothing new
    assert Transfer.objects.filter(kind=TransferKind.HOLD).count() == 1
    with pytest.raises(Conflict) as twice:
        _enroll(money, request_id="r-2")
    assert twice.value.code == "enrollment_exists"
    assert money["provider_user"].notifications.filter(title__startswith="Новая заявка на обучение").count() == 1


def test_copay_is_asked_for_and_recorded(money):
    world = money["world"]
    expensive = publish(money["depot"], card(code="F-BIG", price=4_000_000), start_in_days=20)
    with pytest.raises(ValidationFailed) as error:
        services.enrollment_request(
            actor=world.users["teacher"], educator=world.self_educator, cohort=expensive.cohorts.get(), request_id="big"
        )
    assert error.value.code == "copay_needed" and error.value.details == {
        "price": 4_000_000,
        "from_certificate": NOMINAL,
        "copay": 1_000_000,
    }
    assert "30\u202f000\u00a0₽" in error.value.message and not Enrollment.objects.exists()
    enrollment = services.enrollment_request(
        actor=world.users["teacher"],
        educator=world.self_educator,
        cohort=expensive.cohorts.get(),
        request_id="big",
        copay_payer="school",
    )
    assert (enrollment.certificate_amount, enrollment.copay_amount, enrollment.copay_payer) == (
        NOMINAL,
        1_000_000,
        "school",
    )


def test_refusals_leave_nothing_behind(money):
    world = money["world"]
    money["contract"].delete()
    with pytest.raises(Conflict) as no_contract:
        _enroll(money)
    assert no_contract.value.code == "contract_missing"
    full = publish(money["depot"], card(code="F-FULL", price=PRICE), start_in_days=20).cohorts.get()
    Cohort.objects.filter(pk=full.pk).update(seats_taken=full.seats)
    with pytest.raises(Conflict) as no_seat:
        services.enrollment_request(
            actor=world.users["teacher"], educator=world.self_educator, cohort=full, request_id="full"
        )
    assert no_seat.value.code == "cohort_full"
    with pytest.raises(PermissionDenied):
        services.enrollment_request(
            actor=world.users["tutor"], educator=world.self_educator, cohort=money["cohort"], request_id="tutor"
        )
    assert not Enrollment.objects.exists() and not Transfer.objects.filter(kind=TransferKind.HOLD).exists()
    assert _certificate(money).available == NOMINAL


def test_decline_and_cancel_give_the_money_and_the_seat_back(money):
    world = money["world"]
    enrollment = _enroll(money)
    with pytest.raises(PermissionDenied):
        services.enrollment_accept(actor=world.users["provider"], enrollment=enrollment)  # staff of another provider
    with pytest.raises(ValidationFailed):
        services.enrollment_decline(actor=money["provider_user"], enrollment=enrollment, comment=" ")
    services.enrollment_decline(
        actor=money["provider_user"], enrollment=enrollment, comment="Группа для учителей начальных классов"
    )
    cert = _certificate(money)
    assert (cert.available, cert.held) == (NOMINAL, 0)
    assert Cohort.objects.get(pk=money["cohort"].pk).seats_taken == 0
    assert world.users["teacher"].notifications.filter(title__startswith="Провайдер отклонил").exists()
    second = _enroll(money, request_id="r-2")
    services.enrollment_cancel(actor=world.users["teacher"], enrollment=second)
    assert _certificate(money).available == NOMINAL and ledger.reconcile().ok


def test_completion_posts_the_hold_and_the_statement_shows_it(money):
    world, provider_user = money["world"], money["provider_user"]
    enrollment = _enroll(money)
    services.enrollment_accept(actor=provider_user, enrollment=enrollment)
    with pytest.raises(Conflict) as early:
        services.enrollment_complete(actor=provider_user, enrollment=enrollment, completed=True)
    assert early.value.code == "cohort_not_started"
    Cohort.objects.filter(pk=money["cohort"].pk).update(
        start_date=timezone.localdate() - dt.timedelta(days=10),
        enrollment_deadline=timezone.localdate() - dt.timedelta(days=12),
        end_date=timezone.localdate() - dt.timedelta(days=1),
    )
    services.enrollment_complete(actor=provider_user, enrollment=enrollment, completed=True)
    services.enrollment_complete(actor=provider_user, enrollment=enrollment, completed=True)  # a retry changes nothing
    cert = _certificate(money)
    assert (cert.balance, cert.held, cert.available) == (NOMINAL - PRICE, 0, NOMINAL - PRICE)
    payable = services.provider_account(money["depot"]["provider"], world.r1)
    assert payable.balance == PRICE
    st = queries.statement(money["depot"]["provider"], world.r1, timezone.localdate())
    assert (st.opening, st.rendered, st.paid, st.closing) == (0, PRICE, 0, PRICE)
    assert st.lines[0].educator == "Иванова Анна Петровна" and st.contract == money["contract"]
    with pytest.raises(Conflict) as too_much:
        services.payment_register(
            actor=money["regional"],
            contract=money["contract"],
            amount=PRICE + 1,
            tid="pay-1",
            document="п/п 15",
            paid_on=timezone.localdate(),
        )
    assert too_much.value.code == "payment_exceeds_debt"
    services.payment_register(
        actor=money["regional"],
        contract=money["contract"],
        amount=PRICE,
        tid="pay-1",
        document="п/п 15",
        paid_on=timezone.localdate(),
    )
    services.payment_register(
        actor=money["regional"],
        contract=money["contract"],
        amount=PRICE,
        tid="pay-1",
        document="п/п 15",
        paid_on=timezone.localdate(),
    )
    payable.refresh_from_db()
    assert (
        payable.balance == 0
        and queries.statement(money["depot"]["provider"], world.r1, timezone.localdate()).closing == 0
    )
    overview = queries.overview(world.r1, money["year"])
    assert (overview.rendered, overview.paid, overview.owed, overview.certificates_used) == (PRICE, PRICE, 0, 1)
    assert ledger.reconcile().ok


def test_advances_only_under_a_contract_that_allows_them(money):
    contract = money["contract"]
    with pytest.raises(Conflict):
        services.payment_register(
            actor=money["regional"],
            contract=contract,
            amount=100_000,
            tid="adv",
            document="п/п 1",
            paid_on=timezone.localdate(),
            advance=True,
        )
    contract.advances = True
    contract.save()
    paid = services.payment_register(
        actor=money["regional"],
        contract=contract,
        amount=100_000,
        tid="adv",
        document="п/п 1",
        paid_on=timezone.localdate(),
        advance=True,
    )
    assert (
        paid.is_advance and services.provider_account(money["depot"]["provider"], money["world"].r1).balance == -100_000
    )


def test_an_unconfirmed_hold_expires(money):
    enrollment = _enroll(money)
    later = enrollment.hold.expires_at + dt.timedelta(minutes=1)
    assert services.holds_expire(now=later) == 1
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.EXPIRED and _certificate(money).available == NOMINAL
    assert ledger.hold_state(enrollment.hold) == "expired" and services.holds_expire(now=later) == 0


def test_the_daily_job_drops_abandoned_ledger_requests(money):
    """A request queued for a busy account whose client gave up, and that no later request
    took along, is dropped by the daily job; a fresh one stays."""
    from efs.financing import combiner
    from efs.financing.models import Intent

    now = timezone.now()
    for tid, at in (("gone", now - combiner.STALE - dt.timedelta(seconds=1)), ("fresh", now)):
        Intent.objects.create(
            key=1, waiter=0, op="t", tid=tid, kind=TransferKind.HOLD, debit_id=1, credit_id=1, amount=1, at=at
        )
    services.holds_expire(now=now)
    assert list(Intent.objects.values_list("tid", flat=True)) == ["fresh"]


def test_year_close_returns_or_carries_the_rest(money, monkeypatch):
    world, year = money["world"], money["year"]
    _enroll(money)
    next_year = dt.date(year + 1, 1, 15)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: next_year)
    result = services.year_close(actor=money["regional"], region=world.r1, year=year)
    assert result == {"swept": 3 * NOMINAL + NOMINAL - PRICE, "carried": 0}
    cert = Account.objects.get(kind=AccountKind.CERTIFICATE, educator=world.self_educator, year=year)
    assert (cert.available, cert.held) == (0, PRICE)  # the hold stays and is still posted or released later
    assert ledger.reconcile().ok


def test_cross_region_enrollment_is_owed_by_the_paying_region(money):
    world, depot = money["world"], money["depot"]
    siberia = Macroregion.objects.create(name="Сибирь")
    siberia.regions.set([world.r1, world.r2])
    far = make_org(world.r2, None, "НГПУ", kind="university")
    far.licensed_for_dpo = True
    far.save()
    program = publish(depot, card(code="F-FAR", price=PRICE), start_in_days=20, availability="macroregion")
    program.provider = far
    program.save()
    cohort = program.cohorts.get()
    Cohort.objects.filter(pk=cohort.pk).update(region=world.r2)
    services.contract_create(
        actor=money["regional"],
        region=world.r1,
        provider=far,
        number="М-1",
        signed_on=timezone.localdate(),
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + dt.timedelta(days=90),
    )
    enrollment = services.enrollment_request(
        actor=world.users["teacher"], educator=world.self_educator, cohort=cohort, request_id="far"
    )
    hold = enrollment.hold
    assert (
        hold.credit.organization == far and hold.credit.region == world.r1
    )  # owed by Krasnoyarsk to the Novosibirsk provider


@pytest.mark.parametrize("carry_over", [False, True])
def test_year_close_is_one_transaction_and_runs_again_after_a_late_void(money, monkeypatch, carry_over):
    """Issue 11 item 14: a second run moves nothing; a run after a late void moves what the
    void released (it raised transfer_id_reused); a run that fails midway moves nothing."""
    world, year = money["world"], money["year"]
    if carry_over:
        services.rule_set(
            actor=money["regional"],
            region=world.r1,
            year=year,
            category="teacher",
            nominal=NOMINAL,
            prorate=False,
            carry_over=True,
        )
    enrollment = _enroll(money)
    next_year = dt.date(year + 1, 1, 15)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: next_year)
    real_transfer = ledger.transfer
    calls = []

    def failing(**kwargs):
        calls.append(kwargs["tid"])
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real_transfer(**kwargs)

    monkeypatch.setattr(ledger, "transfer", failing)
    with pytest.raises(RuntimeError):
        services.year_close(actor=money["regional"], region=world.r1, year=year)
    monkeypatch.setattr(ledger, "transfer", real_transfer)
    moving = TransferKind.CARRY if carry_over else TransferKind.SWEEP
    assert not Transfer.objects.filter(kind=moving).exists()  # all or nothing

    key = "carried" if carry_over else "swept"
    first = services.year_close(actor=money["regional"], region=world.r1, year=year)
    assert first[key] == 3 * NOMINAL + NOMINAL - PRICE and sum(first.values()) == first[key]
    assert services.year_close(actor=money["regional"], region=world.r1, year=year) == {"swept": 0, "carried": 0}
    services.enrollment_decline(
        actor=money["provider_user"], enrollment=enrollment, comment="Группа отменена"
    )  # a late void
    assert services.year_close(actor=money["regional"], region=world.r1, year=year)[key] == PRICE
    assert services.year_close(actor=money["regional"], region=world.r1, year=year) == {"swept": 0, "carried": 0}
    cert = Account.objects.get(kind=AccountKind.CERTIFICATE, educator=world.self_educator, year=year)
    assert (cert.balance, cert.held) == (0, 0)
    prefix = "carry" if carry_over else "sweep"
    assert set(Transfer.objects.filter(debit=cert, kind=moving).values_list("tid", flat=True)) == {
        f"{prefix}:{cert.pk}",
        f"{prefix}:{cert.pk}:2",
    }
    if carry_over:
        following = Account.objects.get(kind=AccountKind.CERTIFICATE, educator=world.self_educator, year=year + 1)
        assert following.available == NOMINAL
    assert ledger.reconcile().ok
