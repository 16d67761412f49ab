"""The combiner: on PostgreSQL, requests for a busy account are carried out together.

One transaction per hold hands a hot row's lock over once per hold, and every hand-over
wakes and schedules another backend; with dozens of connections queued on one row that
hand-over, not the work, bounds the rate (docs/decisions/0005-ledger-combiner.md). So
when the one-statement fast path, run outside a transaction, skips a row it needs because
another transaction holds it (`FOR UPDATE SKIP LOCKED`: no error, no server log line), and
that account was found locked before within `BUSY_FOR`, the request is not queued on the
row but written as an `Intent`, keyed by the receiving
account (a provider's payable: the row that many certificates share), and its client:

1. inserts the intent (under the transaction-level advisory lock of its transfer id, so a
   request with the same id cannot slip in between) and, in the same statement, tries to
   take the key's leadership (an advisory lock);
2. as the **leader**: in one transaction takes the queued intents of the key, locks the
   accounts involved (in id order), decides each request in id order against the running
   balances — with the rules of the careful path (`rules.py`) — inserts the accepted transfers and writes
   each account's counters once, in one statement that also releases the leadership,
   sends each waiting client its verdict (NOTIFY on the client's own channel) and names
   the clients of the oldest intents still queued as candidates to lead; all of it commits at
   once, so a verdict is never heard before its transfer is durable;
3. otherwise waits on its own channel for its verdict, or for its turn to lead (also
   after `POLL` of silence: a leader that died names nobody).

A verdict is `ok` (the transfer, built from the request and the announced id), `funds`
(refused for funds, with what was available) or `careful`: anything unusual — a reused or
retried id, an unknown account, a hold already resolved, an intent older than `STALE` —
which the caller then decides on the careful path with its precise error code. The
intents live in an UNLOGGED table: a crash empties it and loses nothing acknowledged. A
leader that fails midway (killed, a race on a unique id) rolls back, and its intents are
back in the queue for the next one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass
from typing import NamedTuple, cast

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from . import rules
from .models import Account, Intent, Transfer

LOCK_SPACE = 0x4546  # first key of the two-key advisory locks of leadership; transfer ids lock in the one-key space
POLL = 0.05  # a waiter that heard nothing for this long tries to lead (a leader that died names nobody)
PATIENCE = 30.0  # a waiter undecided for this long withdraws its intent, if still queued, and goes the careful way
STALE = dt.timedelta(seconds=60)  # an intent this old was given up: decided `careful`, never carried out
BATCH = 1_000  # intents per leader's transaction
ROUNDS = 4  # batches a leader carries out in a row while more is queued (its own client waits meanwhile)
BUSY_FOR = 1.0  # seconds an account found busy goes straight to the combiner (then the fast path is tried again)

_INTENTS = Intent._meta.db_table
_ACCOUNTS = Account._meta.db_table
_TRANSFERS = Transfer._meta.db_table
_INTENT_COLUMNS = (
    "op",
    "tid",
    "kind",
    "debit_id",
    "credit_id",
    "hold_id",
    "amount",
    "is_pending",
    "expires_at",
    "memo",
    "actor_id",
    "enrollment_id",
    "at",
)
_VALUES = ", ".join(f"%({name})s" for name in _INTENT_COLUMNS)
# What a leader reads, column by column (see _TAKE_SQL and _Batch)
_TAKEN_COLUMNS = ("id", *_INTENT_COLUMNS, "waiter")
_HOLD_COLUMNS = ("id", *(field.name for field in dataclasses.fields(rules.Hold)))
_ACCOUNT_COLUMNS = ("id", *(field.name for field in dataclasses.fields(rules.Counters)))


class Taken(NamedTuple):
    """A queued intent taken by a leader: the columns of _TAKEN_COLUMNS, in their order."""

    id: int
    op: str
    tid: str
    kind: str
    debit_id: int | None
    credit_id: int | None
    hold_id: int | None
    amount: int | None
    is_pending: bool
    expires_at: dt.datetime | None
    memo: str
    actor_id: int | None
    enrollment_id: int | None
    at: dt.datetime
    waiter: int


assert Taken._fields == _TAKEN_COLUMNS  # the SQL reads the columns in this order


_busy: dict[
    object, float
] = {}  # account id (or "r": some resolution) -> until when (time.monotonic) it is known to be busy
_seen: dict[object, float] = {}  # what was last found locked (an account id, "resolve") -> when

# A transfer is keyed by its credit account; a resolution by its hold's (no hold: no row).
_SUBMIT_SQL = {
    op: f"""
WITH claim AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtextextended(%(tid)s, 0)))
INSERT INTO {_INTENTS} (key, waiter, {", ".join(_INTENT_COLUMNS)})
SELECT {key}, pg_backend_pid(), {_VALUES} FROM claim {source}
RETURNING id, key, pg_try_advisory_lock({LOCK_SPACE}, key::int)
"""
    for op, key, source in (
        ("t", "%(credit_id)s", ""),
        ("r", "hold.credit_id", f"JOIN {_TRANSFERS} AS hold ON hold.id = %(hold_id)s"),
    )
}

# Take the queued intents (skipping those the previous leader is still committing), lock
# the accounts involved (their newest versions), and read the ids and holds already taken,
# with ids for the new transfers. An id or a hold taken after this statement's snapshot
# makes the final INSERT fail on its unique constraint: the batch rolls back and is decided
# again. One column per field, as arrays.
_TAKE_SQL = f"""
WITH taken AS (
    DELETE FROM {_INTENTS}
    WHERE id IN (SELECT id FROM {_INTENTS} WHERE key = %(key)s ORDER BY id LIMIT {BATCH} FOR UPDATE SKIP LOCKED)
    RETURNING id, {", ".join(_INTENT_COLUMNS)}, waiter
), holds AS (
    SELECT id, ledger, debit_id, credit_id, amount, is_pending, expires_at, enrollment_id
    FROM {_TRANSFERS} WHERE id IN (SELECT hold_id FROM taken)
), locked AS MATERIALIZED (
    SELECT id, ledger, may_go_negative, debits_posted, credits_posted, debits_pending, credits_pending FROM {_ACCOUNTS}
    WHERE id IN (SELECT debit_id FROM taken WHERE op = 't' UNION SELECT credit_id FROM taken WHERE op = 't'
                 UNION SELECT debit_id FROM holds UNION SELECT credit_id FROM holds)
    ORDER BY id FOR UPDATE
)
SELECT {", ".join(f"(SELECT array_agg({name} ORDER BY id) FROM taken)" for name in _TAKEN_COLUMNS)},
       {", ".join(f"(SELECT array_agg({name}) FROM holds)" for name in _HOLD_COLUMNS)},
       {", ".join(f"(SELECT array_agg({name}) FROM locked)" for name in _ACCOUNT_COLUMNS)},
       (SELECT array_agg(tid) FROM {_TRANSFERS} WHERE tid IN (SELECT tid FROM taken)),
       (SELECT array_agg(pending_id) FROM {_TRANSFERS} WHERE pending_id IN (SELECT hold_id FROM taken)),
       (SELECT array_agg(nextval(pg_get_serial_sequence('{_TRANSFERS}', 'id')))
        FROM generate_series(1, (SELECT count(*) FROM taken)))
"""

_INSERT_CTE = f"""inserted AS (
    INSERT INTO {_TRANSFERS} (id, tid, kind, ledger, debit_id, credit_id, amount, is_pending, pending_id, expires_at,
                              memo, created_by_id, enrollment_id, created_at)
    SELECT * FROM unnest(%(c0)s::bigint[], %(c1)s::text[], %(c2)s::text[], %(c3)s::text[], %(c4)s::bigint[],
                         %(c5)s::bigint[], %(c6)s::bigint[], %(c7)s::boolean[], %(c8)s::bigint[], %(c9)s::timestamptz[],
                         %(c10)s::text[], %(c11)s::bigint[], %(c12)s::bigint[], %(c13)s::timestamptz[])
)"""

_COUNTERS_CTE = f"""counted AS (
    UPDATE {_ACCOUNTS} AS a
    SET debits_posted = v.dp, credits_posted = v.cp, debits_pending = v.dh, credits_pending = v.ch
    FROM unnest(%(a0)s::bigint[], %(a1)s::bigint[], %(a2)s::bigint[], %(a3)s::bigint[], %(a4)s::bigint[])
         AS v(id, dp, cp, dh, ch)
    WHERE a.id = v.id
)"""

# Tell each waiting client its verdict. A refusal for funds is checked against the
# transfers once more: the batch was taken under a snapshot older than the accounts' row
# locks, and a previous leader that was still committing (it gives up the leadership in its
# last statement, before its COMMIT) may have carried out the first try of a refused id;
# this statement, run under those locks, sees it. Such a refusal becomes `careful` (the
# careful path answers with the first try). Then, if nothing more is queued or this was the
# leader's last round, give up the leadership and name the clients of the three oldest
# intents still queued (one of them may have gone: its connection was cut) as candidates
# for the next leader, the first to take the lock leads; else keep the leadership for
# another round. Answers: kept or not, and the refused ids found taken.
_RELEASE_SELECT = f"""
SELECT (SELECT count(pg_notify('efs_ledger_' || w,
                              CASE WHEN r IS NOT NULL AND EXISTS (SELECT 1 FROM {_TRANSFERS} WHERE tid = r)
                                   THEN split_part(v, ':', 1) || ':c' ELSE v END))
        FROM unnest(%(waiters)s::int[], %(verdicts)s::text[], %(refused)s::text[]) AS x(w, v, r)) >= 0
       AND CASE WHEN %(last)s OR NOT EXISTS (SELECT 1 FROM {_INTENTS} WHERE key = %(key)s)
                THEN NOT pg_advisory_unlock({LOCK_SPACE}, %(key)s::int)
                     AND (SELECT count(pg_notify('efs_ledger_' || waiter, 'n:' || id))
                          FROM (SELECT waiter, id FROM {_INTENTS} WHERE key = %(key)s ORDER BY id LIMIT 3) AS next) >= 0
                ELSE true END,
       (SELECT array_agg(tid) FROM {_TRANSFERS} WHERE tid = ANY(%(refused)s::text[]))
"""

_WITHDRAW_SQL = f"DELETE FROM {_INTENTS} WHERE id = %(id)s RETURNING id"
_TRY_LEAD_SQL = f"SELECT pg_try_advisory_lock({LOCK_SPACE}, %(key)s::int)"


@dataclass(frozen=True)
class Verdict:
    code: str  # "ok", "funds" or "careful"
    available: int | None = None  # "funds": what the account had
    transfer: tuple | None = None  # "ok": id, ledger, debit id, credit id, amount, enrollment id

    def encode(self, intent_id: int) -> str:
        if self.code == "ok":
            transfer = cast(tuple, self.transfer)  # an "ok" verdict has it
            return ":".join([str(intent_id), "o", *("-" if value is None else str(value) for value in transfer)])
        if self.code == "funds":
            return f"{intent_id}:f:{self.available}"
        return f"{intent_id}:c"

    @staticmethod
    def decode(payload: str) -> tuple[int, Verdict | None]:
        """(intent id, its verdict); the verdict is None for a "your turn to lead" message."""
        first, second, *rest = payload.split(":")
        if first == "n":
            return int(second), None
        if second == "o":
            pk, ledger, debit, credit, amount, enrollment = rest
            return int(first), Verdict(
                "ok",
                transfer=(
                    int(pk),
                    ledger,
                    int(debit),
                    int(credit),
                    int(amount),
                    None if enrollment == "-" else int(enrollment),
                ),
            )
        if second == "f":
            return int(first), Verdict("funds", available=int(rest[0]))
        return int(first), Verdict("careful")


def usable() -> bool:
    """The combiner serves requests made outside a transaction on PostgreSQL; a request
    inside a caller's transaction must commit with it, so it waits for the row instead."""
    db = connections[DEFAULT_DB_ALIAS]
    return db.vendor == "postgresql" and not db.in_atomic_block


def busy(token) -> bool:
    """Was this account (or, for "r", a resolution of this process) found busy a moment
    ago? Then the fast path is not worth a try."""
    return _busy.get(token, 0.0) > time.monotonic()


def contended(token) -> bool:
    """A row was found locked: is it contended (found locked before, within BUSY_FOR), so
    worth the combiner? A first encounter just waits for the row, as inside a transaction."""
    now = time.monotonic()
    seen, _seen[token] = _seen.get(token, -BUSY_FOR), now
    return now - seen < BUSY_FOR


def queued(tid: str) -> bool:
    """Is a request with this id waiting in the queue? A retry must not overtake it."""
    return Intent.objects.filter(tid=tid).exists()


_EXPLICIT_ONLY = 2**31 - 1  # psycopg would prepare a statement by itself after this many runs: never


def raw_connection(db):
    """The open psycopg connection under Django's `db`, with explicit preparation on.

    Django turns psycopg's preparing off (`prepare_threshold` None, for poolers in
    transaction mode), and then psycopg ignores `prepare=True` as well: the ledger's
    statements were planned on every run. A threshold no query reaches keeps Django's own
    queries unprepared and lets the statements run with `prepare=True` be prepared once
    per connection. (psycopg forgets them after a rollback and prepares them again.)"""
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _EXPLICIT_ONLY
    return raw


def prepared_row(sql: str, params: dict):
    """Run a statement prepared on the server (server-side binding; for the ledger's hot
    statements planning costs more than running) and return its first row. Errors are
    Django's, and the statement is logged where Django logs queries."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of django.db.connection looks it up again
    raw = raw_connection(db)
    started = time.monotonic()
    with db.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    if db.queries_logged:
        db.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return row


def purge(now: dt.datetime | None = None) -> int:
    """Drop intents nobody will carry out any more (older than STALE: their clients gave up
    and no later request on that account took them along). Part of the daily job."""
    return Intent.objects.filter(at__lt=(now or timezone.now()) - STALE).delete()[0]


def _channel():
    """This connection's own channel, listened to from its first use on."""
    raw = raw_connection(connections[DEFAULT_DB_ALIAS])
    channel = f"efs_ledger_{raw.info.backend_pid}"
    if getattr(raw, "efs_listening", None) != channel:
        raw.execute(f"LISTEN {channel}")
        raw.efs_listening = channel
    return raw, channel


def submit(**request) -> Verdict:
    """Queue a request whose account is busy and return its verdict."""
    with connections[
        DEFAULT_DB_ALIAS
    ].wrap_database_errors:  # the raw connection's errors look like any other database error
        return _submit(request)


def _submit(request: dict) -> Verdict:
    raw, channel = _channel()
    row = prepared_row(_SUBMIT_SQL[request["op"]], {name: request.get(name) for name in _INTENT_COLUMNS})
    if row is None:
        return Verdict("careful")  # no such hold
    mine, key, leading = row
    _busy[key] = _busy[request["op"]] = time.monotonic() + BUSY_FOR
    started = time.monotonic()
    while True:
        verdict = None
        for round_ in range(ROUNDS if leading else 0):
            verdicts, leading = _lead(key, last=round_ == ROUNDS - 1)
            verdict = verdict or verdicts.get(mine)
            if not leading:
                break
        if verdict is not None:
            return verdict
        verdict, turn = _listen(raw, channel, mine)
        if verdict is not None:
            return verdict
        if time.monotonic() - started > PATIENCE:
            if prepared_row(_WITHDRAW_SQL, {"id": mine}) is not None:
                return Verdict("careful")  # never taken by a leader: nothing of it happened
            started = time.monotonic()  # a leader is deciding it right now
        leading = turn and prepared_row(_TRY_LEAD_SQL, {"key": key})[0]


def _listen(raw, channel: str, mine: int) -> tuple[Verdict | None, bool]:
    """Wait up to POLL on the channel: (this intent's verdict, whether to try to lead)."""
    verdict, turn, heard = None, False, False
    for note in raw.notifies(timeout=POLL, stop_after=1):  # read to the end: a packet may carry several
        if note.channel != channel:
            continue
        intent_id, said = Verdict.decode(note.payload)
        if intent_id != mine:
            continue  # left over from an earlier request of this connection
        heard = True
        if said is None:
            turn = True
        else:
            verdict = said
    return verdict, turn or not heard


@dataclass
class _Batch:
    """What a leader's first statement read: the taken intents (in queue order), the holds
    they resolve, the accounts involved (locked), the ids and holds already taken, and ids
    for the new transfers."""

    intents: list[Taken]
    holds: dict[int, rules.Hold]
    accounts: dict[int, rules.Counters]
    taken_tids: set[str]
    resolved_holds: set[int]
    new_ids: list[int]

    @classmethod
    def of(cls, row) -> _Batch:
        columns = iter(row)

        def rows(names: tuple[str, ...]) -> list[tuple]:
            arrays = [next(columns) for _ in names]  # a NULL array: no rows
            return list(zip(*arrays, strict=True)) if arrays[0] is not None else []

        intents = [Taken(*values) for values in rows(_TAKEN_COLUMNS)]
        holds = {pk: rules.Hold(*values) for pk, *values in rows(_HOLD_COLUMNS)}
        accounts = {pk: rules.Counters(*values) for pk, *values in rows(_ACCOUNT_COLUMNS)}
        taken_tids, resolved_holds, new_ids = (next(columns) or [] for _ in range(3))
        return cls(intents, holds, accounts, set(taken_tids), set(resolved_holds), new_ids)


def _lead(key: int, *, last: bool) -> tuple[dict[int, Verdict], bool]:
    """Carry out the queued intents of `key` in one transaction: the verdicts, and whether
    this client still leads (more is queued and this was not its `last` round).

    Two pipelined round trips on the raw connection, the second ending with the commit."""
    raw = connections[DEFAULT_DB_ALIAS].connection
    try:
        # Pipelined and prepared: BEGIN with the first statement, the last with COMMIT.
        with raw.pipeline(), psycopg.Cursor(raw) as begin, psycopg.Cursor(raw) as cursor:
            begin.execute("BEGIN")
            cursor.execute(_TAKE_SQL, {"key": key}, prepare=True)
            row = cursor.fetchone()
        batch = _Batch.of(row)
        verdicts, ctes, params = _decide(batch)
        waiters = {intent.id: intent.waiter for intent in batch.intents}
        tids = {intent.id: intent.tid for intent in batch.intents}
        params.update(
            key=key,
            last=last,
            waiters=[waiters[i] for i in verdicts],
            verdicts=[v.encode(i) for i, v in verdicts.items()],
            refused=[tids[i] if v.code == "funds" else None for i, v in verdicts.items()],
        )
        with raw.pipeline() as pipeline, psycopg.Cursor(raw) as cursor, psycopg.Cursor(raw) as commit:
            cursor.execute(("WITH " + ", ".join(ctes) if ctes else "") + _RELEASE_SELECT, params, prepare=True)
            commit.execute("COMMIT")
            pipeline.sync()
            kept, taken = cast(tuple, cursor.fetchone())  # _RELEASE_SELECT: one row, always
        for intent_id, verdict in verdicts.items():  # as told to the waiters
            if verdict.code == "funds" and tids[intent_id] in (taken or ()):
                verdicts[intent_id] = Verdict("careful")
        return verdicts, kept
    except psycopg.DatabaseError:
        # Typically a request with one of these ids (or a resolution of one of these holds)
        # committed on the fast path meanwhile. All of it is rolled back, the intents are
        # queued again, and the next leader finds that id taken. If the connection itself is
        # gone, so is the leadership, and this raises.
        _abdicate(raw, key)
        return {}, False
    except BaseException:
        _abdicate(raw, key)  # whatever went wrong, nobody else must wait for this leader
        raise


def _abdicate(raw, key: int) -> None:
    """Roll the leader's transaction back and hand the leadership on."""
    with psycopg.Cursor(raw) as cursor:
        cursor.execute("ROLLBACK")
        cursor.execute(_RELEASE_SELECT, {"key": key, "last": True, "waiters": [], "verdicts": [], "refused": []})


def _decide(batch: _Batch) -> tuple[dict[int, Verdict], list[str], dict]:
    """Decide each intent in order against the running balances, with the careful path's
    rules; the verdicts and the CTEs (with their parameters) that write the accepted
    transfers and the accounts' new counters."""
    accounts = batch.accounts
    before = {pk: dataclasses.replace(counters) for pk, counters in accounts.items()}
    taken, resolved = set(batch.taken_tids), set(batch.resolved_holds)
    stale = timezone.now() - STALE
    verdicts: dict[int, Verdict] = {}
    rows: list[tuple] = []
    for intent in batch.intents:
        verdicts[intent.id] = Verdict("careful")  # unless decided otherwise below
        if intent.tid in taken or intent.at < stale:
            continue
        if intent.op == "t":
            debit_id, credit_id, amount, enrollment_id = (
                intent.debit_id,
                intent.credit_id,
                cast(int, intent.amount),  # op "t": ledger.transfer always queues an amount
                intent.enrollment_id,
            )
            if debit_id not in accounts or credit_id not in accounts:
                continue
            decided = rules.transfer(accounts[debit_id], accounts[credit_id], amount, pending=intent.is_pending)
            if isinstance(decided, rules.Refusal):
                if decided.code == "insufficient_funds":
                    verdicts[intent.id] = Verdict("funds", available=decided.available)
                continue
            ledger, is_pending, pending_id, expiry = (
                accounts[debit_id].ledger,
                intent.is_pending,
                None,
                intent.expires_at if intent.is_pending else None,
            )
        else:
            hold_id = cast(int, intent.hold_id)  # op "r": ledger.resolve always queues the hold
            hold = batch.holds.get(hold_id)
            if hold is None:
                continue
            debit_id, credit_id, enrollment_id = hold.debit_id, hold.credit_id, hold.enrollment_id
            amount = hold.amount if intent.amount is None else intent.amount
            decided = rules.resolution(
                hold, "resolved" if hold_id in resolved else None, intent.kind, amount, intent.at
            )
            if isinstance(decided, rules.Refusal):
                continue
            ledger, is_pending, pending_id, expiry = hold.ledger, False, hold_id, None
            resolved.add(hold_id)
        decided.apply(accounts[debit_id], accounts[credit_id])
        taken.add(intent.tid)
        pk = batch.new_ids[len(rows)]
        rows.append(
            (
                pk,
                intent.tid,
                intent.kind,
                ledger,
                debit_id,
                credit_id,
                amount,
                is_pending,
                pending_id,
                expiry,
                intent.memo,
                intent.actor_id,
                enrollment_id,
                intent.at,
            )
        )
        verdicts[intent.id] = Verdict("ok", transfer=(pk, ledger, debit_id, credit_id, amount, enrollment_id))
    if not rows:
        return verdicts, [], {}
    params = {f"c{i}": list(column) for i, column in enumerate(zip(*rows, strict=True))}
    changed = [
        (pk, c.debits_posted, c.credits_posted, c.debits_pending, c.credits_pending)
        for pk, c in accounts.items()
        if c != before[pk]
    ]
    ctes = [_INSERT_CTE]
    if changed:
        ctes.append(_COUNTERS_CTE)
        params.update({f"a{i}": list(column) for i, column in enumerate(zip(*changed, strict=True))})
    return verdicts, ctes, params
