"""The ledger: idempotent transfers, holds resolved once, never below zero, always balanced."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass, field

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from efs.errors import Conflict, NotFound, ValidationFailed
from efs.financing import ledger
from efs.financing.models import Account, AccountKind, Transfer, TransferKind

_ids = itertools.count(1)
LATER = timezone.now() + dt.timedelta(days=30)


def _accounts(world, *, source_balance: int = 0):
    """An account that may go negative (money coming in) and three protected accounts."""
    source = Account.objects.create(kind=AccountKind.COPAY, region=world.r1, may_go_negative=True)
    protected = [
        Account.objects.create(kind=AccountKind.FUND, region=world.r1, year=1000 + next(_ids)) for _ in range(3)
    ]
    if source_balance:
        ledger.transfer(
            tid=f"seed-{source.pk}", kind=TransferKind.TOP_UP, debit=source, credit=protected[0], amount=source_balance
        )
    return source, protected


def test_a_transfer_moves_money_and_a_retry_is_harmless(world):
    source, (fund, cert, _other) = _accounts(world)
    first = ledger.transfer(tid="t-1", kind=TransferKind.TOP_UP, debit=source, credit=fund, amount=50_000)
    again = ledger.transfer(tid="t-1", kind=TransferKind.TOP_UP, debit=source, credit=fund, amount=50_000)
    assert first.pk == again.pk and Transfer.objects.filter(tid="t-1").count() == 1
    fund.refresh_from_db()
    assert (fund.balance, fund.available) == (50_000, 50_000)
    with pytest.raises(Conflict) as reused:
        ledger.transfer(tid="t-1", kind=TransferKind.TOP_UP, debit=source, credit=fund, amount=60_000)
    assert reused.value.code == "transfer_id_reused"


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (0, "amount_not_positive"),
        (-5, "amount_not_positive"),
        (1.5, "amount_invalid"),
        (True, "amount_invalid"),
        ("100", "amount_invalid"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_written(world, amount, code):
    source, (fund, *_rest) = _accounts(world)
    with pytest.raises(ValidationFailed) as error:
        ledger.transfer(tid="bad", kind=TransferKind.TOP_UP, debit=source, credit=fund, amount=amount)
    assert error.value.code == code and not Transfer.objects.filter(tid="bad").exists()


def test_unknown_accounts_bad_ids_and_same_account(world):
    source, (fund, *_rest) = _accounts(world)
    with pytest.raises(NotFound) as unknown:
        ledger.transfer(tid="u", kind=TransferKind.TOP_UP, debit=source, credit=999_999, amount=1)
    assert unknown.value.code == "account_unknown"
    with pytest.raises(ValidationFailed) as bad_tid:
        ledger.transfer(tid="пробел и кириллица", kind=TransferKind.TOP_UP, debit=source, credit=fund, amount=1)
    assert bad_tid.value.code == "transfer_id_invalid"
    with pytest.raises(ValidationFailed) as same:
        ledger.transfer(tid="s", kind=TransferKind.TOP_UP, debit=fund, credit=fund, amount=1)
    assert same.value.code == "accounts_same"
    assert Transfer.objects.count() == 0


def test_a_protected_account_never_goes_below_zero(world):
    source, (fund, cert, _other) = _accounts(world, source_balance=1_000)
    ledger.transfer(
        tid="h-1", kind=TransferKind.HOLD, debit=fund, credit=cert, amount=700, pending=True, expires_at=LATER
    )
    with pytest.raises(Conflict) as error:
        ledger.transfer(
            tid="h-2", kind=TransferKind.HOLD, debit=fund, credit=cert, amount=301, pending=True, expires_at=LATER
        )
    assert error.value.code == "insufficient_funds" and error.value.details == {"available": 300, "amount": 301}
    # the database refuses it too, whatever the code above does
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=fund.pk).update(debits_posted=2_000)


def test_on_postgresql_a_hold_and_its_release_are_one_statement_each(world):
    """The fast path: the hot certificate's row lock is held for one statement, not for a
    conversation (docs/decisions/0004-ledger-fast-path.md). Refusals take the careful path."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    source, (fund, cert, _other) = _accounts(world, source_balance=1_000)
    with CaptureQueriesContext(connection) as hold_queries:
        hold = ledger.transfer(
            tid="f-1", kind=TransferKind.HOLD, debit=fund, credit=cert, amount=600, pending=True, expires_at=LATER
        )
    with CaptureQueriesContext(connection) as void_queries:
        void = ledger.resolve(tid="f-1:void", hold=hold.pk, kind=TransferKind.VOID)
    assert (hold.tid, hold.amount, hold.is_pending, hold.created_at is not None) == ("f-1", 600, True, True)
    assert (void.pending_id, void.amount, void.kind) == (hold.pk, 600, TransferKind.VOID)
    statements = [
        q["sql"] for q in hold_queries.captured_queries + void_queries.captured_queries if "SAVEPOINT" not in q["sql"]
    ]
    if connection.vendor == "postgresql":
        assert len(statements) == 2 and all(sql.lstrip().startswith("WITH") for sql in statements)
        with connection.cursor() as cursor:  # planned once per connection (Django turns psycopg's preparing off)
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = {sql.strip() for (sql,) in cursor.fetchall()}
        assert {sql.strip().replace("%(", "$").split("$")[0] for sql in statements} <= {
            sql.split("$")[0] for sql in prepared
        }
    else:
        assert len(statements) > 2  # lock, look up, insert, update: one writer holds SQLite anyway
    fund.refresh_from_db()
    cert.refresh_from_db()
    assert (fund.available, fund.held, cert.credits_pending) == (1_000, 0, 0)
    with pytest.raises(Conflict) as again:
        ledger.resolve(tid="f-1:void-again", hold=hold.pk, kind=TransferKind.VOID)
    assert again.value.code == "hold_already_voided" and Transfer.objects.filter(pending=hold).count() == 1
    assert ledger.reconcile().ok


def test_a_hold_is_posted_or_voided_once(world):
    source, (fund, cert, _other) = _accounts(world, source_balance=1_000)
    hold = ledger.transfer(
        tid="h", kind=TransferKind.HOLD, debit=fund, credit=cert, amount=600, pending=True, expires_at=LATER
    )
    fund.refresh_from_db()
    assert (fund.balance, fund.held, fund.available) == (1_000, 600, 400)
    post = ledger.resolve(tid="p", hold=hold, kind=TransferKind.POST, amount=450)  # partial: the rest comes back
    assert ledger.resolve(tid="p", hold=hold, kind=TransferKind.POST, amount=450).pk == post.pk  # a retry
    fund.refresh_from_db()
    cert.refresh_from_db()
    assert (fund.balance, fund.held, fund.available, cert.balance) == (550, 0, 550, 450)
    with pytest.raises(Conflict) as twice:
        ledger.resolve(tid="p2", hold=hold, kind=TransferKind.POST)
    assert twice.value.code == "hold_already_posted"
    with pytest.raises(Conflict) as void_after_post:
        ledger.resolve(tid="v", hold=hold, kind=TransferKind.VOID)
    assert void_after_post.value.code == "hold_already_posted"
    other = ledger.transfer(
        tid="h2", kind=TransferKind.HOLD, debit=fund, credit=cert, amount=100, pending=True, expires_at=LATER
    )
    ledger.resolve(tid="v2", hold=other, kind=TransferKind.VOID)
    with pytest.raises(Conflict) as post_after_void:
        ledger.resolve(tid="p3", hold=other, kind=TransferKind.POST)
    assert post_after_void.value.code == "hold_already_voided"
    # the database has the last word: one resolution per hold
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            tid="raw", kind=TransferKind.POST, ledger="rub", debit=fund, credit=cert, amount=1, pending=other
        )
    assert ledger.reconcile().ok


def test_an_expired_hold_cannot_be_posted(world):
    source, (fund, cert, _other) = _accounts(world, source_balance=1_000)
    hold = ledger.transfer(
        tid="h", kind=TransferKind.HOLD, debit=fund, credit=cert, amount=600, pending=True, expires_at=LATER
    )
    with pytest.raises(Conflict) as error:
        ledger.resolve(tid="p", hold=hold, kind=TransferKind.POST, now=LATER + dt.timedelta(seconds=1))
    assert error.value.code == "hold_expired"
    with pytest.raises(ValidationFailed) as more:
        ledger.resolve(tid="p", hold=hold, kind=TransferKind.POST, amount=601)
    assert more.value.code == "post_exceeds_hold"
    with pytest.raises(Conflict) as not_hold:
        ledger.resolve(tid="p", hold=Transfer.objects.get(tid=f"seed-{source.pk}"), kind=TransferKind.POST)
    assert not_hold.value.code == "not_a_hold"
    ledger.resolve(tid="x", hold=hold, kind=TransferKind.EXPIRE, now=LATER + dt.timedelta(seconds=1))
    with pytest.raises(Conflict) as after_expiry:
        ledger.resolve(tid="p2", hold=hold, kind=TransferKind.POST)
    assert after_expiry.value.code == "hold_expired"


def test_reconcile_reports_a_tampered_counter(world):
    source, (fund, cert, _other) = _accounts(world, source_balance=1_000)
    assert ledger.reconcile().ok
    Account.objects.filter(pk=cert.pk).update(credits_posted=5)
    report = ledger.reconcile()
    assert (
        not report.ok
        and any(f"account {cert.pk}" in b for b in report.breaches)
        and any("does not sum to zero" in b for b in report.breaches)
    )


# ---------------------------------------------------------------- against a reference model

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("transfer"), st.integers(0, 3), st.integers(0, 3), st.integers(-5, 400)),
        st.tuples(st.just("hold"), st.integers(1, 3), st.integers(0, 3), st.integers(1, 400)),
        st.tuples(st.just("post"), st.integers(0, 20), st.integers(0, 400)),
        st.tuples(st.just("void"), st.integers(0, 20)),
        st.tuples(st.just("retry"), st.integers(0, 20)),
    ),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(ops=OPS)
def test_random_operations_match_a_reference_model(world, ops):
    """Account 0 is a source that may go negative; 1–3 are protected."""
    run = next(_ids)
    source, protected = _accounts(world)
    accounts = [source, *protected]
    ref = _Reference(posted={a.pk: 0 for a in accounts}, held={a.pk: 0 for a in accounts})
    done: list[tuple[str, dict, object]] = []  # (call, kwargs, result) for retries

    def call(name, **kwargs):
        try:
            result = getattr(ledger, name)(**kwargs)
        except (Conflict, ValidationFailed, NotFound) as error:
            result = error.code
        done.append((name, kwargs, result))
        return result

    for n, op in enumerate(ops):
        tid = f"r{run}-{n}"
        if op[0] in ("transfer", "hold"):
            _name, d, c, amount = op
            debit, credit = accounts[d], accounts[c]
            pending = op[0] == "hold"
            result = call(
                "transfer",
                tid=tid,
                kind=TransferKind.HOLD if pending else TransferKind.TOP_UP,
                debit=debit,
                credit=credit,
                amount=amount,
                pending=pending,
                expires_at=LATER if pending else None,
            )
            ref.check_transfer(result, debit=debit, credit=credit, amount=amount, pending=pending)
        elif op[0] in ("post", "void") and ref.holds:
            hold, amount = ref.holds[op[1] % len(ref.holds)]
            post_amount = op[2] if op[0] == "post" else None
            kind = TransferKind.POST if op[0] == "post" else TransferKind.VOID
            result = call(
                "resolve", tid=tid, hold=hold, kind=kind, **({"amount": post_amount} if op[0] == "post" else {})
            )
            ref.check_resolution(result, op=op[0], hold=hold, amount=amount, post_amount=post_amount)
        elif op[0] == "retry" and done:
            name, kwargs, first = done[op[1] % len(done)]
            again = getattr(ledger, name)
            try:
                second = again(**kwargs)
            except (Conflict, ValidationFailed, NotFound) as error:
                second = error.code
            ref.check_retry(name, kwargs["tid"], first, second)
    for account in accounts:
        account.refresh_from_db()
        assert (account.balance, account.held) == (ref.posted[account.pk], ref.held[account.pk])
        assert account.may_go_negative or account.available >= 0
    report = ledger.reconcile()
    assert report.ok, report.breaches


@dataclass
class _Reference:
    """The reference model of the property test above, and what it expects of each answer."""

    posted: dict[int, int]  # balance
    held: dict[int, int]  # pending debits
    holds: list[tuple[Transfer, int]] = field(default_factory=list)
    resolved: dict[int, str] = field(default_factory=dict)
    succeeded: dict[str, Transfer] = field(default_factory=dict)  # a refused transfer that a retry later carried out

    def check_transfer(self, result, *, debit: Account, credit: Account, amount: int, pending: bool) -> None:
        if amount <= 0:
            assert result == "amount_not_positive"
        elif debit.pk == credit.pk:
            assert result == "accounts_same"
        elif not debit.may_go_negative and self.posted[debit.pk] - self.held[debit.pk] < amount:
            assert result == "insufficient_funds"
        else:
            assert isinstance(result, Transfer)
            self._book(result)

    def check_resolution(self, result, *, op: str, hold: Transfer, amount: int, post_amount: int | None) -> None:
        if hold.pk in self.resolved:
            assert result == ("hold_already_posted" if self.resolved[hold.pk] == "post" else "hold_already_voided")
        elif op == "post" and post_amount <= 0:
            assert result == "amount_not_positive"
        elif op == "post" and post_amount > amount:
            assert result == "post_exceeds_hold"
        else:
            assert isinstance(result, Transfer)
            self.resolved[hold.pk] = op
            self.held[hold.debit_id] -= amount
            if op == "post":
                self.posted[hold.debit_id] -= post_amount
                self.posted[hold.credit_id] += post_amount

    def check_retry(self, name: str, tid: str, first, second) -> None:
        first = self.succeeded.get(tid, first)
        if isinstance(first, Transfer):
            assert isinstance(second, Transfer) and second.pk == first.pk  # happens once
        elif isinstance(second, Transfer):  # refused then, possible now (money came in): a new attempt
            assert name == "transfer" and first == "insufficient_funds"
            self.succeeded[tid] = second
            self._book(second)

    def _book(self, transfer: Transfer) -> None:
        if transfer.is_pending:
            self.held[transfer.debit_id] += transfer.amount
            self.holds.append((transfer, transfer.amount))
        else:
            self.posted[transfer.debit_id] -= transfer.amount
            self.posted[transfer.credit_id] += transfer.amount


@pytest.mark.django_db(transaction=True)
def test_concurrent_holds_on_one_certificate_never_overspend(reference_data):
    """Twenty connections race for one certificate worth ten holds; every request is sent twice."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks under real concurrency are tested on PostgreSQL (the SQLite pass has one writer by design)"
        )
    from efs.people.models import Region

    region = Region.objects.get(code="24")
    source = Account.objects.create(kind=AccountKind.COPAY, region=region, may_go_negative=True)
    cert = Account.objects.create(kind=AccountKind.CERTIFICATE, region=region, year=2026)
    payee = Account.objects.create(kind=AccountKind.PROVIDER, region=region, may_go_negative=True)
    ledger.transfer(tid="fill", kind=TransferKind.ISSUE, debit=source, credit=cert, amount=10_000)

    def client(n: int) -> list[str]:
        outcomes = []
        try:
            for k in range(5):
                for _attempt in range(2):  # the client "lost the answer" and retries the same id
                    try:
                        ledger.transfer(
                            tid=f"c{n}-{k}",
                            kind=TransferKind.HOLD,
                            debit=cert,
                            credit=payee,
                            amount=1_000,
                            pending=True,
                            expires_at=LATER,
                        )
                        outcomes.append("ok")
                    except Conflict as error:
                        outcomes.append(error.code)
        finally:
            connections.close_all()
        return outcomes

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = [o for batch in pool.map(client, range(20)) for o in batch]
    cert.refresh_from_db()
    holds = Transfer.objects.filter(debit=cert, is_pending=True)
    assert holds.count() == 10 and cert.available == 0 and cert.held == 10_000
    assert results.count("ok") == 20  # ten holds, each acknowledged twice (the retry returned the same transfer)
    assert set(results) == {"ok", "insufficient_funds"}
    assert ledger.reconcile().ok


def _busy_certificate(amount: int):
    """A certificate with `amount` on it and a payee, for tests that keep the certificate's row locked."""
    from efs.people.models import Region

    region = Region.objects.get(code="24")
    source = Account.objects.create(kind=AccountKind.COPAY, region=region, may_go_negative=True)
    cert = Account.objects.create(kind=AccountKind.CERTIFICATE, region=region, year=2026)
    payee = Account.objects.create(kind=AccountKind.PROVIDER, region=region, may_go_negative=True)
    ledger.transfer(tid=f"fill-{cert.pk}", kind=TransferKind.ISSUE, debit=source, credit=cert, amount=amount)
    return cert, payee


def _while_locked(account: Account, payee: Account, requests: list, queued: int):
    """Run `requests` (callables) in threads while another connection holds `account`'s row
    lock, until requests with `queued` different ids wait in the combiner's queue; then let
    go. Their outcomes."""
    from concurrent.futures import ThreadPoolExecutor

    import psycopg
    from django.db import connection, connections

    from efs.financing import combiner
    from efs.financing.models import Intent

    for token in (payee.pk, "resolve"):  # seen busy a moment ago: the next encounters go to the combiner
        combiner.contended(token)
    settings_ = connection.settings_dict
    blocker = psycopg.connect(
        host=settings_["HOST"], port=settings_["PORT"] or 5432, user=settings_["USER"], dbname=settings_["NAME"]
    )
    blocker.execute(f"SELECT 1 FROM {Account._meta.db_table} WHERE id = %s FOR UPDATE", [account.pk])

    def run(request):
        try:
            return request()
        except Conflict as error:
            return error.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(run, request) for request in requests]
        deadline = time.monotonic() + 20
        while (seen := Intent.objects.values("tid").distinct().count()) < queued and time.monotonic() < deadline:
            time.sleep(0.02)
        blocker.close()  # lets go of the row either way, so that the threads end
        results = [future.result(timeout=60) for future in futures]
    assert seen >= queued, f"{seen} of {queued} requests reached the combiner"
    return results


def _transactions_of(tids: list[str]) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT xmin::text) FROM {Transfer._meta.db_table} WHERE tid = ANY(%s)", [tids])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_requests_for_a_busy_certificate_are_combined_into_one_transaction(reference_data):
    """With the certificate's row locked, twelve holds (each sent twice at once, as a client
    that retried) and later voids wait in the combiner's queue; one leader carries them out."""
    from django.db import connection

    from efs.financing.models import Intent

    if connection.vendor != "postgresql":
        pytest.skip("the combiner serves PostgreSQL")
    cert, payee = _busy_certificate(10_000)

    def hold(n):
        return lambda: ledger.transfer(
            tid=f"b{n}", kind=TransferKind.HOLD, debit=cert, credit=payee, amount=1_000, pending=True, expires_at=LATER
        )

    results = _while_locked(
        cert, payee, [hold(n) for n in range(12) for _twice in range(2)], queued=12
    )  # a twin waits for its id
    by_tid = {}
    for n, result in zip([n for n in range(12) for _ in range(2)], results, strict=True):
        by_tid.setdefault(n, []).append(result.pk if isinstance(result, Transfer) else result)
    granted = [n for n, answers in by_tid.items() if all(isinstance(a, int) for a in answers)]
    refused = [n for n, answers in by_tid.items() if answers == ["insufficient_funds"] * 2]
    assert len(granted) == 10 and len(refused) == 2, by_tid
    assert all(len(set(by_tid[n])) == 1 for n in granted)  # the retry got the same transfer
    cert.refresh_from_db()
    assert (cert.available, cert.held) == (0, 10_000)
    tids = [f"b{n}" for n in granted]
    assert _transactions_of(tids) <= 2  # the leader that waited for the row, and the next one with the rest

    holds = list(Transfer.objects.filter(tid__in=tids[:5]))
    voids = _while_locked(
        cert,
        payee,
        [lambda h=h: ledger.resolve(tid=f"v-{h.tid}", hold=h, kind=TransferKind.VOID) for h in holds],
        queued=5,
    )
    assert all(isinstance(v, Transfer) and v.pending_id in {h.pk for h in holds} for v in voids)
    assert _transactions_of([v.tid for v in voids]) <= 2
    cert.refresh_from_db()
    assert (cert.available, cert.held) == (5_000, 5_000)
    assert not Intent.objects.exists()
    assert ledger.reconcile().ok


@pytest.mark.django_db(transaction=True)
def test_the_combiner_leaves_unusual_requests_to_the_careful_path(reference_data):
    """A second void of one hold, a post beyond the hold, an id reused for another amount, and
    an intent given up long ago: the careful path answers each with its error code, and the
    abandoned intent is never carried out."""
    from django.db import connection

    from efs.financing import combiner
    from efs.financing.models import Intent

    if connection.vendor != "postgresql":
        pytest.skip("the combiner serves PostgreSQL")
    cert, payee = _busy_certificate(10_000)
    held = ledger.transfer(
        tid="u-hold", kind=TransferKind.HOLD, debit=cert, credit=payee, amount=3_000, pending=True, expires_at=LATER
    )
    Intent.objects.create(
        key=payee.pk,
        waiter=0,
        op="t",
        tid="u-abandoned",
        kind=TransferKind.HOLD,
        debit_id=cert.pk,
        credit_id=payee.pk,
        amount=500,
        is_pending=True,
        expires_at=LATER,
        at=timezone.now() - combiner.STALE - dt.timedelta(seconds=1),
    )
    results = _while_locked(
        cert,
        payee,
        [
            lambda: ledger.resolve(tid="u-void", hold=held, kind=TransferKind.VOID),
            lambda: ledger.resolve(tid="u-void-again", hold=held, kind=TransferKind.VOID),
            lambda: ledger.transfer(
                tid="u-hold",
                kind=TransferKind.HOLD,
                debit=cert,
                credit=payee,
                amount=999,
                pending=True,
                expires_at=LATER,
            ),
        ],
        queued=4,
    )
    voided = [r for r in results[:2] if isinstance(r, Transfer)]
    assert len(voided) == 1 and {"hold_already_voided"} == {r for r in results[:2] if not isinstance(r, Transfer)}
    assert results[2] == "transfer_id_reused"
    assert not Transfer.objects.filter(tid="u-abandoned").exists()
    assert not Intent.objects.exists()
    cert.refresh_from_db()
    assert (cert.available, cert.held) == (10_000, 0)
    assert ledger.reconcile().ok


@pytest.mark.django_db(transaction=True)
def test_a_leader_that_fails_hands_the_leadership_on(reference_data, monkeypatch):
    """Whatever goes wrong while a leader decides, its transaction rolls back (the request
    stays queued) and the account's leadership is free for the next client."""
    import psycopg
    from django.db import connection

    from efs.financing import combiner
    from efs.financing.models import Intent

    if connection.vendor != "postgresql":
        pytest.skip("the combiner serves PostgreSQL")
    cert, payee = _busy_certificate(10_000)
    monkeypatch.setitem(combiner._busy, payee.pk, time.monotonic() + 60)  # straight to the combiner

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in deciding")

    monkeypatch.setattr(combiner, "_decide", broken)
    with pytest.raises(RuntimeError):
        ledger.transfer(
            tid="lf-1", kind=TransferKind.HOLD, debit=cert, credit=payee, amount=1_000, pending=True, expires_at=LATER
        )
    assert (
        list(Intent.objects.values_list("tid", flat=True)) == ["lf-1"]
        and not Transfer.objects.filter(tid="lf-1").exists()
    )
    settings_ = connection.settings_dict
    with psycopg.connect(
        host=settings_["HOST"], port=settings_["PORT"] or 5432, user=settings_["USER"], dbname=settings_["NAME"]
    ) as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s, %s)", [combiner.LOCK_SPACE, payee.pk]).fetchone()[0]
    Intent.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_a_request_nobody_leads_is_withdrawn_and_carried_out_carefully(reference_data, monkeypatch):
    """If no leader takes a queued request within PATIENCE (here the account's leadership is
    held by another connection that never leads), the client withdraws its intent and the
    careful path carries the request out, once."""
    import psycopg
    from django.db import connection

    from efs.financing import combiner
    from efs.financing.models import Intent

    if connection.vendor != "postgresql":
        pytest.skip("the combiner serves PostgreSQL")
    cert, payee = _busy_certificate(10_000)
    monkeypatch.setitem(combiner._busy, payee.pk, time.monotonic() + 60)  # straight to the combiner
    monkeypatch.setattr(combiner, "PATIENCE", 0.3)
    settings_ = connection.settings_dict
    with psycopg.connect(
        host=settings_["HOST"], port=settings_["PORT"] or 5432, user=settings_["USER"], dbname=settings_["NAME"]
    ) as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s, %s)", [combiner.LOCK_SPACE, payee.pk]).fetchone()[0]
        held = ledger.transfer(
            tid="wd-1", kind=TransferKind.HOLD, debit=cert, credit=payee, amount=1_000, pending=True, expires_at=LATER
        )
    assert held.pk == Transfer.objects.get(tid="wd-1").pk
    assert not Intent.objects.exists()
    cert.refresh_from_db()
    assert (cert.available, cert.held) == (9_000, 1_000)
    assert ledger.reconcile().ok


def _psycopg_connect():
    import psycopg
    from django.db import connection

    settings_ = connection.settings_dict
    return psycopg.connect(
        host=settings_["HOST"],
        port=settings_["PORT"] or 5432,
        user=settings_["USER"],
        dbname=settings_["NAME"],
        autocommit=True,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", ["combiner", "fast path, waiting", "inside a transaction"])
def test_a_retry_behind_its_first_try_finds_it_and_gets_no_verdict_on_funds(reference_data, monkeypatch, route):
    """The bench's `hot-h21.0.190`: a hold's first try is carried out by a combiner leader whose
    client then loses its connection; its retry reaches the certificate's row while that leader,
    having released the leadership, is still committing. The retry waits on the row behind
    its own first try and, when the row is free, must answer with that first try, not with a
    verdict on what is left (the first try took all of it).

    The fault is injected at the exact moment: a deferred trigger holds the leader's COMMIT
    (after its last statement, leadership given up) until the retry is seen waiting on a row lock."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    from efs.financing import combiner
    from efs.financing.models import Intent

    if connection.vendor != "postgresql":
        pytest.skip("the combiner and row locks under concurrency are PostgreSQL's")
    cert, payee = _busy_certificate(1_000)
    gate = 0x4547_0001
    transfers = Transfer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""
            CREATE FUNCTION efs_test_hold_commit() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN PERFORM pg_advisory_xact_lock({gate}); RETURN NULL; END $$
        """)
        cursor.execute(f"""
            CREATE CONSTRAINT TRIGGER efs_test_hold_commit AFTER INSERT ON {transfers} DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW WHEN (NEW.tid = 'race-1') EXECUTE FUNCTION efs_test_hold_commit()
        """)
    watcher = _psycopg_connect()
    watcher.execute("SELECT pg_advisory_lock(%s)", [gate])

    def hold():
        return ledger.transfer(
            tid="race-1", kind=TransferKind.HOLD, debit=cert, credit=payee, amount=1_000, pending=True, expires_at=LATER
        )

    def first_try():
        combiner._busy[payee.pk] = time.monotonic() + 60  # this process found the payee busy: straight to the combiner
        try:
            return hold()
        finally:
            connections.close_all()

    def retry():
        try:
            if route == "combiner":
                combiner._busy[payee.pk] = time.monotonic() + 60
            else:
                combiner._busy.pop(payee.pk, None)
                combiner._seen.pop(payee.pk, None)  # a first encounter with the locked row: wait for it
            if route == "inside a transaction":
                with transaction.atomic():
                    return hold()
            return hold()
        except Conflict as error:
            return error.code
        finally:
            connections.close_all()

    def waiting(condition: str) -> bool:
        # this database's backends only: the server may be shared
        return watcher.execute(f"""
            SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid)
            WHERE datname = current_database() AND NOT granted AND {condition}
        """).fetchone()[0] > 0

    def until(predicate, what: str) -> None:
        deadline = time.monotonic() + 20
        while not predicate():
            assert time.monotonic() < deadline, what
            time.sleep(0.01)

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            first = pool.submit(first_try)
            until(
                lambda: waiting(f"locktype = 'advisory' AND objid = {gate}"),
                "the first try's leader did not reach its commit",
            )
            assert not Intent.objects.exists() or Intent.objects.filter(tid="race-1").count() == 1
            assert not Transfer.objects.filter(tid="race-1").exists()  # not committed yet
            second = pool.submit(retry)
            until(
                lambda: waiting("locktype IN ('transactionid', 'tuple')"),
                "the retry did not wait on the row behind the first try",
            )
            watcher.execute("SELECT pg_advisory_unlock(%s)", [gate])  # the first try commits
            answers = first.result(timeout=30), second.result(timeout=30)
    finally:
        watcher.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS efs_test_hold_commit ON {transfers}")
            cursor.execute("DROP FUNCTION IF EXISTS efs_test_hold_commit()")
        combiner._busy.pop(payee.pk, None)
    stored = Transfer.objects.get(tid="race-1")
    assert isinstance(answers[0], Transfer) and answers[0].pk == stored.pk
    assert isinstance(answers[1], Transfer) and answers[1].pk == stored.pk, answers[1]
    cert.refresh_from_db()
    assert (cert.available, cert.held) == (0, 1_000)
    assert not Intent.objects.exists()
    assert ledger.reconcile().ok


# ---------------------------------------------------------------- the three ways agree

AGREE_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("transfer"), st.integers(0, 4), st.integers(0, 4), st.integers(1, 400)),
        st.tuples(st.just("hold"), st.integers(1, 4), st.integers(0, 4), st.integers(1, 400), st.booleans()),
        st.tuples(st.just("post"), st.integers(0, 20), st.integers(-1, 400)),
        st.tuples(st.just("void"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("retry"), st.integers(0, 20), st.booleans()),
    ),
    min_size=1,
    max_size=15,
)
_agree_runs = itertools.count(1)


def _run_one_way(way: str, ops) -> tuple[list, list]:
    """Run `ops` on fresh accounts, every request the given way: the outcomes and the
    accounts' counters, both with ids replaced by positions."""
    from unittest import mock

    from efs.financing import combiner
    from efs.financing.models import Ledger
    from efs.people.models import Region

    region = Region.objects.get(code="24")
    run = next(_agree_runs)
    accounts = [Account.objects.create(kind=AccountKind.COPAY, region=region, may_go_negative=True)]
    accounts += [
        Account.objects.create(kind=AccountKind.FUND, region=region, year=3000 + 10 * run + i) for i in range(3)
    ]
    accounts.append(
        Account.objects.create(kind=AccountKind.FUND, region=region, year=2000 + run, ledger=Ledger.TRACK)
    )  # another ledger
    ledger.transfer(tid=f"{way}{run}-seed", kind=TransferKind.TOP_UP, debit=accounts[0], credit=accounts[1], amount=500)
    position = {a.pk: i for i, a in enumerate(accounts)}
    made: dict[int, int] = {}  # transfer id -> the op that made it
    holds: list[Transfer] = []
    done: list[tuple[str, dict]] = []
    outcomes: list = []

    def call(n: int, name: str, **kwargs):
        try:
            result = getattr(ledger, name)(**kwargs)
        except (Conflict, ValidationFailed, NotFound) as error:
            return error.code
        made.setdefault(result.pk, n)
        return (
            result.kind,
            position[result.debit_id],
            position[result.credit_id],
            result.amount,
            result.is_pending,
            made.get(result.pending_id),
            made[result.pk],
            result.tid.split("-", 1)[1],
        )

    ways = {
        "fast": [],
        "careful": [mock.patch.object(ledger, "_fast", return_value=None)],
        "combiner": [
            mock.patch.object(combiner, "busy", return_value=True),
            mock.patch.object(combiner, "submit", wraps=combiner.submit),
        ],
    }
    with mock.patch.dict(combiner._busy, clear=True), mock.patch.dict(combiner._seen, clear=True):
        for patch in ways[way]:
            patch.start()
        try:
            for n, op in enumerate(ops):
                tid = f"{way}{run}-{n}"
                if op[0] in ("transfer", "hold"):
                    pending = op[0] == "hold"
                    expires = (timezone.now() - dt.timedelta(days=1) if op[4] else LATER) if pending else None
                    kwargs = {
                        "tid": tid,
                        "kind": TransferKind.HOLD if pending else TransferKind.TOP_UP,
                        "debit": accounts[op[1]].pk,
                        "credit": accounts[op[2]].pk,
                        "amount": op[3],
                        "pending": pending,
                        "expires_at": expires,
                    }
                    outcome = call(n, "transfer", **kwargs)
                    if pending and isinstance(outcome, tuple):
                        holds.append(Transfer.objects.get(tid=tid))
                    done.append(("transfer", kwargs))
                elif op[0] in ("post", "void") and holds:
                    hold = holds[op[1] % len(holds)]
                    if op[0] == "post":
                        kwargs = {"tid": tid, "hold": hold.pk, "kind": TransferKind.POST, "amount": op[2]}
                    else:
                        kwargs = {
                            "tid": tid,
                            "hold": hold.pk,
                            "kind": TransferKind.VOID,
                            **({"amount": hold.amount - 1} if op[2] else {}),
                        }
                    outcome = call(n, "resolve", **kwargs)
                    done.append(("resolve", kwargs))
                elif op[0] == "retry" and done:
                    name, kwargs = done[op[1] % len(done)]
                    if op[2]:  # the same id for another request
                        kwargs = kwargs | {"amount": (kwargs.get("amount") or 0) + 1}
                    outcome = call(n, name, **kwargs)
                else:
                    outcome = "skipped"
                outcomes.append(outcome)
            if way == "combiner":  # every request went through it (but those refused before: the same account twice)
                assert combiner.submit.call_count == sum(
                    1 for outcome in outcomes if outcome not in ("skipped", "accounts_same")
                )
        finally:
            for patch in ways[way]:
                patch.stop()
    counters = []
    for account in accounts:
        account.refresh_from_db()
        counters.append(
            (account.debits_posted, account.credits_posted, account.debits_pending, account.credits_pending)
        )
    return outcomes, counters


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(ops=AGREE_OPS)
def test_the_fast_path_the_careful_path_and_the_combiner_agree(reference_data, ops):
    """One sequence of transfers, holds (some already expired), posts, voids (some partial),
    retries and reused ids, run three times on fresh accounts: every request by the SQL fast
    path (refusals explained by the careful path), every request by the careful path alone,
    and every request through the combiner. Same answers, same counters (issue 12 item 5)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the fast path and the combiner are PostgreSQL's")
    fast, careful, combined = (_run_one_way(way, ops) for way in ("fast", "careful", "combiner"))
    assert fast == careful
    assert combined == careful
