"""The ledger's rules, written once: may a transfer or a resolution happen, and what it
changes on its two accounts.

Pure functions on plain values, no database. The careful path (`ledger.py`), which locks
the accounts with the ORM and explains a refusal with its error code, and the combiner
(`combiner.py`), which decides a batch against running balances, both decide with them.
The fast path's one SQL statement (`ledger.py`) states the same conditions for the requests
it carries out; everything else it leaves to the careful path. A property test checks that
the three agree on random sequences (tests/financing/test_ledger.py).

What is checked before (a valid id and amount, two different accounts that exist, an id
not used yet) is the caller's; these functions decide the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import TransferKind


@dataclass
class Counters:
    """An account as the rules see it (locked by the caller for as long as it decides)."""

    ledger: str
    may_go_negative: bool
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int

    @property
    def available(self) -> int:
        """What can still be held or spent: the balance less the pending holds."""
        return self.credits_posted - self.debits_posted - self.debits_pending

    @classmethod
    def of(cls, account) -> Counters:
        return cls(
            account.ledger,
            account.may_go_negative,
            account.debits_posted,
            account.credits_posted,
            account.debits_pending,
            account.credits_pending,
        )


@dataclass(frozen=True)
class Hold:
    """A pending transfer, as a resolution of it needs it."""

    ledger: str
    debit_id: int
    credit_id: int
    amount: int
    is_pending: bool
    expires_at: dt.datetime | None
    enrollment_id: int | None


@dataclass(frozen=True)
class Refusal:
    """Why not, as the error code the careful path raises (and its details)."""

    code: str
    available: int | None = None  # insufficient_funds: what the account had
    amount: int | None = None  # insufficient_funds: what was asked


@dataclass(frozen=True)
class Change:
    """What a transfer does to its accounts: `posted` moves from the debit's to the credit's
    posted counters, `pending` is added to both pending counters (negative: released)."""

    posted: int = 0
    pending: int = 0

    def apply(self, debit: Counters, credit: Counters) -> None:
        debit.debits_posted += self.posted
        credit.credits_posted += self.posted
        debit.debits_pending += self.pending
        credit.credits_pending += self.pending


def transfer(debit: Counters, credit: Counters, amount: int, *, pending: bool) -> Refusal | Change:
    """A transfer (a hold when `pending`) of `amount` from `debit` to `credit`."""
    if debit.ledger != credit.ledger:
        return Refusal("ledger_mismatch")
    if not debit.may_go_negative and debit.available < amount:
        return Refusal("insufficient_funds", available=debit.available, amount=amount)
    return Change(pending=amount) if pending else Change(posted=amount)


def resolution(hold: Hold, resolved_as: str | None, kind: str, amount: int, now: dt.datetime) -> Refusal | Change:
    """A post (of `amount`, at most what was held; the rest is released), a void or an
    expiry (of all of it) of `hold`, which was already resolved as `resolved_as` (a kind), or not."""
    if not hold.is_pending:
        return Refusal("not_a_hold")
    if resolved_as is not None:
        answers: dict[str, str] = {TransferKind.POST: "hold_already_posted", TransferKind.EXPIRE: "hold_expired"}
        return Refusal(answers.get(resolved_as, "hold_already_voided"))
    if kind == TransferKind.POST:
        if isinstance(amount, bool) or not isinstance(amount, int):
            return Refusal("amount_invalid")
        if amount <= 0:
            return Refusal("amount_not_positive")
        if amount > hold.amount:
            return Refusal("post_exceeds_hold")
        if hold.expires_at is not None and hold.expires_at < now:
            return Refusal("hold_expired")
        return Change(posted=amount, pending=-hold.amount)
    if amount != hold.amount:
        return Refusal("void_partial")
    return Change(pending=-hold.amount)
