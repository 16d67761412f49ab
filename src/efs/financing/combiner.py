"""The combiner: on PostgreSQL, requests for a busy account are carried out together.

One transaction per hold hands a hot row's lock over once per hold, and every hand-over
wakes and schedules another backend; with dozens of connections queued on one row that
hand-over, not the work, bounds the rate (docs/decisions/0005-ledger-combiner.md). So
when the one-statement fast path finds a row it needs already locked (`NOWAIT`), the
request is not queued on the row but written as an `Intent`, keyed by the receiving
account (a provider's payable: the row that many certificates share), and its client:

1. takes the session-level advisory lock of its transfer id (a retry of the same id, on
   this path or the fast one, waits until this one is decided: it cannot overtake it);
2. inserts the intent and, in the same statement, tries to take the key's leadership;
3. as the **leader**: in one transaction takes every queued intent of the key, locks the
   accounts involved (in id order), decides each request in id order against the running
   balances — exactly the rules of the careful path — inserts the accepted transfers in
   one statement, writes each account's counters once, releases the leadership and
   announces every verdict with NOTIFY, all committed together;
4. otherwise waits for the verdict on the key's channel; a notification without it (or
   `POLL` of silence) means the leadership is free: it tries to take it.

A verdict is `ok` (the transfer, built from the request and the announced id), `funds`
(refused for funds, with what was available) or `careful`: anything unusual — a reused or
retried id, an unknown account, a hold already resolved, an intent older than `STALE` —
which the caller then decides on the careful path with its precise error code. The
intents live in an UNLOGGED table: a crash empties it and loses nothing acknowledged.
A leader that fails midway (killed, a race on a unique id) rolls back and its intents
are back in the queue for the next one.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import psycopg
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .models import Account, Intent, Transfer, TransferKind

LOCK_SPACE = 0x4546  # first key of the two-key advisory locks of leadership; transfer ids lock in the one-key space
POLL = 0.02  # a waiter that heard nothing for this long tries to lead (a leader that died announces nothing)
PATIENCE = 30.0  # a waiter undecided for this long withdraws its intent, if still queued, and goes the careful way
STALE = dt.timedelta(seconds=60)  # an intent this old was given up: decided `careful`, never carried out
CHUNK = 100  # verdicts per notification (a payload holds at most 8 000 bytes)

_INTENTS = Intent._meta.db_table
_ACCOUNTS = Account._meta.db_table
_TRANSFERS = Transfer._meta.db_table
_INTENT_COLUMNS = ("op", "tid", "kind", "debit_id", "credit_id", "hold_id", "amount", "is_pending", "expires_at", "memo", "actor_id", "enrollment_id", "at")

_SUBMIT_SQL = f"""
WITH claim AS MATERIALIZED (SELECT hashtextextended(%(tid)s, 0) AS lock, pg_advisory_lock(hashtextextended(%(tid)s, 0)))
INSERT INTO {_INTENTS} (key, {", ".join(_INTENT_COLUMNS)})
SELECT %(key)s, {", ".join(f"%({name})s" for name in _INTENT_COLUMNS)} FROM claim
RETURNING id, (SELECT lock FROM claim), pg_try_advisory_lock({LOCK_SPACE}, %(key)s::int)
"""

_INSERT_SQL = f"""
INSERT INTO {_TRANSFERS} (tid, kind, ledger, debit_id, credit_id, amount, is_pending, pending_id, expires_at, memo, created_by_id, enrollment_id, created_at)
SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::boolean[], %s::bigint[],
                     %s::timestamptz[], %s::text[], %s::bigint[], %s::bigint[], %s::timestamptz[])
RETURNING id, tid
"""

_COUNTERS_SQL = f"""
UPDATE {_ACCOUNTS} AS a SET debits_posted = v.dp, credits_posted = v.cp, debits_pending = v.dh, credits_pending = v.ch
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) AS v(id, dp, cp, dh, ch)
WHERE a.id = v.id
"""


@dataclass(frozen=True)
class Verdict:
    code: str  # "ok", "funds" or "careful"
    available: int | None = None  # "funds": what the account had
    transfer: tuple | None = None  # "ok": id, ledger, debit id, credit id, amount, enrollment id

    def encode(self, intent_id: int) -> str:
        if self.code == "ok":
            return ":".join([str(intent_id), "o", *("-" if value is None else str(value) for value in self.transfer)])
        if self.code == "funds":
            return f"{intent_id}:f:{self.available}"
        return f"{intent_id}:c"

    @staticmethod
    def decode(entry: str) -> tuple[int, Verdict]:
        intent_id, code, *rest = entry.split(":")
        if code == "o":
            pk, ledger, debit, credit, amount, enrollment = rest
            return int(intent_id), Verdict("ok", transfer=(int(pk), ledger, int(debit), int(credit), int(amount), None if enrollment == "-" else int(enrollment)))
        if code == "f":
            return int(intent_id), Verdict("funds", available=int(rest[0]))
        return int(intent_id), Verdict("careful")


def usable() -> bool:
    """The combiner serves requests made outside a transaction on PostgreSQL; a request
    inside a caller's transaction must commit with it, so it waits for the row instead."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def submit(*, key: int, **request) -> Verdict:
    """Queue a request for the busy account `key` and return its verdict."""
    channel = f"efs_ledger_{int(key)}"
    connection.ensure_connection()
    raw = connection.connection
    tid_lock = None
    with connection.cursor() as cursor:
        cursor.execute(f"LISTEN {channel}")
        try:
            cursor.execute(_SUBMIT_SQL, {"key": key, **{name: request.get(name) for name in _INTENT_COLUMNS}})
            mine, tid_lock, leading = cursor.fetchone()
            started = time.monotonic()
            while True:
                if leading:
                    verdict = _lead(key).get(mine)
                    if verdict is not None:
                        return verdict
                verdict = _listen(raw, channel, mine)
                if verdict is not None:
                    return verdict
                if time.monotonic() - started > PATIENCE:
                    cursor.execute(f"DELETE FROM {_INTENTS} WHERE id = %s", [mine])
                    if cursor.rowcount:
                        return Verdict("careful")  # never taken by a leader: nothing of it happened
                    started = time.monotonic()  # a leader is deciding it right now
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s::int)", [LOCK_SPACE, key])
                leading = cursor.fetchone()[0]
        finally:
            try:
                raw.execute(f"UNLISTEN {channel}" if tid_lock is None else f"UNLISTEN {channel}; SELECT pg_advisory_unlock({int(tid_lock)})")
            except psycopg.Error:
                pass  # the connection is gone, and with it its locks and its LISTEN


def _listen(raw, channel: str, mine: int) -> Verdict | None:
    """Wait up to POLL for a notification on the channel: this intent's verdict if it came."""
    found = None
    for note in raw.notifies(timeout=POLL, stop_after=1):  # read to the end: a packet may carry several
        if note.channel != channel:
            continue
        for entry in filter(None, note.payload.split(";")):
            intent_id, verdict = Verdict.decode(entry)
            if intent_id == mine:
                found = verdict
    return found


def _lead(key: int) -> dict[int, Verdict]:
    """Carry out every queued intent of `key` in one transaction, then give up the leadership."""
    verdicts: dict[int, Verdict] = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            verdicts = _decide(cursor, key)
            entries = [verdict.encode(intent_id) for intent_id, verdict in verdicts.items()]
            payloads = [";".join(entries[i:i + CHUNK]) for i in range(0, len(entries), CHUNK)] or [""]
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, %s::int), (SELECT count(pg_notify(%s, p)) FROM unnest(%s::text[]) AS p)",
                [LOCK_SPACE, key, f"efs_ledger_{int(key)}", payloads],
            )
    except DatabaseError:
        # Typically a request with one of these ids (or a resolution of one of these holds)
        # committed on the fast path meanwhile. All of it is rolled back, the intents are
        # queued again, and the next leader finds that id taken. If the connection itself is
        # gone, so is the leadership; the error goes to the caller.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s::int)", [LOCK_SPACE, key])
        return {}
    return verdicts


def _decide(cursor, key: int) -> dict[int, Verdict]:
    cursor.execute(f"DELETE FROM {_INTENTS} WHERE key = %s RETURNING id, {', '.join(_INTENT_COLUMNS)}", [key])
    intents = sorted(cursor.fetchall())
    if not intents:
        return {}
    hold_ids = [row[6] for row in intents if row[1] == "r"]
    holds = {}
    if hold_ids:
        cursor.execute(f"SELECT id, ledger, debit_id, credit_id, amount, is_pending, expires_at, enrollment_id FROM {_TRANSFERS} WHERE id = ANY(%s)", [hold_ids])
        holds = {row[0]: row for row in cursor.fetchall()}
    account_ids = sorted({i for row in intents if row[1] == "t" for i in (row[4], row[5])} | {i for hold in holds.values() for i in (hold[2], hold[3])})
    cursor.execute(
        f"SELECT id, ledger, may_go_negative, debits_posted, credits_posted, debits_pending, credits_pending FROM {_ACCOUNTS} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
        [account_ids],
    )
    accounts = {row[0]: list(row[1:]) for row in cursor.fetchall()}  # ledger, may go negative, dp, cp, dh, ch
    before = {pk: list(values) for pk, values in accounts.items()}
    tids = [row[2] for row in intents]
    cursor.execute(f"SELECT tid, pending_id FROM {_TRANSFERS} WHERE tid = ANY(%s) OR pending_id = ANY(%s)", [tids, hold_ids])
    taken, resolved = set(), set()
    for tid, pending_id in cursor.fetchall():
        taken.add(tid)
        resolved.add(pending_id)

    stale = timezone.now() - STALE
    verdicts: dict[int, Verdict] = {}
    rows: list[tuple] = []
    accepted: dict[str, tuple[int, tuple]] = {}  # tid -> (intent id, the verdict's transfer without its id)
    for intent_id, op, tid, kind, debit_id, credit_id, hold_id, amount, is_pending, expires_at, memo, actor_id, enrollment_id, at in intents:
        verdicts[intent_id] = Verdict("careful")
        if tid in taken or at < stale:
            continue
        if op == "t":
            debit, credit = accounts.get(debit_id), accounts.get(credit_id)
            if debit is None or credit is None or debit[0] != credit[0]:
                continue
            available = debit[3] - debit[2] - debit[4]
            if not debit[1] and available < amount:
                verdicts[intent_id] = Verdict("funds", available=available)
                continue
            ledger, pending_id, expiry = debit[0], None, expires_at if is_pending else None
            if is_pending:
                debit[4] += amount
                credit[5] += amount
            else:
                debit[2] += amount
                credit[3] += amount
        else:
            hold = holds.get(hold_id)
            if hold is None or not hold[5] or hold_id in resolved:
                continue
            _, ledger, debit_id, credit_id, held, _, hold_expires, enrollment_id = hold
            amount = held if amount is None else amount
            post = kind == TransferKind.POST
            if (post and not (0 < amount <= held and (hold_expires is None or hold_expires >= at))) or (not post and amount != held):
                continue
            debit, credit = accounts[debit_id], accounts[credit_id]
            debit[4] -= held
            credit[5] -= held
            if post:
                debit[2] += amount
                credit[3] += amount
            is_pending, pending_id, expiry = False, hold_id, None
            resolved.add(hold_id)
        taken.add(tid)
        rows.append((tid, kind, ledger, debit_id, credit_id, amount, is_pending, pending_id, expiry, memo, actor_id, enrollment_id, at))
        accepted[tid] = (intent_id, (ledger, debit_id, credit_id, amount, enrollment_id))
    if rows:
        cursor.execute(_INSERT_SQL, [list(column) for column in zip(*rows, strict=True)])
        for pk, tid in cursor.fetchall():
            intent_id, values = accepted[tid]
            verdicts[intent_id] = Verdict("ok", transfer=(pk, *values))
        changed = [(pk, *values[2:]) for pk, values in accounts.items() if values != before[pk]]
        if changed:
            cursor.execute(_COUNTERS_SQL, [list(column) for column in zip(*changed, strict=True)])
    return verdicts
