"""The double-entry ledger: transfers, holds, posts and voids (TigerBeetle-style semantics).

- Every transfer carries a client-supplied id (`tid`). Repeating a request with the same id
  and the same content returns the first transfer; the same id with other content is
  refused (`transfer_id_reused`). So a client that lost the answer simply retries.
- A hold is a pending transfer; it is resolved once, by a post (services rendered) or a
  void (declined, cancelled, expired). The resolution is a transfer of its own that points
  at the hold; a unique link in the database makes a double post or a post after a void
  impossible even if this code had a bug.
- Both accounts are locked (`SELECT … FOR UPDATE`, in id order so two transfers never
  deadlock) for the check and the counter update, in the transaction that inserts the
  transfer. On SQLite the database's write lock (IMMEDIATE transactions) does the same.
- An account that may not go below zero is protected twice: here (`insufficient_funds`)
  and by a check constraint.
- On PostgreSQL a hold, a plain transfer and a resolution first try a **fast path**: one
  SQL statement that updates both accounts' counters under the balance condition and
  inserts the transfer, so the row lock of a hot certificate is held only while that
  statement and its commit run, not across client round trips. Whenever it does not
  succeed cleanly (not enough money, an unknown account, a reused id, a race, anything)
  nothing of it remains and the careful path below runs, which locks, checks and explains
  the refusal. See docs/decisions/0004-ledger-fast-path.md.
- Outside a caller's transaction the fast path skips rows locked by someone else; a row
  found locked again within a second is contended, and the request goes to the combiner
  (`combiner.py`, docs/decisions/0005-ledger-combiner.md), where one leader carries out
  the queued requests of that account in one transaction.

Nothing in this module knows about certificates or enrollments; `services.py` does.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import nullcontext
from dataclasses import dataclass
from typing import NamedTuple, cast, overload

from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.db.models import Case, F, Model, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import Conflict, NotFound, ValidationFailed
from efs.limits import KOPECKS_MAX
from efs.money import format_money

from . import combiner, rules
from .models import Account, Transfer, TransferKind

TID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
RESOLUTIONS = (TransferKind.POST, TransferKind.VOID, TransferKind.EXPIRE)


def _check_tid(tid: str) -> None:
    if not isinstance(tid, str) or not TID.match(tid):
        raise ValidationFailed(_("A transfer id is 1–64 Latin letters, digits or . _ : -"), code="transfer_id_invalid")


def _check_amount(amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(_("The amount is a whole number of kopecks."), code="amount_invalid")
    if amount <= 0:
        raise ValidationFailed(_("The amount must be greater than zero."), code="amount_not_positive")
    if amount > KOPECKS_MAX:
        raise ValidationFailed(
            _("The amount is beyond the limit of one movement (%(max)s).") % {"max": format_money(KOPECKS_MAX)},
            code="amount_too_large",
        )
    return amount


def _lock(*ids: int) -> dict[int, Account]:
    accounts = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    missing = set(ids) - set(accounts)
    if missing:
        raise NotFound(_("Unknown account."), code="account_unknown")
    return accounts


def _apply(debit_id: int, credit_id: int, change: rules.Change) -> None:
    """Change the counters of both (locked) accounts in one statement."""
    changes = {}
    if change.posted:
        changes["debits_posted"] = F("debits_posted") + Case(When(pk=debit_id, then=change.posted), default=0)
        changes["credits_posted"] = F("credits_posted") + Case(When(pk=credit_id, then=change.posted), default=0)
    if change.pending:
        changes["debits_pending"] = F("debits_pending") + Case(When(pk=debit_id, then=change.pending), default=0)
        changes["credits_pending"] = F("credits_pending") + Case(When(pk=credit_id, then=change.pending), default=0)
    Account.objects.filter(pk__in=[debit_id, credit_id]).update(**changes)


@dataclass(frozen=True)
class Request:
    """What a transfer request asks for, to compare a retry with the stored transfer."""

    kind: str
    debit_id: int
    credit_id: int
    amount: int
    is_pending: bool
    pending_id: int | None


def _same(existing: Transfer, wanted: Request) -> Transfer:
    stored = Request(
        existing.kind, existing.debit_id, existing.credit_id, existing.amount, existing.is_pending, existing.pending_id
    )
    if stored != wanted:
        raise Conflict(
            _("This transfer id was already used for another transfer."),
            code="transfer_id_reused",
            details={"tid": existing.tid},
        )
    return existing


def _retry_after_race(error: IntegrityError, tid: str, wanted: Request) -> Transfer:
    """A concurrent request with the same id committed first: answer as a retry would."""
    existing = Transfer.objects.filter(tid=tid).first()
    if existing is None:  # the integrity error was something else: let it surface
        raise error
    return _same(existing, wanted)

# ---------------------------------------------------------------- the PostgreSQL fast path

_ACCOUNTS = Account._meta.db_table
_TRANSFERS = Transfer._meta.db_table
_FIELDS = Transfer._meta.concrete_fields
_RETURNING = ", ".join(cast(str, field.column) for field in _FIELDS)  # a concrete field has a column
_ATTNAMES = [field.attname for field in _FIELDS]

# Requests with the same id serialize on an advisory lock of the id (a retry sent while the
# first try is still waiting for the certificate must not overtake it and be refused).
# Both accounts are locked next, in id order like the careful path (an UPDATE alone locks
# in scan order, which changes as rows move: deadlocks). A row locked after a wait is read
# in its newest version, so the verdict (both found, one ledger, enough money) is current;
# the counters change only when it is favourable (and the id is new: a retry goes to the
# careful path, which answers with the first transfer), and the statement answers with the
# verdict, so a refusal for funds needs no second trip. An id inserted concurrently fails
# the INSERT, and with it the whole statement.
_TRANSFER_SQL = f"""
WITH claim AS MATERIALIZED (
    SELECT pg_advisory_xact_lock(hashtextextended(%(tid)s, 0))
), locked AS MATERIALIZED (
    SELECT id, ledger, may_go_negative, credits_posted - debits_posted - debits_pending AS available
    FROM {_ACCOUNTS} WHERE id IN (%(debit)s, %(credit)s) AND EXISTS (SELECT 1 FROM claim)
    ORDER BY id FOR UPDATE __WAIT__
), verdict AS MATERIALIZED (
    SELECT count(*) AS found, count(DISTINCT ledger) AS ledgers, min(ledger) AS ledger,
           min(CASE WHEN id = %(debit)s AND NOT may_go_negative THEN available END) AS available,
           NOT EXISTS (SELECT 1 FROM {_TRANSFERS} WHERE tid = %(tid)s) AS fresh
    FROM locked
), moved AS (
    UPDATE {_ACCOUNTS} AS a SET
        debits_posted = a.debits_posted + CASE WHEN a.id = %(debit)s THEN %(posted)s ELSE 0 END,
        credits_posted = a.credits_posted + CASE WHEN a.id = %(credit)s THEN %(posted)s ELSE 0 END,
        debits_pending = a.debits_pending + CASE WHEN a.id = %(debit)s THEN %(pending)s ELSE 0 END,
        credits_pending = a.credits_pending + CASE WHEN a.id = %(credit)s THEN %(pending)s ELSE 0 END
    FROM locked, verdict
    WHERE a.id = locked.id AND verdict.fresh AND verdict.found = 2 AND verdict.ledgers = 1
      AND coalesce(verdict.available >= %(amount)s, true)
    RETURNING a.id
), inserted AS (
    INSERT INTO {_TRANSFERS} (tid, kind, ledger, debit_id, credit_id, amount, is_pending, expires_at, memo,
                              created_by_id, enrollment_id, created_at)
    SELECT %(tid)s, %(kind)s, verdict.ledger, %(debit)s, %(credit)s, %(amount)s,
           %(is_pending)s, %(expires_at)s, %(memo)s, %(actor)s, %(enrollment)s, %(now)s
    FROM verdict WHERE (SELECT count(*) FROM moved) = 2
    RETURNING {_RETURNING}
)
SELECT verdict.fresh AND verdict.found = 2 AND verdict.ledgers = 1, verdict.available,
       verdict.found < 2 AND (SELECT count(*) FROM {_ACCOUNTS} WHERE id IN (%(debit)s, %(credit)s)) = 2 AS busy,
       inserted.*
FROM verdict LEFT JOIN inserted ON true
"""

# A resolution: the hold must be pending, of this amount rule, not expired for a post; the
# one-to-one `pending` link refuses a second resolution. Nothing inserted and not busy: not
# resolvable here (the careful path explains why).
_RESOLVE_SQL = f"""
WITH hold AS (
    SELECT id, ledger, debit_id, credit_id, amount AS held, COALESCE(%(amount)s::bigint, amount) AS amount, expires_at,
           enrollment_id
    FROM {_TRANSFERS} WHERE id = %(hold)s AND is_pending
), allowed AS (
    SELECT * FROM hold
    WHERE CASE WHEN %(is_post)s THEN amount > 0 AND amount <= held AND (expires_at IS NULL OR expires_at >= %(now)s)
               ELSE amount = held END
), locked AS MATERIALIZED (
    SELECT a.id FROM {_ACCOUNTS} AS a, allowed AS h WHERE a.id IN (h.debit_id, h.credit_id)
    ORDER BY a.id FOR UPDATE OF a __WAIT__
), moved AS (
    UPDATE {_ACCOUNTS} AS a SET
        debits_pending = a.debits_pending - CASE WHEN a.id = h.debit_id THEN h.held ELSE 0 END,
        credits_pending = a.credits_pending - CASE WHEN a.id = h.credit_id THEN h.held ELSE 0 END,
        debits_posted = a.debits_posted + CASE WHEN %(is_post)s AND a.id = h.debit_id THEN h.amount ELSE 0 END,
        credits_posted = a.credits_posted + CASE WHEN %(is_post)s AND a.id = h.credit_id THEN h.amount ELSE 0 END
    FROM allowed AS h, locked WHERE a.id = locked.id AND (SELECT count(*) FROM locked) = 2
    RETURNING a.id
), inserted AS (
    INSERT INTO {_TRANSFERS} (tid, kind, ledger, debit_id, credit_id, amount, is_pending, pending_id, memo,
                              created_by_id, enrollment_id, created_at)
    SELECT %(tid)s, %(kind)s, ledger, debit_id, credit_id, amount, false, id, %(memo)s, %(actor)s, enrollment_id,
           %(now)s
    FROM allowed WHERE (SELECT count(*) FROM moved) = 2
    RETURNING {_RETURNING}
)
SELECT EXISTS (SELECT 1 FROM allowed) AND (SELECT count(*) FROM locked) < 2 AS busy, inserted.*
FROM (SELECT 1) AS one LEFT JOIN inserted ON true
"""


BUSY = object()  # outside a transaction, a row the request needs is locked by another one
_VARIANTS = {
    (sql, wait): sql.replace("__WAIT__", "" if wait else "SKIP LOCKED")
    for sql in (_TRANSFER_SQL, _RESOLVE_SQL)
    for wait in (False, True)
}


class _Fast(NamedTuple):
    """A fast-path statement's answer (a resolution's has only `created`)."""

    valid: bool | None  # both accounts found, one ledger, the id new (in the statement's snapshot)
    available: int | None  # the debit account's, when it may not go below zero
    created: list | None  # the inserted transfer's columns (in `_FIELDS` order), or None


def _fast(sql: str, params: dict, *, wait: bool = False):
    """Run a fast-path statement: its answer (BUSY when it skipped a locked row), or None
    when the careful path must decide (then the statement left nothing behind)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of django.db.connection looks it up again
    if db.vendor != "postgresql":
        return None
    inside = db.in_atomic_block
    try:
        # In autocommit mode the statement is its own transaction (one round trip, the row
        # locks released at once) and skips a row locked by someone else: the combiner takes
        # such a request. Inside a caller's transaction a savepoint contains it and it waits
        # for the rows: that transaction must carry the transfer.
        with transaction.atomic() if inside else nullcontext():
            row = combiner.prepared_row(_VARIANTS[sql, inside or wait], params)
    except DatabaseError:  # a reused id, a race on the same id…
        return None
    if sql is _TRANSFER_SQL:
        valid, available, busy, *created = row
    else:
        (busy, *created), valid, available = row, None, None
    if busy:
        return BUSY
    return _Fast(valid, available, created if created[0] is not None else None)


def _first_try(sql: str, params: dict, busy_token, seen_token):
    """The fast path's first answer. Outside a transaction, an account found busy a moment
    ago goes straight to the combiner (BUSY); a first encounter with a locked row waits for it."""
    if combiner.usable() and combiner.busy(busy_token):
        return BUSY
    answer = _fast(sql, params)
    if answer is BUSY and not combiner.contended(seen_token):
        answer = _fast(sql, params, wait=True)
    return answer


def _combined(request: dict) -> combiner.Verdict:
    """Queue the request in the combiner and wait for its verdict."""
    return combiner.submit(**request)


def _transfer_decided(request: dict, verdict: combiner.Verdict) -> Transfer:
    """The transfer a combiner's `ok` verdict announced, built from the request."""
    pk, ledger_, debit_id, credit_id, amount, enrollment_id = cast(tuple, verdict.transfer)  # an "ok" verdict has it
    values = {
        "id": pk,
        "tid": request["tid"],
        "kind": request["kind"],
        "ledger": ledger_,
        "debit_id": debit_id,
        "credit_id": credit_id,
        "amount": amount,
        "is_pending": request["is_pending"],
        "pending_id": request.get("hold_id"),
        "expires_at": request["expires_at"],
        "enrollment_id": enrollment_id,
        "memo": request["memo"],
        "created_by_id": request["actor_id"],
        "created_at": request["at"],
    }
    return _transfer_of([values[name] for name in _ATTNAMES])


class _Queued(Exception):
    """A request with this id waits in the combiner's queue: this one must go after it."""


def _check_queue(tid: str, check: bool) -> None:
    """After the id's lock: a retry never overtakes its first try queued in the combiner."""
    if check and combiner.queued(tid):
        raise _Queued


def claim(key: str) -> None:
    """Serialize the requests with this key (a transfer id, or a service's request id) for
    the rest of the caller's transaction: the next one waits, then finds what the first
    committed (PostgreSQL; SQLite's IMMEDIATE transactions have one writer anyway)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _transfer_of(values) -> Transfer:
    return Transfer.from_db(DEFAULT_DB_ALIAS, _ATTNAMES, values)


def _insufficient(available: int, amount: int) -> Conflict:
    return Conflict(
        _("Not enough money: %(available)s available, %(amount)s asked.")
        % {"available": format_money(available), "amount": format_money(amount)},
        code="insufficient_funds",
        details={"available": available, "amount": amount},
    )


def _refused(refusal: rules.Refusal) -> Exception:
    """The error that explains a refusal of the rules."""
    code = refusal.code
    if code == "insufficient_funds":
        # rules.transfer gives an insufficient_funds refusal both figures
        return _insufficient(cast(int, refusal.available), cast(int, refusal.amount))
    conflicts = {
        "not_a_hold": _("This transfer is not a hold."),
        "hold_already_posted": _("The hold has already been posted."),
        "hold_expired": _("The hold has expired; the money is back on the certificate."),
        "hold_already_voided": _("The hold has already been released."),
    }
    if code in conflicts:
        return Conflict(conflicts[code], code=code)
    invalid = {
        "ledger_mismatch": _("The accounts keep different ledgers."),
        "amount_invalid": _("The amount is a whole number of kopecks."),
        "amount_not_positive": _("The amount must be greater than zero."),
        "post_exceeds_hold": _("A hold cannot be posted for more than was held."),
        "void_partial": _("A hold is released in full."),
    }
    return ValidationFailed(invalid[code], code=code)


@overload
def _pk(value: None) -> None: ...
@overload
def _pk(value: Model | int) -> int: ...
def _pk(value: Model | int | None) -> int | None:
    return None if value is None else value if isinstance(value, int) else value.pk


def transfer(
    *,
    tid: str,
    kind: str,
    debit: Account | int,
    credit: Account | int,
    amount: int,
    pending: bool = False,
    expires_at: dt.datetime | None = None,
    memo: str = "",
    actor=None,
    enrollment=None,
) -> Transfer:
    """Move `amount` from `debit` to `credit` — at once, or as a hold when `pending`.

    The fast path first; a request whose row is contended (or whose first try waits in
    the combiner's queue) goes to the combiner; whatever neither carries out, the careful path."""
    _check_tid(tid)
    _check_amount(amount)
    debit_id, credit_id = _pk(debit), _pk(credit)
    if debit_id == credit_id:
        raise ValidationFailed(_("A transfer needs two different accounts."), code="accounts_same")
    if pending and expires_at is None:
        raise ValidationFailed(_("A hold needs an expiry time."), code="hold_without_expiry")
    params = {
        "tid": tid,
        "kind": kind,
        "debit": debit_id,
        "credit": credit_id,
        "amount": amount,
        "posted": 0 if pending else amount,
        "pending": amount if pending else 0,
        "is_pending": pending,
        "expires_at": expires_at if pending else None,
        "memo": memo[:300],
        "actor": _pk(actor),
        "enrollment": _pk(enrollment),
        "now": timezone.now(),
    }
    wanted = Request(kind, debit_id, credit_id, amount, pending, None)
    answer = _first_try(_TRANSFER_SQL, params, credit_id, credit_id)
    if answer is not BUSY:
        try:
            return _transfer_uncombined(answer, params, wanted, actor, enrollment)
        except _Queued:
            pass
    request = {
        "op": "t",
        "tid": tid,
        "kind": kind,
        "debit_id": debit_id,
        "credit_id": credit_id,
        "amount": amount,
        "is_pending": pending,
        "expires_at": params["expires_at"],
        "memo": params["memo"],
        "actor_id": params["actor"],
        "enrollment_id": params["enrollment"],
        "at": params["now"],
    }
    verdict = _combined(request)
    if verdict.code == "ok":
        return _transfer_decided(request, verdict)
    if verdict.code == "funds":  # checked against the transfers under the accounts' locks: no earlier try of this id
        raise _insufficient(cast(int, verdict.available), amount)  # a "funds" verdict carries it
    return _transfer_carefully(params, wanted, actor, enrollment, check_queue=False)


def _transfer_uncombined(answer: _Fast | None, params: dict, wanted: Request, actor, enrollment) -> Transfer:
    """The fast path's answer, else the careful path. Raises _Queued when this request's
    first try waits in the combiner's queue (outside a transaction)."""
    tid, amount, standalone = params["tid"], params["amount"], combiner.usable()
    if answer is not None and answer.created is not None:
        return _transfer_of(answer.created)
    if answer is not None and answer.valid and answer.available is not None and answer.available < amount:
        # The id looked new in the statement's snapshot, taken before it waited for the
        # lock: the first try of this very request may wait in the combiner's queue or
        # have committed meanwhile. The queue first: an intent being carried out stays
        # visible until its transfer is.
        _check_queue(tid, standalone)
        existing = Transfer.objects.filter(tid=tid).first()
        if existing is not None:
            return _same(existing, wanted)
        raise _insufficient(answer.available, amount)
    return _transfer_carefully(params, wanted, actor, enrollment, check_queue=standalone)


def _transfer_carefully(params: dict, wanted: Request, actor, enrollment, *, check_queue: bool) -> Transfer:
    tid, amount, pending = params["tid"], params["amount"], params["is_pending"]
    try:
        with transaction.atomic():
            claim(tid)
            _check_queue(tid, check_queue)
            # A retry is answered without the accounts' locks (a hot row is not held for it).
            existing = Transfer.objects.filter(tid=tid).first()
            if existing is not None:
                return _same(existing, wanted)
            accounts = _lock(wanted.debit_id, wanted.credit_id)
            source, target = accounts[wanted.debit_id], accounts[wanted.credit_id]
            decided = rules.transfer(rules.Counters.of(source), rules.Counters.of(target), amount, pending=pending)
            if isinstance(decided, rules.Refusal):
                raise _refused(decided)
            created = Transfer.objects.create(
                tid=tid,
                kind=wanted.kind,
                ledger=source.ledger,
                debit_id=wanted.debit_id,
                credit_id=wanted.credit_id,
                amount=amount,
                is_pending=pending,
                expires_at=params["expires_at"],
                memo=params["memo"],
                created_by=actor,
                enrollment=enrollment,
            )
            _apply(wanted.debit_id, wanted.credit_id, decided)
            return created
    except IntegrityError as error:
        return _retry_after_race(error, tid, wanted)


def resolve(
    *,
    tid: str,
    hold: Transfer | int,
    kind: str,
    amount: int | None = None,
    memo: str = "",
    actor=None,
    now: dt.datetime | None = None,
) -> Transfer:
    """Post a hold (all of it, or `amount` of it, the rest released) or void/expire it.

    The same ways as `transfer`: the fast path, the combiner when contended, the careful path."""
    _check_tid(tid)
    if kind not in RESOLUTIONS:
        raise ValidationFailed(_("A hold is posted, voided or expired."), code="resolution_invalid")
    hold_id = _pk(hold)
    now = now or timezone.now()
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
        return _resolve_carefully(
            tid, hold_id, kind, amount, memo, actor, now, check_queue=False
        )  # it explains the bad amount
    params = {
        "tid": tid,
        "kind": kind,
        "hold": hold_id,
        "amount": amount,
        "is_post": kind == TransferKind.POST,
        "now": now,
        "memo": memo[:300],
        "actor": _pk(actor),
    }
    answer = _first_try(_RESOLVE_SQL, params, "r", "resolve")
    if answer is not BUSY:
        if answer is not None and answer.created is not None:
            return _transfer_of(answer.created)
        try:
            return _resolve_carefully(tid, hold_id, kind, amount, memo, actor, now, check_queue=combiner.usable())
        except _Queued:
            pass
    request = {
        "op": "r",
        "tid": tid,
        "kind": kind,
        "hold_id": hold_id,
        "amount": amount,
        "is_pending": False,
        "expires_at": None,
        "memo": memo[:300],
        "actor_id": _pk(actor),
        "enrollment_id": None,
        "at": now,
    }
    verdict = _combined(request)
    if verdict.code == "ok":
        return _transfer_decided(request, verdict)
    return _resolve_carefully(tid, hold_id, kind, amount, memo, actor, now, check_queue=False)


def _resolve_carefully(
    tid: str, hold_id: int, kind: str, amount, memo: str, actor, now: dt.datetime, *, check_queue: bool
) -> Transfer:
    try:
        with transaction.atomic():
            claim(tid)
            _check_queue(tid, check_queue)
            held = Transfer.objects.filter(pk=hold_id).first()
            if held is None:
                raise NotFound(_("Unknown hold."), code="hold_unknown")
            if amount is None:
                amount = held.amount
            wanted = Request(kind, held.debit_id, held.credit_id, amount, False, held.pk)
            existing = Transfer.objects.filter(tid=tid).first()
            if existing is not None:  # a retry: answered without the accounts' locks
                return _same(existing, wanted)
            _lock(held.debit_id, held.credit_id)
            resolved_as = Transfer.objects.filter(pending=held).values_list("kind", flat=True).first()
            hold_state = rules.Hold(
                held.ledger,
                held.debit_id,
                held.credit_id,
                held.amount,
                held.is_pending,
                held.expires_at,
                held.enrollment_id,
            )
            decided = rules.resolution(hold_state, resolved_as, kind, amount, now)
            if isinstance(decided, rules.Refusal):
                raise _refused(decided)
            created = Transfer.objects.create(
                tid=tid,
                kind=kind,
                ledger=held.ledger,
                debit_id=held.debit_id,
                credit_id=held.credit_id,
                amount=amount,
                is_pending=False,
                pending=held,
                memo=memo[:300],
                created_by=actor,
                enrollment_id=held.enrollment_id,
            )
            _apply(held.debit_id, held.credit_id, decided)
            return created
    except IntegrityError as error:
        existing = Transfer.objects.filter(tid=tid).first()
        if existing is None or existing.pending_id != hold_id:
            raise error
        return _same(
            existing,
            Request(
                kind,
                existing.debit_id,
                existing.credit_id,
                existing.amount if amount is None else amount,
                False,
                hold_id,
            ),
        )


def issue_many(
    *,
    source: Account,
    region_id: int,
    year: int,
    category: str,
    ledger_: str,
    educator_ids: list[int],
    amount: int,
    tid_prefix: str,
    actor=None,
    memo: str = "",
) -> int:
    """Open a certificate account for each educator and credit it `amount` from `source`,
    in one transaction: all or none. One transfer per certificate, counters set with it."""
    from .models import AccountKind

    _check_amount(amount)
    with transaction.atomic():
        locked = _lock(source.pk)[source.pk]
        total = amount * len(educator_ids)
        if not locked.may_go_negative and locked.available < total:
            raise Conflict(
                _("The fund has %(available)s; these certificates need %(total)s.")
                % {"available": format_money(locked.available), "total": format_money(total)},
                code="fund_insufficient",
                details={"available": locked.available, "needed": total},
            )
        accounts = Account.objects.bulk_create(
            [
                Account(
                    kind=AccountKind.CERTIFICATE,
                    ledger=ledger_,
                    region_id=region_id,
                    year=year,
                    educator_id=pk,
                    category=category,
                    credits_posted=amount,
                )
                for pk in educator_ids
            ],
            batch_size=2000,
        )
        Transfer.objects.bulk_create(
            [
                Transfer(
                    tid=f"{tid_prefix}:{a.educator_id}",
                    kind=TransferKind.ISSUE,
                    ledger=ledger_,
                    debit_id=source.pk,
                    credit_id=a.pk,
                    amount=amount,
                    memo=memo[:300],
                    created_by=actor,
                )
                for a in accounts
            ],
            batch_size=2000,
        )
        Account.objects.filter(pk=source.pk).update(debits_posted=F("debits_posted") + total)
    return len(accounts)


def hold_state(hold: Transfer) -> str:
    """pending, posted, voided or expired."""
    resolution = Transfer.objects.filter(pending=hold).values_list("kind", flat=True).first()
    if resolution is None:
        return "pending"
    states: dict[str, str] = {TransferKind.POST: "posted", TransferKind.VOID: "voided", TransferKind.EXPIRE: "expired"}
    return states[resolution]


# ---------------------------------------------------------------- reconciliation


@dataclass
class Reconciliation:
    accounts: int
    transfers: int
    breaches: list[str]

    @property
    def ok(self) -> bool:
        return not self.breaches


def reconcile() -> Reconciliation:
    """Recompute every account's counters from the transfers and check the invariants:
    the cached counters agree, each ledger sums to zero, no protected account is below
    zero, every resolution resolves a hold of the same accounts for no more than was held."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return _reconcile()
    with transaction.atomic():  # one snapshot for all the queries: a busy ledger gives no false alarms
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _reconcile()


def _reconcile() -> Reconciliation:
    breaches: list[str] = []
    expected: dict[int, list[int]] = {}

    def add(account_id: int, index: int, value: int) -> None:
        expected.setdefault(account_id, [0, 0, 0, 0])[index] += value

    # posted: plain transfers and posts; pending: holds without a resolution
    plain = (
        Transfer.objects.filter(is_pending=False, pending__isnull=True)
        .values("debit_id", "credit_id")
        .annotate(total=Sum("amount"))
    )
    posts = (
        Transfer.objects.filter(kind=TransferKind.POST, pending__isnull=False)
        .values("debit_id", "credit_id")
        .annotate(total=Sum("amount"))
    )
    for row in [*plain, *posts]:
        add(row["debit_id"], 0, row["total"])
        add(row["credit_id"], 1, row["total"])
    open_holds = (
        Transfer.objects.filter(is_pending=True, resolution__isnull=True)
        .values("debit_id", "credit_id")
        .annotate(total=Sum("amount"))
    )
    for row in open_holds:
        add(row["debit_id"], 2, row["total"])
        add(row["credit_id"], 3, row["total"])
    totals: dict[str, list[int]] = {}
    count = 0
    for account in Account.objects.all().iterator(chunk_size=5000):
        count += 1
        cached = [account.debits_posted, account.credits_posted, account.debits_pending, account.credits_pending]
        if cached != expected.get(account.pk, [0, 0, 0, 0]):
            breaches.append(
                f"account {account.pk}: cached {cached}, from transfers {expected.get(account.pk, [0, 0, 0, 0])}"
            )
        if not account.may_go_negative and account.available < 0:
            breaches.append(f"account {account.pk} is below zero: {account.available}")
        sums = totals.setdefault(account.ledger, [0, 0])
        sums[0] += account.credits_posted - account.debits_posted
        sums[1] += account.credits_pending - account.debits_pending
    for ledger, (posted, pending) in totals.items():
        if posted or pending:
            breaches.append(f"ledger {ledger} does not sum to zero: posted {posted}, pending {pending}")
    bad = Transfer.objects.filter(pending__isnull=False).exclude(
        debit_id=F("pending__debit_id"),
        credit_id=F("pending__credit_id"),
        amount__lte=F("pending__amount"),
        pending__is_pending=True,
    )
    breaches.extend(
        f"transfer {t} resolves something that is not its hold" for t in bad.values_list("tid", flat=True)[:100]
    )
    return Reconciliation(accounts=count, transfers=Transfer.objects.count(), breaches=breaches)
