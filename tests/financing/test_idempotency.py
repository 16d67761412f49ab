"""A retried request answers with its first outcome, whatever the timing (issue 13).

On PostgreSQL each race is made deterministic: the first request is held inside its
transaction, after its work and before its commit, until the second is seen waiting on a
lock; then the first commits. Without serialization by the request's id the second
would get past the "already done?" check and fail on a unique key (a 500), or decide on
money the first had just taken. On SQLite (one writer) the same contract is checked in
sequence."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.utils import timezone

from efs.errors import Conflict, DomainError
from efs.financing import ledger, services
from efs.financing.models import Enrollment, Payment, Transfer, TransferKind
from tests.catalog.conftest import card, publish
from tests.financing.conftest import NOMINAL, PRICE

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="concurrent transactions are raced on PostgreSQL"
)


class _Pause:
    """The first call of `owner.name` (after it ran) waits until `go` is set."""

    def __init__(self, monkeypatch, owner, name: str):
        self.reached, self.go, self._first, self._lock = threading.Event(), threading.Event(), True, threading.Lock()
        real = getattr(owner, name)

        def paused(*args, **kwargs):
            result = real(*args, **kwargs)
            with self._lock:
                mine, self._first = self._first, False
            if mine:
                self.reached.set()
                assert self.go.wait(30)
            return result

        monkeypatch.setattr(owner, name, paused)


def _outcome(call):
    try:
        return call()
    except DomainError as error:
        return error.code
    except Exception as error:  # what the API would have answered with a 500
        return f"500 {type(error).__name__}"
    finally:
        connections.close_all()


def _lock_waiters() -> int:
    import psycopg

    settings_ = connection.settings_dict
    with psycopg.connect(
        host=settings_["HOST"],
        port=settings_["PORT"] or 5432,
        user=settings_["USER"],
        dbname=settings_["NAME"],
        autocommit=True,
    ) as watcher:
        # this database's backends only: the server may be shared
        return watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]


def _race(pause: _Pause, first, second):
    """Run `first` until it pauses inside its transaction, then `second` until it waits on a
    lock; then let the first commit. Both outcomes."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        one = pool.submit(_outcome, first)
        assert pause.reached.wait(30), (
            one.result(timeout=1) if one.done() else "the first request did not reach its pause"
        )
        two = pool.submit(_outcome, second)
        deadline = time.monotonic() + 20
        while not _lock_waiters() and not two.done():
            assert time.monotonic() < deadline, "the second request neither waited nor ended"
            time.sleep(0.01)
        pause.go.set()
        return one.result(timeout=30), two.result(timeout=30)


def _enroll(money, request_id: str, cohort=None, copay_payer: str = ""):
    world = money["world"]
    return lambda: services.enrollment_request(
        actor=world.users["teacher"],
        educator=world.self_educator,
        cohort=cohort or money["cohort"],
        request_id=request_id,
        copay_payer=copay_payer,
    )


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_cohort", [True, False])
def test_a_retried_enrollment_waits_for_its_first_try_and_answers_with_it(money, monkeypatch, same_cohort):
    other = (
        money["cohort"]
        if same_cohort
        else publish(money["depot"], card(code="F-OTHER", price=PRICE), start_in_days=20).cohorts.get()
    )
    pause = _Pause(monkeypatch, services, "_enrollment_event")
    first, second = _race(pause, _enroll(money, "same-id"), _enroll(money, "same-id", other))
    assert isinstance(first, Enrollment)
    if same_cohort:
        assert isinstance(second, Enrollment) and second.pk == first.pk
    else:
        assert second == "request_id_reused"
    assert Enrollment.objects.count() == 1 and Transfer.objects.filter(kind=TransferKind.HOLD).count() == 1
    assert services.certificate_of(money["world"].self_educator).available == NOMINAL - PRICE
    assert ledger.reconcile().ok


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_quote_and_the_hold_are_one_decision(money, monkeypatch):
    """Two enrollments of one educator at once: the second is quoted on what the first left
    (the certificate's row is locked before the quote), not refused between quote and hold."""
    second_cohort = publish(money["depot"], card(code="F-SECOND", price=PRICE), start_in_days=20).cohorts.get()
    pause = _Pause(monkeypatch, services, "_enrollment_event")
    first, second = _race(
        pause,
        _enroll(money, "q-1", copay_payer="educator"),
        _enroll(money, "q-2", second_cohort, copay_payer="educator"),
    )
    assert isinstance(first, Enrollment) and (first.certificate_amount, first.copay_amount) == (PRICE, 0)
    assert isinstance(second, Enrollment), second
    assert (second.certificate_amount, second.copay_amount, second.copay_payer) == (
        NOMINAL - PRICE,
        2 * PRICE - NOMINAL,
        "educator",
    )
    certificate = services.certificate_of(money["world"].self_educator)
    assert (certificate.available, certificate.held) == (0, NOMINAL)
    assert ledger.reconcile().ok


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_retried_payment_waits_for_its_first_try_and_answers_with_it(money, monkeypatch):
    contract = money["contract"]
    contract.advances = True
    contract.save()

    def pay(amount: int = 100_000):
        return lambda: services.payment_register(
            actor=money["regional"],
            contract=contract,
            amount=amount,
            tid="pay-race",
            document="п/п 7",
            paid_on=timezone.localdate(),
            advance=True,
        )

    pause = _Pause(monkeypatch, ledger, "transfer")
    first, second = _race(pause, pay(), pay())
    assert isinstance(first, Payment) and isinstance(second, Payment) and second.pk == first.pk
    assert _outcome(pay(200_000)) == "transfer_id_reused"
    assert Payment.objects.count() == 1 and Transfer.objects.filter(tid="pay-race").count() == 1
    assert ledger.reconcile().ok


def test_a_used_id_with_another_body_is_a_conflict_with_a_stable_code(money):
    """The same contract in sequence (SQLite and PostgreSQL): a retry gets the first outcome,
    another body under a used id is a 409 with a code, never a 500."""
    world = money["world"]
    second_cohort = publish(money["depot"], card(code="F-SEQ", price=PRICE), start_in_days=20).cohorts.get()
    first = _enroll(money, "seq-1")()
    assert _enroll(money, "seq-1")().pk == first.pk
    with pytest.raises(Conflict) as other_cohort:
        _enroll(money, "seq-1", second_cohort)()
    assert other_cohort.value.code == "request_id_reused"
    teacher = world.client("teacher")
    reused = teacher.post(
        "/api/financing/enrollments",
        json.dumps({"request_id": "seq-1", "cohort": second_cohort.pk}),
        content_type="application/json",
    )
    assert (reused.status_code, reused.json()["error"]["code"]) == (409, "request_id_reused")
    again = teacher.post(
        "/api/financing/enrollments",
        json.dumps({"request_id": "seq-1", "cohort": money["cohort"].pk}),
        content_type="application/json",
    )
    assert again.status_code == 201 and again.json()["id"] == first.pk

    contract = money["contract"]
    contract.advances = True
    contract.save()
    regional = world.client("regional")
    body = {
        "transfer_id": "seq-pay",
        "contract": contract.pk,
        "amount_kopecks": 100_000,
        "document": "п/п 3",
        "paid_on": str(timezone.localdate()),
        "advance": True,
    }
    made = regional.post("/api/financing/payments", json.dumps(body), content_type="application/json")
    same = regional.post("/api/financing/payments", json.dumps(body), content_type="application/json")
    assert made.status_code == same.status_code == 201 and made.json() == same.json()
    for change in ({"amount_kopecks": 100_001}, {"document": "п/п 4"}):
        other = regional.post("/api/financing/payments", json.dumps(body | change), content_type="application/json")
        assert (other.status_code, other.json()["error"]["code"]) == (409, "transfer_id_reused")
    assert Payment.objects.count() == 1 and ledger.reconcile().ok
