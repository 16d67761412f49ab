"""Stress benchmark of the double-entry ledger: concurrent holds and voids under faults.

    .venv/bin/python bench/ledger/stress.py                      # hot + many + SQL peer, faults on
    .venv/bin/python bench/ledger/stress.py --scenario hot --no-faults --seconds 10

Every run drops and recreates its own PostgreSQL database (default ``efs_ledger_bench``
on ``postgres://postgres@127.0.0.1:5432``), migrates it and creates the accounts.

Scenarios (each: ``--clients`` OS processes, forked after ``django.setup()`` with no
open connection, so each opens its own; ``--seconds`` of load or ``--ops`` per client):

- **hot**: one certificate (funded for ``--hot-fund-holds`` average holds), one payee;
- **many**: ``--certs`` certificates with random funding, clients pick one at random
  (payees: ``--many-payees``, default one per certificate so the payee is not a hot row).

A client loop: place a hold (fresh tid, 1..5 000 kopecks), then with ``--void-prob`` (or
always when it has ``--max-open`` open holds) void one of its own open holds.
``insufficient_funds`` is a normal, counted outcome.

Faults (off with ``--no-faults``):

- **cut connection**: with ``--fault-rate`` a request gets a timer that shuts the DB socket
  down (``shutdown(SHUT_RDWR)`` on the libpq socket) at a random moment of the request;
  whether or not the cut landed mid-request, the client treats the answer as lost,
  reconnects and retries the same tid until it gets a definite answer;
- **killed worker**: every ``--kill-every`` seconds the coordinator SIGKILLs a random
  client (usually waiting on or holding a row lock inside a transaction) and forks a
  replacement for its slot. The replacement reads the slot's earlier journals, retries
  every request that has no recorded answer with its original tid, and adopts the open
  holds, so no money is left stranded and every transfer in the DB is accounted for.

Journals (one file per process, ``$EFS_DATA_DIR/journals/<scenario>/sNNN-gNNN.jsonl``):
an intent line before each request, a retry line for each retry, and an answer line per
answered request, each flushed to the kernel (it survives a SIGKILL); ``--journal-fsync``
also fsyncs every answer line (the bench's cost, not the ledger's: it runs on the disk
PostgreSQL commits to).

Checks (PASS/FAIL; exit status 1 on any FAIL): no certificate below zero (cached
counters, recomputed from transfers, and replayed through its history in lock order),
``ledger.reconcile().ok``, every acknowledged tid is in the Transfer table with the
acknowledged id/amount/kind, every retried tid exists exactly once (or not at all when
its final answer was a refusal), every voided hold has exactly one resolution (the void
the client was told about), the open holds of the clients' journals are exactly the open
holds in the DB, and no transfer exists that no client was told about.

Peer (``--peer``, default on): a minimal conditional-UPDATE ledger in plain SQL with
psycopg (``UPDATE … SET held = held + x WHERE id = … AND total - held >= x`` plus an INSERT
with a unique tid, one transaction per hold), same loop, client count, duration,
funding and journaling, on one hot row, without faults: how fast holds on one row can go
on this machine.

Optional observations (not checks): ``--audit`` runs ``ledger.reconcile()`` every second
during the load, as an operator's ``efs financing reconcile`` would, and the same inside a
REPEATABLE READ transaction; ``--stall S`` freezes (SIGSTOP) one client that is inside its
transaction for S seconds mid-run, and counts the holds acknowledged meanwhile.

Output: a Markdown summary on stdout and ``bench/out/ledger.json``. The machine is
reported as it was: the CPU cores used by the clients, by PostgreSQL and by anything
else running during each window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import signal
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORK = mp.get_context("fork")
HOLD_MIN, HOLD_MAX = 1, 5_000
AVG_HOLD = (HOLD_MIN + HOLD_MAX) / 2
PEER_ACCOUNT = 1


@dataclass
class Config:
    clients: int
    seconds: float | None
    ops: int | None
    scenario: str
    faults: bool
    peer: bool
    fault_rate: float
    kill_every: float
    void_prob: float
    max_open: int
    hot_fund_holds: int
    certs: int
    many_payees: int
    seed: int
    pg_url: str
    db_name: str
    data_dir: str
    out: str
    audit: bool = False
    stall: float = 0.0
    journal_fsync: bool = False

    @property
    def dsn(self) -> str:
        return f"{self.pg_url.rstrip('/')}/{self.db_name}"


# ---------------------------------------------------------------- journal


class Journal:
    """Append-only JSON lines, each flushed to the kernel in one write (it survives a
    SIGKILL of the process). With `fsync` answers are also fsynced (they would survive a
    crash of the machine, which this bench does not simulate; the cost lands on the
    clients and on the disk PostgreSQL commits to, for the measured ledger and the peer
    alike)."""

    def __init__(self, path: Path, *, fsync: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "a", encoding="utf-8")
        self.fsync = fsync

    def write(self, record: dict, *, sync: bool) -> None:
        self.file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self.file.flush()
        if sync and self.fsync:
            os.fsync(self.file.fileno())


def read_journal(path: Path) -> list[dict]:
    records = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:  # a torn last line (of a crashed machine): not a record
                continue
    return records


def journal_dir(cfg: Config, scenario: str) -> Path:
    return Path(cfg.data_dir) / "journals" / scenario


@dataclass
class SlotState:
    open: dict[str, dict]  # hold tid -> {"tid","id","amount","cert","payee"}
    unfinished: list[dict]  # intents without an answer, oldest first
    started: int  # operations started by earlier generations (for --ops)


def replay_slot(directory: Path, slot: int, gen: int) -> SlotState:
    """What the earlier processes of a slot left: their open holds and unanswered requests."""
    intents: dict[str, dict] = {}
    answers: dict[str, dict] = {}
    order: list[str] = []
    started = 0
    for g in range(gen):
        path = directory / f"s{slot:03d}-g{g:03d}.jsonl"
        if not path.exists():
            continue
        for rec in read_journal(path):
            if rec["e"] == "i":
                intents[rec["tid"]] = rec
                order.append(rec["tid"])
                started += rec["op"] == "hold"
            elif rec["e"] in ("a", "r"):
                answers[rec["tid"]] = rec
    open_holds: dict[str, dict] = {}
    for tid in order:
        intent, answer = intents[tid], answers.get(tid)
        if answer is None:
            continue
        if intent["op"] == "hold" and answer["e"] == "a":
            open_holds[tid] = {
                "tid": tid,
                "id": answer["id"],
                "amount": intent["amount"],
                "cert": intent["cert"],
                "payee": intent["payee"],
            }
        elif intent["op"] == "void" and (answer["e"] == "a" or answer.get("code") == "hold_already_voided"):
            open_holds.pop(intent["hold_tid"], None)
    unfinished = [intents[tid] for tid in order if tid not in answers]
    return SlotState(open_holds, unfinished, started)


# ---------------------------------------------------------------- the two ledgers a client can drive


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class DjangoLedger:
    """The project's ledger (efs.financing.ledger) through the Django ORM."""

    def __init__(self) -> None:
        from django.db import Error, connection
        from django.utils import timezone

        from efs.errors import DomainError
        from efs.financing import ledger
        from efs.financing.models import TransferKind

        self.connection, self.ledger, self.kinds = connection, ledger, TransferKind
        self.lost_types = (Error,)
        self.refused_types = (DomainError,)
        self.expires = timezone.now() + dt.timedelta(days=30)

    def connect(self) -> None:
        self.connection.ensure_connection()

    def socket_fd(self) -> int | None:
        raw = self.connection.connection
        return raw.pgconn.socket if raw is not None and not raw.closed else None

    def backend_pid(self) -> int:
        raw = self.connection.connection
        return raw.info.backend_pid if raw is not None and not raw.closed else 0

    def hold(self, op: dict) -> int:
        return self.ledger.transfer(
            tid=op["tid"],
            kind=self.kinds.HOLD,
            debit=op["cert"],
            credit=op["payee"],
            amount=op["amount"],
            pending=True,
            expires_at=self.expires,
        ).pk

    def void(self, op: dict) -> int:
        return self.ledger.resolve(tid=op["tid"], hold=op["hold"], kind=self.kinds.VOID).pk

    def reset(self) -> None:
        try:
            self.connection.close()
        except Exception:
            pass


PEER_SCHEMA = """
CREATE TABLE bench_peer_balance (id int PRIMARY KEY, total bigint NOT NULL, held bigint NOT NULL DEFAULT 0,
                                 CHECK (held >= 0 AND held <= total));
CREATE TABLE bench_peer_transfer (id bigserial PRIMARY KEY, tid text NOT NULL UNIQUE, kind text NOT NULL,
                                  account_id int NOT NULL REFERENCES bench_peer_balance, amount bigint NOT NULL,
                                  resolves bigint UNIQUE REFERENCES bench_peer_transfer,
                                  created_at timestamptz NOT NULL DEFAULT now());
"""


class PeerLedger:
    """The reference: a conditional UPDATE on one balance row and an INSERT, one transaction."""

    def __init__(self, dsn: str) -> None:
        import psycopg

        self.psycopg, self.dsn, self.conn = psycopg, dsn, None
        self.lost_types = (psycopg.OperationalError, psycopg.InterfaceError)
        self.refused_types = (Refused,)

    def connect(self) -> None:
        if self.conn is None or self.conn.closed:
            self.conn = self.psycopg.connect(self.dsn, autocommit=False)

    def socket_fd(self) -> int | None:
        return self.conn.pgconn.socket if self.conn is not None and not self.conn.closed else None

    def backend_pid(self) -> int:
        return self.conn.info.backend_pid if self.conn is not None and not self.conn.closed else 0

    def _existing(self, tid: str) -> int | None:
        row = self.conn.execute("SELECT id FROM bench_peer_transfer WHERE tid = %s", (tid,)).fetchone()
        self.conn.rollback()
        return row[0] if row else None

    def hold(self, op: dict) -> int:
        self.connect()
        conn = self.conn
        try:
            cur = conn.execute(
                "UPDATE bench_peer_balance SET held = held + %s WHERE id = %s AND total - held >= %s",
                (op["amount"], op["cert"], op["amount"]),
            )
            if cur.rowcount == 0:
                conn.rollback()
                raise Refused("insufficient_funds")
            hold_id = conn.execute(
                "INSERT INTO bench_peer_transfer (tid, kind, account_id, amount) VALUES (%s, 'hold', %s, %s) RETURNING "
                "id",
                (op["tid"], op["cert"], op["amount"]),
            ).fetchone()[0]
            conn.commit()
            return hold_id
        except self.psycopg.errors.UniqueViolation:
            conn.rollback()
            return self._existing(op["tid"])

    def void(self, op: dict) -> int:
        self.connect()
        conn = self.conn
        try:
            conn.execute("UPDATE bench_peer_balance SET held = held - %s WHERE id = %s", (op["amount"], op["cert"]))
            void_id = conn.execute(
                "INSERT INTO bench_peer_transfer (tid, kind, account_id, amount, resolves) VALUES (%s, 'void', %s, %s, "
                "%s) RETURNING id",
                (op["tid"], op["cert"], op["amount"], op["hold"]),
            ).fetchone()[0]
            conn.commit()
            return void_id
        except self.psycopg.errors.UniqueViolation:
            conn.rollback()
            existing = self._existing(op["tid"])
            if existing is None:
                raise Refused("hold_already_voided") from None
            return existing

    def reset(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
        self.conn = None


# ---------------------------------------------------------------- a client


class SocketCutter:
    """After `delay` seconds, shut the DB socket down under the request's feet (unless stopped)."""

    def __init__(self, fd: int | None, delay: float) -> None:
        self.fd, self.lock, self.active, self.fired = fd, threading.Lock(), True, False
        self.timer = threading.Timer(delay, self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self) -> None:
        with self.lock:
            if not self.active or self.fd is None:
                return
            try:
                dup = socket.socket(fileno=os.dup(self.fd))
                dup.shutdown(socket.SHUT_RDWR)
                dup.close()
                self.fired = True
            except OSError:
                pass

    def stop(self) -> bool:
        with self.lock:
            self.active = False
        self.timer.cancel()
        return self.fired


class Client:
    def __init__(
        self,
        cfg: Config,
        scenario: str,
        slot: int,
        gen: int,
        accounts: list[tuple[int, int]],
        backend,
        faults: bool,
        backend_pids=None,
    ) -> None:
        self.cfg, self.scenario, self.slot, self.gen, self.accounts, self.db = (
            cfg,
            scenario,
            slot,
            gen,
            accounts,
            backend,
        )
        self.backend_pids = backend_pids  # shared with the coordinator: which server process serves this slot
        self.faults = faults
        self.rng = random.Random(f"{cfg.seed}:{scenario}:{slot}:{gen}")
        directory = journal_dir(cfg, scenario)
        self.prior = replay_slot(directory, slot, gen)
        self.journal = Journal(directory / f"s{slot:03d}-g{gen:03d}.jsonl", fsync=cfg.journal_fsync)
        self.open = dict(self.prior.open)
        self.seq = 0
        self.latency_ema = 0.02

    def _tid(self, letter: str) -> str:
        self.seq += 1
        return f"{self.scenario}-{letter}{self.slot}.{self.gen}.{self.seq}"

    def execute(self, op: dict, *, fault: bool, adopted: bool = False) -> dict:
        """Send `op` until there is a definite answer; journal it; return the answer record."""
        if not adopted:
            self.journal.write({"e": "i", **op, "t": time.time()}, sync=False)
        else:
            self.journal.write({"e": "x", "tid": op["tid"], "why": "adopted", "t": time.time()}, sync=False)
        attempts, first_latency = 0, None
        while True:
            attempts += 1
            cutter = None
            try:
                self.db.connect()
            except Exception:
                pass
            if self.backend_pids is not None:
                self.backend_pids[self.slot] = self.db.backend_pid()
            if fault and attempts == 1:
                cutter = SocketCutter(self.db.socket_fd(), self.rng.uniform(0, 1.5 * self.latency_ema))
            started = time.perf_counter()
            answer: dict
            try:
                call = self.db.hold if op["op"] == "hold" else self.db.void
                answer = {"e": "a", "id": call(op)}
            except self.db.refused_types as error:
                answer = {"e": "r", "code": error.code}
            except self.db.lost_types as error:
                answer = {
                    "e": "lost",
                    "error": type(error).__name__ + ": " + str(error).strip().splitlines()[0][:160]
                    if str(error).strip()
                    else type(error).__name__,
                }
            latency = time.perf_counter() - started
            if first_latency is None:
                first_latency = latency
            why = None
            if cutter is not None:
                fired = cutter.stop()
                why = ("cut" if answer["e"] == "lost" else "cut_after_answer") if fired else "answer_dropped"
            elif answer["e"] == "lost":
                why = "db_error"
            if why is None:
                self.latency_ema = 0.9 * self.latency_ema + 0.1 * latency
                record = {
                    **answer,
                    "tid": op["tid"],
                    "op": op["op"],
                    "lat": round(first_latency * 1000, 3),
                    "n": attempts,
                    "retried": attempts > 1 or adopted,
                    "t": time.time(),
                }
                self.journal.write(record, sync=True)
                return record
            # the answer is lost (or, for an injected fault, deliberately forgotten): reconnect, retry the same tid
            self.db.reset()
            self.journal.write(
                {
                    "e": "x",
                    "tid": op["tid"],
                    "why": why,
                    "detail": answer.get("error") or answer.get("code") or answer.get("id"),
                    "t": time.time(),
                },
                sync=False,
            )
            if attempts >= 200:
                self.journal.write({"e": "gave_up", "tid": op["tid"], "t": time.time()}, sync=True)
                raise SystemExit(3)
            time.sleep(min(0.5, 0.005 * attempts))

    def _after(self, op: dict, record: dict) -> None:
        if op["op"] == "hold" and record["e"] == "a":
            self.open[op["tid"]] = {
                "tid": op["tid"],
                "id": record["id"],
                "amount": op["amount"],
                "cert": op["cert"],
                "payee": op["payee"],
            }
        elif op["op"] == "void" and (record["e"] == "a" or record.get("code") == "hold_already_voided"):
            self.open.pop(op["hold_tid"], None)

    def run(self, deadline: float | None) -> None:
        for op in self.prior.unfinished:  # what the killed predecessor never heard back about
            self._after(op, self.execute(op, fault=False, adopted=True))
        done = self.prior.started
        while (deadline is None or time.time() < deadline) and (self.cfg.ops is None or done < self.cfg.ops):
            done += 1
            cert, payee = self.accounts[self.rng.randrange(len(self.accounts))]
            op = {
                "op": "hold",
                "tid": self._tid("h"),
                "cert": cert,
                "payee": payee,
                "amount": self.rng.randint(HOLD_MIN, HOLD_MAX),
            }
            self._after(op, self.execute(op, fault=self.faults and self.rng.random() < self.cfg.fault_rate))
            if self.open and (len(self.open) > self.cfg.max_open or self.rng.random() < self.cfg.void_prob):
                hold = self.open[self.rng.choice(list(self.open))]
                op = {
                    "op": "void",
                    "tid": self._tid("v"),
                    "hold": hold["id"],
                    "hold_tid": hold["tid"],
                    "cert": hold["cert"],
                    "amount": hold["amount"],
                }
                self._after(op, self.execute(op, fault=self.faults and self.rng.random() < self.cfg.fault_rate))


def client_process(
    cfg: Config,
    scenario: str,
    kind: str,
    slot: int,
    gen: int,
    accounts,
    ready,
    start,
    start_at,
    faults: bool,
    backend_pids,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if kind == "django":
        import django

        django.setup()  # already set up before the fork: a no-op that keeps the contract explicit
        backend = DjangoLedger()
    else:
        backend = PeerLedger(cfg.dsn)
    client = Client(cfg, scenario, slot, gen, accounts, backend, faults, backend_pids)
    backend.connect()
    if start is not None:  # first generation: wait for everyone
        with ready.get_lock():
            ready.value += 1
        start.wait()
        start_at = start_at.value
    deadline = start_at + cfg.seconds if cfg.seconds else None
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    client.run(deadline)
    backend.reset()


# ---------------------------------------------------------------- coordinator: database and accounts


def admin_connect(cfg: Config):
    import psycopg

    return psycopg.connect(f"{cfg.pg_url.rstrip('/')}/postgres", autocommit=True)


def recreate_database(cfg: Config) -> None:
    if "bench" not in cfg.db_name:
        raise SystemExit(f"refusing to drop {cfg.db_name!r}: the bench database name must contain 'bench'")
    with admin_connect(cfg) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{cfg.db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{cfg.db_name}"')


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def create_accounts(cfg: Config, scenario: str, rng: random.Random) -> list[tuple[int, int]]:
    """(certificate, payee) pairs, funded by ISSUE transfers through the ledger itself."""
    from django.db import transaction

    from efs.financing import ledger
    from efs.financing.models import Account, AccountKind, TransferKind
    from efs.people.models import Region

    region = Region.objects.get(code="24")
    with transaction.atomic():
        source = Account.objects.create(kind=AccountKind.COPAY, region=region, may_go_negative=True)
        if scenario == "hot":
            certs = [Account.objects.create(kind=AccountKind.CERTIFICATE, region=region, year=2026)]
            payees = [Account.objects.create(kind=AccountKind.PROVIDER, region=region, may_go_negative=True)]
            funding = [int(cfg.hot_fund_holds * AVG_HOLD)]
        else:
            certs = Account.objects.bulk_create(
                [Account(kind=AccountKind.CERTIFICATE, region=region, year=2026) for _ in range(cfg.certs)]
            )
            payees = Account.objects.bulk_create(
                [
                    Account(kind=AccountKind.PROVIDER, region=region, may_go_negative=True)
                    for _ in range(cfg.many_payees)
                ]
            )
            funding = [rng.randint(2_500, 25_000) for _ in certs]  # 1..10 average holds: the small ones run out
        for cert, amount in zip(certs, funding, strict=True):
            ledger.transfer(
                tid=f"{scenario}-fund-{cert.pk}", kind=TransferKind.ISSUE, debit=source, credit=cert, amount=amount
            )
    return [(cert.pk, payees[i % len(payees)].pk) for i, cert in enumerate(certs)]


def create_peer_tables(cfg: Config) -> list[tuple[int, int]]:
    import psycopg

    with psycopg.connect(cfg.dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_peer_transfer, bench_peer_balance")
        conn.execute(PEER_SCHEMA)
        conn.execute(
            "INSERT INTO bench_peer_balance (id, total) VALUES (%s, %s)",
            (PEER_ACCOUNT, int(cfg.hot_fund_holds * AVG_HOLD)),
        )
    return [(PEER_ACCOUNT, 0)]


# ---------------------------------------------------------------- coordinator: running a scenario


def close_django_connections() -> None:
    from django.db import connections

    connections.close_all()


def _start_clients(cfg: Config, scenario: str, kind: str, accounts, faults: bool, ready, start, start_at, backend_pids):
    """Start one client process per slot and wait until all are ready (or fail the run)."""
    procs: dict[int, tuple[int, mp.Process]] = {}
    for slot in range(cfg.clients):
        proc = FORK.Process(
            target=client_process,
            args=(cfg, scenario, kind, slot, 0, accounts, ready, start, start_at, faults, backend_pids),
            daemon=True,
        )
        proc.start()
        procs[slot] = (0, proc)
    waited = time.time()
    while ready.value < cfg.clients:
        if time.time() - waited > 120 or any(not p.is_alive() for _, p in procs.values()):
            for _, p in procs.values():
                p.kill()
            raise SystemExit(f"{scenario}: clients failed to start ({ready.value}/{cfg.clients} ready)")
        time.sleep(0.05)
    return procs


def _kill_and_stall(
    cfg: Config, scenario: str, kind: str, accounts, faults: bool, procs, backend_pids, t0: float, deadline, ours,
    rng: random.Random,
) -> tuple[list[dict], dict | None]:
    """Kill a random client now and then (a replacement takes its slot) and stall one once, until the deadline."""
    kills: list[dict] = []
    stall: dict | None = None
    if not (faults and (cfg.kill_every > 0 or cfg.stall > 0)):
        return kills, stall
    never = float("inf")
    next_kill = t0 + cfg.kill_every * rng.uniform(0.5, 1.5) if cfg.kill_every > 0 else never
    stall_at = t0 + (cfg.seconds or 10) / 2 if cfg.stall > 0 else never
    while True:
        now = time.time()
        alive = [s for s, (_, p) in procs.items() if p.is_alive()]
        upcoming = min(next_kill, stall_at)
        if not alive or upcoming == never or (deadline is not None and upcoming > deadline - 1.0):
            break
        if now < upcoming:
            time.sleep(min(0.05, upcoming - now))
            continue
        if stall_at <= now:
            stall = stall_one(cfg, procs, backend_pids, t0)
            stall_at = never
            continue
        slot = rng.choice(alive)
        gen, proc = procs[slot]
        server_state = backend_state(cfg, backend_pids[slot])
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        replacement = FORK.Process(
            target=client_process,
            args=(cfg, scenario, kind, slot, gen + 1, accounts, None, None, t0, faults, backend_pids),
            daemon=True,
        )
        replacement.start()
        ours.add(replacement.pid)
        procs[slot] = (gen + 1, replacement)
        kills.append({"t": round(now - t0, 3), "slot": slot, "gen": gen, "pid": proc.pid, "server": server_state})
        next_kill = now + cfg.kill_every * rng.uniform(0.5, 1.5)
    return kills, stall


def _reap(procs, auditor, deadline) -> list[int]:
    """Wait for the clients and the auditor; kill the ones that hang. The hung slots."""
    hung = []
    for slot, (_gen, proc) in procs.items():
        proc.join(timeout=max(5.0, (deadline or time.time()) + 120 - time.time()))
        if proc.is_alive():
            hung.append(slot)
            proc.kill()
            proc.join()
    if auditor is not None:
        auditor.join(timeout=60)
        if auditor.is_alive():
            auditor.kill()
    return hung


def run_clients(cfg: Config, scenario: str, kind: str, accounts, faults: bool, rng: random.Random) -> dict:
    """Start the clients, release them together, kill and replace some, wait for all."""
    import shutil

    shutil.rmtree(journal_dir(cfg, scenario), ignore_errors=True)
    if kind == "django":
        close_django_connections()  # never fork with an open connection
    ready, start, start_at = FORK.Value("i", 0), FORK.Event(), FORK.RawValue("d", 0.0)
    backend_pids = FORK.RawArray("i", cfg.clients)
    procs = _start_clients(cfg, scenario, kind, accounts, faults, ready, start, start_at, backend_pids)
    auditor = None
    if cfg.audit and kind == "django":
        auditor = FORK.Process(target=audit_process, args=(cfg, scenario, start_at), daemon=True)
    start_at.value = time.time() + 0.3
    if auditor is not None:
        auditor.start()
    start.set()
    t0 = start_at.value
    deadline = t0 + cfg.seconds if cfg.seconds else None
    ours = {os.getpid(), *(p.pid for _, p in procs.values()), *([auditor.pid] if auditor is not None else [])}
    time.sleep(max(0.0, t0 - time.time()))
    cpu_before, reaped_before = cpu_snapshot(), children_cpu()
    load_before = os.getloadavg()[0]
    kills, stall = _kill_and_stall(cfg, scenario, kind, accounts, faults, procs, backend_pids, t0, deadline, ours, rng)
    cpu = None
    if deadline is not None:  # measure the window itself, while the clients still live
        time.sleep(max(0.0, deadline - time.time()))
        cpu = cpu_usage(cpu_before, cpu_snapshot(), ours, max(0.001, time.time() - t0), children_cpu() - reaped_before)
    hung = _reap(procs, auditor, deadline)
    finished = time.time()
    if cpu is None:  # --ops: the window ends when the last client is done
        cpu = cpu_usage(cpu_before, cpu_snapshot(), ours, max(0.001, finished - t0), children_cpu() - reaped_before)
    exit_codes = {slot: proc.exitcode for slot, (_gen, proc) in procs.items()}
    return {
        "t0": t0,
        "deadline": deadline,
        "finished": finished,
        "kills": kills,
        "stall": stall,
        "hung": hung,
        "cpu_cores": cpu,
        "loadavg_1min_before": load_before,
        "bad_exits": {s: c for s, c in exit_codes.items() if c not in (0, None)},
    }


def backend_state(cfg: Config, pid: int) -> str:
    """What the server process of a client is doing, just before the client is killed."""
    import psycopg

    if not pid:
        return "not connected"
    try:
        with psycopg.connect(cfg.dsn, autocommit=True, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT state, wait_event_type, wait_event, xact_start IS NOT NULL FROM pg_stat_activity WHERE pid = "
                "%s",
                (pid,),
            ).fetchone()
    except psycopg.Error as error:
        return f"unknown ({type(error).__name__})"
    if row is None:
        return "gone"
    state, wait_type, wait_event, in_xact = row
    if state == "active" and wait_type == "Lock":
        return f"in transaction, waiting for a lock ({wait_event})"
    if state == "idle in transaction":
        return "in transaction, between statements (holding its locks)"
    if in_xact:
        return f"in transaction, {state}" + (f" ({wait_type}:{wait_event})" if wait_type else "")
    return state or "unknown"


def stall_one(cfg: Config, procs: dict, backend_pids, t0: float) -> dict | None:
    """SIGSTOP a client whose transaction holds its locks ('idle in transaction') for
    `cfg.stall` seconds, then SIGCONT it: a frozen or partitioned client, which neither
    dies nor closes its socket."""
    import psycopg

    by_backend = {backend_pids[slot]: slot for slot in procs if backend_pids[slot]}
    found = None
    with psycopg.connect(cfg.dsn, autocommit=True) as conn:
        for _ in range(2000):
            rows = conn.execute(
                "SELECT pid, state FROM pg_stat_activity WHERE pid = ANY(%s) AND xact_start IS NOT NULL",
                (list(by_backend),),
            ).fetchall()
            idle = [pid for pid, state in rows if state == "idle in transaction"]
            if idle:
                found = (idle[0], "in transaction, between statements (holding its locks)")
                break
    if found is None:
        return None
    slot = by_backend[found[0]]
    proc = procs[slot][1]
    began = time.time()
    os.kill(proc.pid, signal.SIGSTOP)
    time.sleep(cfg.stall)
    os.kill(proc.pid, signal.SIGCONT)
    return {
        "t": round(began - t0, 3),
        "from": began,
        "to": time.time(),
        "slot": slot,
        "server": found[1],
        "seconds": cfg.stall,
    }


def audit_process(cfg: Config, scenario: str, start_at) -> None:
    """During the load, run ledger.reconcile() as an operator would (`efs financing reconcile`),
    and the same inside one REPEATABLE READ transaction; journal what each reported."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import django

    django.setup()
    from django.db import connection, transaction

    from efs.financing import ledger

    journal = Journal(journal_dir(cfg, scenario) / "audit.jsonl")
    time.sleep(max(0.0, start_at.value - time.time()))
    deadline = start_at.value + (cfg.seconds or 30)
    while time.time() < deadline - 0.5:
        for mode in ("read_committed", "repeatable_read"):
            began = time.perf_counter()
            if mode == "read_committed":
                result = ledger.reconcile()
            else:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    result = ledger.reconcile()
            journal.write(
                {
                    "e": "audit",
                    "mode": mode,
                    "ok": result.ok,
                    "breaches": len(result.breaches),
                    "sample": result.breaches[:3],
                    "ms": round((time.perf_counter() - began) * 1000, 1),
                    "t": time.time(),
                },
                sync=False,
            )
        time.sleep(1.0)
    connection.close()


def summarise_audit(cfg: Config, scenario: str) -> dict | None:
    path = journal_dir(cfg, scenario) / "audit.jsonl"
    if not path.exists():
        return None
    out = {}
    for rec in read_journal(path):
        mode = out.setdefault(rec["mode"], {"runs": 0, "with_breaches": 0, "sample": []})
        mode["runs"] += 1
        if not rec["ok"]:
            mode["with_breaches"] += 1
            if len(mode["sample"]) < 3:
                mode["sample"].append(rec["sample"][0])
    return out


def cpu_snapshot() -> dict[int, tuple[str, float]]:
    """CPU seconds used so far by every process on the machine: pid -> (command, seconds)."""
    tick = os.sysconf("SC_CLK_TCK")
    snap = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as handle:
                raw = handle.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1: raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        snap[int(entry.name)] = (comm, (int(fields[11]) + int(fields[12])) / tick)
    with open(
        "/proc/stat", encoding="ascii"
    ) as handle:  # pid 0: the whole machine, busy (not idle, not waiting for I/O)
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in handle.readline().split()[1:9])
    snap[0] = ("<machine>", (user + nice + system + irq + softirq + steal) / tick)
    return snap


def children_cpu() -> float:
    """CPU seconds of this process's children that have exited and been reaped (killed clients, finished ones)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_usage(before: dict, after: dict, ours: set[int], seconds: float, reaped: float) -> dict:
    """Cores used during the window: by the whole machine, by this benchmark's processes (live
    ones from /proc, exited ones from their reaped usage), by PostgreSQL's processes alive at
    the end, by everything else; and PostgreSQL's all told (the machine less the rest: a
    backend of a cut connection has exited by then and is in no process table)."""
    use = {"machine": after[0][1] - before[0][1], "bench_clients": reaped, "postgres": 0.0, "other": 0.0}
    others: dict[str, float] = {}
    for pid, (comm, total) in after.items():
        delta = total - before.get(pid, (comm, 0.0))[1]
        if delta <= 0 or pid == 0:
            continue
        if pid in ours:
            use["bench_clients"] += delta
        elif comm.startswith("postgres"):
            use["postgres"] += delta
        else:
            use["other"] += delta
            others[comm] = others.get(comm, 0.0) + delta
    use["postgres_all"] = max(use["postgres"], use["machine"] - use["bench_clients"] - use["other"])
    cores = {k: round(v / seconds, 2) for k, v in use.items()}
    cores["top_other"] = {
        k: round(v / seconds, 2) for k, v in sorted(others.items(), key=lambda kv: -kv[1])[:3] if v / seconds >= 0.05
    }
    return cores


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def load_journals(cfg: Config, scenario: str) -> dict:
    """All records of all processes of a scenario, by kind."""
    intents, answers, retries, gave_up = {}, {}, [], []
    duplicates = []
    for path in sorted(journal_dir(cfg, scenario).glob("s*-g*.jsonl")):
        for rec in read_journal(path):
            if rec["e"] == "i":
                intents[rec["tid"]] = rec
            elif rec["e"] in ("a", "r"):
                if rec["tid"] in answers:
                    duplicates.append(rec["tid"])
                answers[rec["tid"]] = rec
            elif rec["e"] == "x":
                retries.append(rec)
            elif rec["e"] == "gave_up":
                gave_up.append(rec)
    return {
        "intents": intents,
        "answers": answers,
        "retries": retries,
        "gave_up": gave_up,
        "duplicate_answers": duplicates,
    }


def _count(values: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _stall_effect(run: dict, journals: dict) -> dict | None:
    stall = run.get("stall")
    if not stall:
        return None
    during = [
        a
        for a in journals["answers"].values()
        if a["op"] == "hold" and a["e"] == "a" and stall["from"] <= a["t"] <= stall["to"]
    ]
    length = stall["to"] - stall["from"]
    return {"at_s": stall["t"], "seconds": round(length, 2), "slot": stall["slot"], "holds_acked_during": len(during),
            "holds_per_s_during": round(len(during) / length, 1) if length > 0 else None}


def summarise(run: dict, journals: dict) -> dict:
    t0 = run["t0"]
    end = (
        run["deadline"]
        if run["deadline"] is not None
        else max([a["t"] for a in journals["answers"].values()] or [t0 + 1])
    )
    window = end - t0
    answers = journals["answers"].values()
    in_window = [a for a in answers if t0 <= a["t"] <= end]
    acked_holds = [a for a in in_window if a["op"] == "hold" and a["e"] == "a"]
    acked_voids = [a for a in in_window if a["op"] == "void" and a["e"] == "a"]
    refused = [a for a in in_window if a["op"] == "hold" and a["e"] == "r" and a["code"] == "insufficient_funds"]
    other_refusals: dict[str, int] = {}
    for a in answers:
        if a["e"] == "r" and not (a["op"] == "hold" and a["code"] == "insufficient_funds"):
            key = f"{a['op']}:{a['code']}"
            other_refusals[key] = other_refusals.get(key, 0) + 1
    clean = [a["lat"] for a in answers if a["op"] == "hold" and a["n"] == 1 and not a["retried"]]
    clean_acked = [
        a["lat"] for a in answers if a["op"] == "hold" and a["e"] == "a" and a["n"] == 1 and not a["retried"]
    ]
    whys: dict[str, int] = {}
    for r in journals["retries"]:
        whys[r["why"]] = whys.get(r["why"], 0) + 1
    db_errors: dict[str, int] = {}
    for r in journals["retries"]:
        if r["why"] in ("db_error", "cut"):
            key = f"{r['why']}: {str(r.get('detail'))[:90]}"
            db_errors[key] = db_errors.get(key, 0) + 1

    def ms(values, q):
        v = percentile(values, q)
        return round(v, 2) if v is not None else None

    return {
        "window_s": round(window, 3),
        "acked_holds": len(acked_holds),
        "acked_voids": len(acked_voids),
        "insufficient_funds": len(refused),
        "holds_per_s": round(len(acked_holds) / window, 1),
        "ops_per_s": round((len(acked_holds) + len(acked_voids)) / window, 1),
        "requests_per_s": round((len(acked_holds) + len(acked_voids) + len(refused)) / window, 1),
        "insufficient_per_s": round(len(refused) / window, 1),
        "hold_latency_ms": {
            "p50": ms(clean_acked, 0.5),
            "p95": ms(clean_acked, 0.95),
            "p99": ms(clean_acked, 0.99),
            "max": ms(clean_acked, 1.0),
            "n": len(clean_acked),
        },
        "hold_request_latency_ms_incl_refused": {
            "p50": ms(clean, 0.5),
            "p95": ms(clean, 0.95),
            "p99": ms(clean, 0.99),
            "n": len(clean),
        },
        "after_window_answers": len([a for a in answers if a["t"] > end]),
        "other_refusals": other_refusals,
        "retries_by_cause": whys,
        "lost_answer_errors": dict(sorted(db_errors.items(), key=lambda kv: -kv[1])[:8]),
        "kills": len(run["kills"]),
        "killed_while": _count([k["server"] for k in run["kills"]]),
        "stall": _stall_effect(run, journals),
        "adopted_requests": whys.get("adopted", 0),
        "hung_clients": run["hung"],
        "bad_exits": run["bad_exits"],
        "gave_up": len(journals["gave_up"]),
        "cpu_cores_during_window": run["cpu_cores"],
        "loadavg_1min_before": run["loadavg_1min_before"],
    }


# ---------------------------------------------------------------- checks


def check(results: list[dict], name: str, ok: bool, detail: str = "") -> None:
    results.append({"check": name, "ok": bool(ok), "detail": detail})


def _check_no_overspend(results: list[dict], cert_ids: list[int]) -> None:
    """No certificate below zero: by the cached counters, recomputed from transfers, replayed through history."""
    from efs.financing.models import Account, Transfer, TransferKind

    below = list(
        Account.objects.filter(pk__in=cert_ids).values_list("pk", "credits_posted", "debits_posted", "debits_pending")
    )
    negative_cached = [pk for pk, cp, dp, dpe in below if cp - dp - dpe < 0]
    check(
        results,
        "no certificate below zero (cached counters)",
        not negative_cached,
        f"{len(negative_cached)} below zero" if negative_cached else f"{len(below)} certificates",
    )

    rows = list(
        Transfer.objects.filter(debit_id__in=cert_ids)
        .values_list("pk", "debit_id", "kind", "is_pending", "pending_id", "amount")
        .union(
            Transfer.objects.filter(credit_id__in=cert_ids).values_list(
                "pk", "credit_id", "kind", "is_pending", "pending_id", "amount"
            )
        )
    )
    # a row is a debit of a certificate unless it is an ISSUE (the only credits to certificates here)
    history: dict[int, list[tuple]] = {}
    for pk, account, kind, is_pending, pending_id, amount in rows:
        history.setdefault(account, []).append((pk, kind, is_pending, pending_id, amount))
    resolved = set(Transfer.objects.filter(pending__debit_id__in=cert_ids).values_list("pending_id", flat=True))
    hold_amount = dict(Transfer.objects.filter(debit_id__in=cert_ids, is_pending=True).values_list("pk", "amount"))
    recomputed_negative, replay_negative, replay_min = [], [], None
    for account, items in history.items():
        items.sort()
        credits = sum(a for _, k, _, _, a in items if k == TransferKind.ISSUE)
        posted_debits = sum(
            a
            for _, k, p, pend, a in items
            if k != TransferKind.ISSUE and not p and (pend is None or k == TransferKind.POST)
        )
        open_holds = sum(a for pk, k, p, _, a in items if p and pk not in resolved)
        if credits - posted_debits - open_holds < 0:
            recomputed_negative.append(account)
        available, low = 0, None
        for (
            _pk,
            kind,
            is_pending,
            pending_id,
            amount,
        ) in items:  # transfers on one certificate commit in id order: ids are drawn under its row lock
            if kind == TransferKind.ISSUE:
                available += amount
            elif is_pending:
                available -= amount
            elif kind == TransferKind.VOID:
                available += hold_amount.get(pending_id, 0)
            elif kind == TransferKind.POST:
                available += hold_amount.get(pending_id, 0) - amount
            else:
                available -= amount
            low = available if low is None else min(low, available)
        if low is not None and low < 0:
            replay_negative.append(account)
        replay_min = low if replay_min is None or (low is not None and low < replay_min) else replay_min
    check(
        results,
        "no certificate below zero (recomputed from transfers)",
        not recomputed_negative,
        f"{len(recomputed_negative)} below zero" if recomputed_negative else "",
    )
    check(
        results,
        "never below zero at any point (history replayed in id order)",
        not replay_negative,
        f"{len(replay_negative)} went below zero"
        if replay_negative
        else f"lowest available seen: {replay_min} kopecks",
    )


def run_checks(scenario: str, accounts, journals: dict, run: dict) -> list[dict]:
    from django.db.models import Count

    from efs.financing import ledger
    from efs.financing.models import Transfer, TransferKind

    results: list[dict] = []
    cert_ids = [c for c, _ in accounts]
    prefix = f"{scenario}-"

    # 1. no overspend: cached counters, recomputed from transfers, replayed through history
    _check_no_overspend(results, cert_ids)

    # 2. the ledger's own reconciliation
    rec = ledger.reconcile()
    check(
        results,
        "ledger.reconcile().ok",
        rec.ok,
        f"{rec.accounts} accounts, {rec.transfers} transfers" if rec.ok else "; ".join(rec.breaches[:5]),
    )

    # 3. acknowledged tids exist, as acknowledged
    intents, answers = journals["intents"], journals["answers"]
    db = {
        tid: (pk, kind, amount, pending_id)
        for tid, pk, kind, amount, pending_id in Transfer.objects.filter(tid__startswith=prefix)
        .exclude(kind=TransferKind.ISSUE)
        .values_list("tid", "pk", "kind", "amount", "pending_id")
    }
    acked = {tid: a for tid, a in answers.items() if a["e"] == "a"}
    missing, mismatched = [], []
    for tid, a in acked.items():
        row = db.get(tid)
        intent = intents.get(tid, {})
        if row is None:
            missing.append(tid)
        elif (
            row[0] != a["id"]
            or row[2] != intent.get("amount")
            or row[1] != (TransferKind.HOLD if a["op"] == "hold" else TransferKind.VOID)
            or (a["op"] == "void" and row[3] != intent.get("hold"))
        ):
            mismatched.append(tid)
    check(
        results,
        "every acknowledged tid is in the Transfer table (same id, kind, amount)",
        not missing and not mismatched,
        f"{len(acked)} acknowledged"
        + (f"; missing {missing[:5]}" if missing else "")
        + (f"; mismatched {mismatched[:5]}" if mismatched else ""),
    )

    # 4. retried tids: exactly once if the final answer was yes, not at all if it was a refusal
    retried = {r["tid"] for r in journals["retries"]}
    counts = dict(
        Transfer.objects.filter(tid__in=list(retried)).values("tid").annotate(n=Count("pk")).values_list("tid", "n")
    )
    bad_retry = []
    unanswered = [tid for tid in retried if tid not in answers]
    for tid in retried:
        a = answers.get(tid)
        if a is None:
            continue
        want = 1 if a["e"] == "a" else 0
        if counts.get(tid, 0) != want:
            bad_retry.append((tid, a["e"], counts.get(tid, 0)))
    check(
        results,
        "every retried tid exists exactly once (and a refused one not at all)",
        not bad_retry and not unanswered,
        f"{len(retried)} retried ({sum(1 for t in retried if answers.get(t, {}).get('e') == 'a')} acknowledged)"
        + (f"; wrong count {bad_retry[:5]}" if bad_retry else "")
        + (f"; never answered {unanswered[:5]}" if unanswered else ""),
    )

    # 5. every voided hold has exactly one resolution, the acknowledged void
    voided = {intents[tid]["hold"]: (tid, a["id"]) for tid, a in acked.items() if a["op"] == "void"}
    resolutions: dict[int, list[int]] = {}
    for pk, pending_id in Transfer.objects.filter(pending_id__in=list(voided)).values_list("pk", "pending_id"):
        resolutions.setdefault(pending_id, []).append(pk)
    bad_void = [
        (hold, resolutions.get(hold)) for hold, (_tid, void_pk) in voided.items() if resolutions.get(hold) != [void_pk]
    ]
    check(results, "every voided hold has exactly one resolution (the acknowledged void)", not bad_void,
          f"{len(voided)} voided holds" + (f"; bad {bad_void[:5]}" if bad_void else ""))

    # 6. the clients' view equals the database: open holds, and no transfer nobody was told about
    journal_open = {a["id"] for tid, a in acked.items() if a["op"] == "hold"} - set(voided)
    db_open = set(
        Transfer.objects.filter(tid__startswith=prefix, is_pending=True, resolution__isnull=True).values_list(
            "pk", flat=True
        )
    )
    check(
        results,
        "open holds in the journals == open holds in the DB",
        journal_open == db_open,
        f"{len(db_open)} open"
        if journal_open == db_open
        else f"only in journals: {sorted(journal_open - db_open)[:5]}, only in DB: "
             f"{sorted(db_open - journal_open)[:5]}",
    )
    phantoms = sorted(set(db) - set(acked))
    check(
        results,
        "no transfer in the DB that no client was acknowledged",
        not phantoms,
        f"{len(db)} transfers" if not phantoms else f"{len(phantoms)}: {phantoms[:5]}",
    )

    # 7. the run itself: no duplicate answers, nobody gave up or hung, every request answered
    problems = []
    if journals["duplicate_answers"]:
        problems.append(f"tids answered twice in journals: {journals['duplicate_answers'][:5]}")
    if journals["gave_up"]:
        problems.append(f"{len(journals['gave_up'])} requests given up after 200 attempts")
    if run["hung"]:
        problems.append(f"hung clients {run['hung']}")
    if run["bad_exits"]:
        problems.append(f"clients exited with errors: {run['bad_exits']}")
    never = [tid for tid in intents if tid not in answers]
    if never:
        problems.append(f"{len(never)} requests never answered: {never[:5]}")
    check(results, "every request got a definite answer; no client crashed or hung", not problems, "; ".join(problems))
    return results


def retry_outcomes(journals: dict) -> dict:
    """How each retried request ended, by the cause of its first retry: the original attempt had
    committed (the retry got the same transfer back: idempotency did the work), the retry itself
    created the transfer (the original had rolled back), or it was refused."""
    from efs.financing.models import Transfer

    first: dict[str, dict] = {}
    for r in journals["retries"]:
        if r["tid"] not in first or r["t"] < first[r["tid"]]["t"]:
            first[r["tid"]] = r
    created = {
        tid: at.timestamp() for tid, at in Transfer.objects.filter(tid__in=list(first)).values_list("tid", "created_at")
    }
    out: dict[str, dict[str, int]] = {}
    for tid, r in first.items():
        answer = journals["answers"].get(tid)
        if answer is None:
            outcome = "unanswered"
        elif answer["e"] == "r":
            outcome = f"refused:{answer['code']}"
        elif tid in created and created[tid] < r["t"]:
            outcome = "original_had_committed"
        else:
            outcome = "created_by_retry"
        bucket = out.setdefault(r["why"], {})
        bucket[outcome] = bucket.get(outcome, 0) + 1
    return out


def peer_checks(cfg: Config, journals: dict) -> list[dict]:
    import psycopg

    results: list[dict] = []
    with psycopg.connect(cfg.dsn, autocommit=True) as conn:
        total, held = conn.execute(
            "SELECT total, held FROM bench_peer_balance WHERE id = %s", (PEER_ACCOUNT,)
        ).fetchone()
        open_sum = conn.execute(
            "SELECT coalesce(sum(h.amount), 0) FROM bench_peer_transfer h WHERE h.kind = 'hold' AND NOT EXISTS (SELECT "
            "1 FROM bench_peer_transfer v WHERE v.resolves = h.id)",
        ).fetchone()[0]
    check(
        results,
        "peer: held == sum of open holds, 0 <= held <= total",
        held == open_sum and 0 <= held <= total,
        f"total {total}, held {held}, open holds {open_sum}",
    )
    return results


# ---------------------------------------------------------------- main


def markdown(cfg: Config, report: dict) -> str:
    lines = []
    faults = (
        f"faults on: {cfg.fault_rate:.0%} of requests get their DB socket cut and are retried, a client SIGKILLed "
        f"every ~{cfg.kill_every:g} s"
        if cfg.faults
        else "no faults"
    )
    span = f"{cfg.seconds:g} s" if cfg.seconds else f"{cfg.ops} ops/client"
    lines.append(f"## Ledger stress: {cfg.clients} client processes × {span} ({faults})")
    lines.append("")
    lines.append(
        f"PostgreSQL `{cfg.db_name}`, {os.cpu_count()} CPUs. Hold amounts 1..5 000 kopecks; void probability "
        f"{cfg.void_prob:g} (always above {cfg.max_open} open holds). "
        f"Client journals: {'answers fsynced' if cfg.journal_fsync else 'flushed, not fsynced'}."
    )
    lines.append("")
    lines.append(
        "| run | acked holds/s | holds+voids/s | insufficient_funds/s | hold p50 ms | p95 ms | p99 ms | max ms | kills "
        "| cut/dropped answers retried |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, s in report["scenarios"].items():
        st = s["stats"]
        lat = st["hold_latency_ms"]
        cuts = sum(v for k, v in st["retries_by_cause"].items() if k != "adopted")
        label = {
            "hot": "hot (1 certificate)",
            "many": f"many ({cfg.certs} certificates)",
            "peer": "peer: SQL conditional UPDATE (hot)",
        }[name]
        lines.append(
            f"| {label} | {st['holds_per_s']} | {st['ops_per_s']} | {st['insufficient_per_s']} | {lat['p50']} | "
            f"{lat['p95']} | {lat['p99']} | {lat['max']} | "
            f"{st['kills']} | {cuts} |"
        )
    lines.append("")
    lines.append(
        "Latency: acknowledged holds answered at the first attempt, wall clock in the client (includes waiting for the "
        "row lock)."
    )
    for name, s in report["scenarios"].items():
        st = s["stats"]
        extra = []
        if st["retries_by_cause"]:
            extra.append("retries " + ", ".join(f"{k} {v}" for k, v in sorted(st["retries_by_cause"].items())))
        if st["other_refusals"]:
            extra.append("other refusals " + ", ".join(f"{k} {v}" for k, v in st["other_refusals"].items()))
        if st["killed_while"]:
            extra.append("killed while " + ", ".join(f"{k} ×{v}" for k, v in st["killed_while"].items()))
        if st.get("retry_outcomes"):
            extra.append(
                "retried requests ended as "
                + "; ".join(
                    f"[{why}] " + ", ".join(f"{k} {v}" for k, v in sorted(o.items()))
                    for why, o in sorted(st["retry_outcomes"].items())
                )
            )
        if st.get("stall"):
            sl = st["stall"]
            extra.append(
                f"one client frozen (SIGSTOP) inside its transaction for {sl['seconds']} s at t={sl['at_s']} s: "
                f"{sl['holds_acked_during']} holds acknowledged meanwhile ({sl['holds_per_s_during']}/s)"
            )
        if st["lost_answer_errors"]:
            extra.append("errors seen " + "; ".join(f"{k} ×{v}" for k, v in st["lost_answer_errors"].items()))
        lines.append(
            f"- **{name}**: {st['acked_holds']} holds, {st['acked_voids']} voids, {st['insufficient_funds']} refused "
            f"for funds in {st['window_s']} s"
            + (f"; {'; '.join(extra)}" if extra else "")
        )
    busy = {name: s["stats"]["cpu_cores_during_window"] for name, s in report["scenarios"].items()}
    lines.append(
        f"- CPU cores used during each window, of {os.cpu_count()} (machine busy / bench clients / PostgreSQL, all "
        "backends: the machine less the rest / other processes): "
        + "; ".join(
            f"{n} {c['machine']}/{c['bench_clients']}/{c['postgres_all']}/{c['other']}"
            + (f" (other: {c['top_other']})" if c["top_other"] else "")
            for n, c in busy.items()
        )
    )
    for name, s in report["scenarios"].items():
        audit = s.get("live_audit")
        if audit:
            lines.append(
                f"- live `ledger.reconcile()` during **{name}** (observation, not a check): "
                + "; ".join(
                    f"{mode.replace('_', ' ')}: {a['with_breaches']}/{a['runs']} runs reported breaches"
                    for mode, a in audit.items()
                )
                + (
                    f" — e.g. `{next(a['sample'][0] for a in audit.values() if a['sample'])}`"
                    if any(a["sample"] for a in audit.values())
                    else ""
                )
            )
    lines.append("")
    lines.append("### Checks")
    lines.append("")
    for name, s in report["scenarios"].items():
        for c in s["checks"]:
            lines.append(
                f"- {'PASS' if c['ok'] else '**FAIL**'} [{name}] {c['check']}"
                + (f" — {c['detail']}" if c["detail"] else "")
            )
    lines.append("")
    lines.append(
        f"**{'ALL CHECKS PASS' if report['ok'] else 'SOME CHECKS FAILED'}** (total run {report['elapsed_s']} s)"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> Config:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=20.0, help="load duration per scenario (default 20)")
    p.add_argument("--ops", type=int, default=None, help="instead of a duration: hold attempts per client slot")
    p.add_argument("--scenario", choices=["hot", "many", "both"], default="both")
    p.add_argument("--no-faults", dest="faults", action="store_false", help="no cut connections, no killed workers")
    p.add_argument(
        "--peer",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the plain-SQL peer on one hot row (default on)",
    )
    p.add_argument(
        "--fault-rate",
        type=float,
        default=0.02,
        help="share of requests whose DB socket is cut and retried (default 0.02)",
    )
    p.add_argument(
        "--kill-every", type=float, default=2.0, help="seconds between SIGKILLs of a random client, ±50%% (default 2)"
    )
    p.add_argument("--void-prob", type=float, default=0.5)
    p.add_argument(
        "--max-open", type=int, default=5, help="a client always voids when it has more open holds than this"
    )
    p.add_argument(
        "--hot-fund-holds", type=int, default=200, help="hot certificate funding, in average holds (default 200)"
    )
    p.add_argument("--certs", type=int, default=1000)
    p.add_argument(
        "--many-payees",
        type=int,
        default=None,
        help="payee accounts in 'many' (default: one per certificate; 1 makes the payee a hot row)",
    )
    p.add_argument(
        "--audit",
        action="store_true",
        help="also run ledger.reconcile() every second during the load (read committed, and in a REPEATABLE READ "
             "snapshot)",
    )
    p.add_argument(
        "--stall",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="with faults: once, mid-run, freeze (SIGSTOP) a client that is inside a transaction for this long "
             "(default 0: off)",
    )
    p.add_argument(
        "--journal-fsync",
        action="store_true",
        help="fsync every answer line of the clients' journals (default: flush only, which survives a SIGKILL)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pg-url", default=os.environ.get("EFS_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    p.add_argument("--db-name", default="efs_ledger_bench")
    p.add_argument("--data-dir", default=os.environ.get("EFS_DATA_DIR", "/tmp/efs-ledger-bench"))
    p.add_argument("--out", default=str(ROOT / "bench" / "out" / "ledger.json"))
    a = p.parse_args(argv)
    if a.ops is not None and a.ops <= 0:
        p.error("--ops must be positive")
    seconds = None if a.ops is not None else a.seconds
    return Config(
        clients=a.clients,
        seconds=seconds,
        ops=a.ops,
        scenario=a.scenario,
        faults=a.faults,
        peer=a.peer,
        fault_rate=a.fault_rate,
        kill_every=a.kill_every,
        void_prob=a.void_prob,
        max_open=a.max_open,
        hot_fund_holds=a.hot_fund_holds,
        certs=a.certs,
        many_payees=a.many_payees or a.certs,
        seed=a.seed,
        pg_url=a.pg_url,
        db_name=a.db_name,
        data_dir=a.data_dir,
        out=a.out,
        audit=a.audit,
        stall=a.stall,
        journal_fsync=a.journal_fsync,
    )


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    began = time.time()
    # The bench database is ours alone: build DATABASE_URL here rather than inherit one we would drop.
    os.environ["DATABASE_URL"] = cfg.dsn
    os.environ["EFS_DATA_DIR"] = cfg.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    Path(cfg.data_dir).mkdir(parents=True, exist_ok=True)
    recreate_database(cfg)
    import django

    django.setup()
    migrate()
    import efs.financing.ledger  # noqa: F401 - import before forking so the clients share it

    rng = random.Random(cfg.seed)
    scenarios = ["hot", "many"] if cfg.scenario == "both" else [cfg.scenario]
    report: dict = {
        "config": asdict(cfg),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "scenarios": {},
    }
    for scenario in scenarios:
        accounts = create_accounts(cfg, scenario, rng)
        run = run_clients(cfg, scenario, "django", accounts, cfg.faults, rng)
        journals = load_journals(cfg, scenario)
        stats = summarise(run, journals)
        checks = run_checks(scenario, accounts, journals, run)
        stats["retry_outcomes"] = retry_outcomes(journals)
        report["scenarios"][scenario] = {
            "stats": stats,
            "checks": checks,
            "kills": run["kills"],
            "live_audit": summarise_audit(cfg, scenario),
        }
        print(f"[{scenario}] {stats['holds_per_s']} holds/s, {stats['ops_per_s']} ops/s, "
              f"{sum(not c['ok'] for c in checks)} failed checks", file=sys.stderr, flush=True)
    if cfg.peer:
        close_django_connections()
        accounts = create_peer_tables(cfg)
        run = run_clients(cfg, "peer", "peer", accounts, False, rng)
        journals = load_journals(cfg, "peer")
        stats = summarise(run, journals)
        report["scenarios"]["peer"] = {
            "stats": stats,
            "checks": peer_checks(cfg, journals),
            "kills": [],
            "live_audit": None,
        }
        print(f"[peer] {stats['holds_per_s']} holds/s", file=sys.stderr, flush=True)
    report["ok"] = all(c["ok"] for s in report["scenarios"].values() for c in s["checks"])
    report["elapsed_s"] = round(time.time() - began, 1)
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(cfg, report))
    print(f"\nJSON: {out}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
