"""Command-line contract of the psychometrics engine (stable; see docs/psychometrics.md).

``efs psychometrics calibrate --responses long.csv --model 2PL --out bank.json``
    ``long.csv``: header ``person,item,score``. Optional ``--dimensions items.csv``
    (header ``item,dimension``), ``--anchors bank.json`` (items found there keep
    their parameters), ``--quadpts``, ``--max-iter``, ``--tol``. Writes the bank
    format of :mod:`efs.psychometrics.bank` plus item statistics and a
    ``calibration`` block with convergence information.

``efs psychometrics cat-sim --bank bank.json --responses wide.csv --max-items N --out decisions.jsonl``
    ``wide.csv``: header ``person,<item ids>``, one row per simulee with the
    score the simulee would give to each item (an empty cell: the item is not
    available to that simulee). The simulation reads only the scores of the
    items the test selects. One JSON line per simulee::

        {"person": "p1", "items": ["q7", "q3"],
         "decisions": {"A01": {"deficit": true, "theta": -0.8, "se": 0.4,
                               "confidence": 0.96, "decision": "deficit", "p_deficit": 0.96}}}

Exit status: 0 on success, 2 on malformed input or usage (message on stderr).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from efs.psychometrics.bank import BankFormatError, ItemBank
from efs.psychometrics.calibration import ItemParameters, ResponseData, calibrate
from efs.psychometrics.cat import CatConfig, DimensionResult, cat_next
from efs.psychometrics.estimation import estimate_correlation
from efs.psychometrics.models import MODEL_NAMES
from efs.psychometrics.stats import item_statistics, person_eap

_CORRELATION_SAMPLE = 5000


class InputError(Exception):
    """A malformed input file or argument; the message is shown to the user."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        if args.command == "calibrate":
            return _calibrate(args)
        return _cat_sim(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="efs psychometrics", description="IRT calibration and adaptive-test simulation"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cal = sub.add_parser("calibrate", help="calibrate item parameters by MML/EM")
    cal.add_argument("--responses", required=True, type=Path, help="long CSV: person,item,score")
    cal.add_argument("--model", default="2PL", choices=MODEL_NAMES, type=str.upper)
    cal.add_argument("--out", required=True, type=Path, help="bank JSON to write")
    cal.add_argument("--dimensions", type=Path, help="CSV: item,dimension")
    cal.add_argument("--anchors", type=Path, help="bank JSON whose items are held fixed")
    cal.add_argument("--quadpts", type=int, default=41)
    cal.add_argument("--max-iter", type=int, default=500)
    cal.add_argument("--tol", type=float, default=1e-4)
    cal.add_argument("--quiet", action="store_true", help="no progress on stderr")

    sim = sub.add_parser("cat-sim", help="simulate adaptive tests from full response data")
    sim.add_argument("--bank", required=True, type=Path)
    sim.add_argument("--responses", required=True, type=Path, help="wide CSV: person,<item ids>")
    sim.add_argument("--max-items", required=True, type=int, help="hard cap on test length")
    sim.add_argument("--out", required=True, type=Path, help="JSON lines to write")
    sim.add_argument("--max-items-per-dimension", type=int)
    sim.add_argument("--min-items-per-dimension", type=int, default=2)
    sim.add_argument(
        "--confidence", type=float, default=0.95, help="stop at P ≥ this or ≤ 1 - this"
    )
    sim.add_argument("--se-target", type=float)
    sim.add_argument("--stopping", choices=("bayes", "sprt"), default="bayes")
    sim.add_argument("--randomesque", type=int, default=1)
    sim.add_argument("--independent", action="store_true", help="ignore the bank's correlation")
    sim.add_argument("--fixed-form", help="comma-separated item ids: give this form in order")
    sim.add_argument("--seed", type=int, default=0)
    return parser


def _read_csv(path: Path, required: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            rows = [row for row in reader if row]
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path} is not a readable UTF-8 CSV file: {exc}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; header is {header}")
    return header, rows


def _read_bank(path: Path) -> ItemBank:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from None
    try:
        return ItemBank.from_json(data)
    except BankFormatError as exc:
        raise InputError(f"{path}: {exc}") from None


def _read_dimension_map(path: Path) -> dict[str, str]:
    dim_header, dim_rows = _read_csv(path, ("item", "dimension"))
    i_col, d_col = dim_header.index("item"), dim_header.index("dimension")
    dimension_of: dict[str, str] = {}
    for line, row in enumerate(dim_rows, start=2):
        if len(row) <= max(i_col, d_col):
            raise InputError(f"{path}:{line}: too few fields")
        dimension_of[row[i_col].strip()] = row[d_col].strip()
    return dimension_of


def _response_arrays(
    args: argparse.Namespace, rows: list[list[str]], col: dict[str, int], dimension_of: dict[str, str] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Person index, item index and score of every response row; the items in order of appearance."""
    persons: dict[str, int] = {}
    items: dict[str, int] = {}
    person_idx = np.empty(len(rows), dtype=np.int64)
    item_idx = np.empty(len(rows), dtype=np.int64)
    scores = np.empty(len(rows), dtype=np.int64)
    width = max(col.values())
    for k, row in enumerate(rows):
        line = k + 2
        if len(row) <= width:
            raise InputError(f"{args.responses}:{line}: too few fields")
        person, item, raw = row[col["person"]].strip(), row[col["item"]].strip(), row[col["score"]]
        if not person or not item:
            raise InputError(f"{args.responses}:{line}: empty person or item")
        try:
            value = int(raw.strip())
        except ValueError:
            raise InputError(f"{args.responses}:{line}: score {raw!r} is not an integer") from None
        if value < 0:
            raise InputError(f"{args.responses}:{line}: score must be non-negative")
        if dimension_of is not None and item not in dimension_of:
            raise InputError(f"{args.responses}:{line}: item {item!r} is not in {args.dimensions}")
        person_idx[k] = persons.setdefault(person, len(persons))
        item_idx[k] = items.setdefault(item, len(items))
        scores[k] = value
    if not rows:
        raise InputError(f"{args.responses}: no responses")
    pair = person_idx * len(items) + item_idx
    order = np.argsort(pair, kind="stable")
    repeats = order[1:][pair[order[1:]] == pair[order[:-1]]]
    if repeats.size:
        k = int(repeats.min())
        person, item = rows[k][col["person"]].strip(), rows[k][col["item"]].strip()
        raise InputError(f"{args.responses}:{k + 2}: person {person!r} answered {item!r} twice")
    return person_idx, item_idx, scores, items


def _item_dimensions(item_ids: list[str], dimension_of: dict[str, str] | None) -> tuple[list[str], np.ndarray]:
    dim_ids: list[str] = []
    dims = np.zeros(len(item_ids), dtype=np.int64)
    if dimension_of is not None:
        for j, item in enumerate(item_ids):
            if dimension_of[item] not in dim_ids:
                dim_ids.append(dimension_of[item])
            dims[j] = dim_ids.index(dimension_of[item])
    else:
        dim_ids = ["all"]
    return dim_ids, dims


def _anchors(anchor_bank: ItemBank, item_ids: list[str]) -> dict[int, ItemParameters]:
    anchors: dict[int, ItemParameters] = {}
    for j, item in enumerate(item_ids):
        if item in anchor_bank.index:
            a = anchor_bank.index[item]
            steps = anchor_bank.steps[a]
            anchors[j] = ItemParameters(
                model=MODEL_NAMES[int(anchor_bank.model[a])],
                a=float(anchor_bank.a[a]),
                steps=[float(s) for s in steps[~np.isnan(steps)]],
                c=float(anchor_bank.c[a]),
            )
    return anchors


def _calibrate(args: argparse.Namespace) -> int:
    header, rows = _read_csv(args.responses, ("person", "item", "score"))
    col = {name: header.index(name) for name in ("person", "item", "score")}
    dimension_of = None if args.dimensions is None else _read_dimension_map(args.dimensions)
    person_idx, item_idx, scores, items = _response_arrays(args, rows, col, dimension_of)
    if args.model != "GPCM" and scores.max() > 1:
        raise InputError(f"{args.responses}: {args.model} needs scores 0/1; use --model GPCM")
    item_ids = list(items)
    dim_ids, dims = _item_dimensions(item_ids, dimension_of)
    anchors = {} if args.anchors is None else _anchors(_read_bank(args.anchors), item_ids)
    data = ResponseData.from_arrays(person_idx, item_idx, scores)
    started = time.perf_counter()

    def progress(fraction: float, message: str) -> None:
        if not args.quiet:
            print(f"[{fraction:6.1%}] {message}", file=sys.stderr)

    try:
        fit = calibrate(
            data,
            model=args.model,
            dimension=dims,
            anchors=anchors,
            n_quadpts=args.quadpts,
            max_iter=args.max_iter,
            tol=args.tol,
            progress=progress,
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None
    bank = ItemBank.from_arrays(
        ids=item_ids,
        dimension=dims,
        model=fit.model,
        a=fit.a,
        c=fit.c,
        steps=fit.steps,
        dimension_ids=dim_ids,
    )
    theta = person_eap(bank, data)
    correlation = None
    if len(dim_ids) > 1:
        by_person = _group_by_person(data)
        if len(by_person) > _CORRELATION_SAMPLE:
            # A few thousand persons pin a correlation down to about ±0.02.
            keep = np.random.default_rng(0).choice(
                len(by_person), _CORRELATION_SAMPLE, replace=False
            )
            by_person = [by_person[k] for k in np.sort(keep)]
        correlation, _ = estimate_correlation(bank, by_person)
        bank = dataclasses.replace(bank, correlation=np.asarray(correlation, dtype=float))
    stats = item_statistics(bank, data, theta)
    out = bank.to_json()
    for j, item in enumerate(out["items"]):
        item.update(
            n=int(stats.n[j]),
            p_value=_finite(stats.p_value[j]),
            point_biserial=_finite(stats.point_biserial[j]),
            infit=_finite(stats.infit[j]),
            outfit=_finite(stats.outfit[j]),
            anchor=bool(fit.fixed[j]),
        )
    out["calibration"] = {
        "method": "MML, Bock-Aitkin EM",
        "model": args.model,
        "n_persons": data.n_persons,
        "n_items": data.n_items,
        "n_responses": int(data.person.size),
        "n_quadpts": fit.n_quadpts,
        "converged": fit.converged,
        "iterations": fit.iterations,
        "log_likelihood": fit.log_likelihood,
        "population_mean": fit.population_mean.tolist(),
        "population_sd": fit.population_sd.tolist(),
        "seconds": round(time.perf_counter() - started, 3),
        "item_fit": "infit/outfit residual mean squares at EAP abilities",
    }
    try:
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {args.out}: {exc.strerror}") from None
    if not fit.converged:
        print("warning: EM stopped at the iteration limit before converging", file=sys.stderr)
    return 0


def _group_by_person(data: ResponseData) -> list[tuple[np.ndarray, np.ndarray]]:
    order = np.argsort(data.person, kind="stable")
    bounds = np.searchsorted(data.person[order], np.arange(data.n_persons + 1))
    items, scores = data.item[order], data.score[order]
    return [(items[lo:hi], scores[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _cat_table(
    path: Path, bank: ItemBank, header: list[str], rows: list[list[str]], person_col: int
) -> tuple[dict[int, int], list[tuple[str, dict[int, str]]]]:
    """The bank item of each column, and each person's non-empty scores by bank item."""
    columns: dict[int, int] = {}
    for k, name in enumerate(header):
        if k == person_col:
            continue
        if name not in bank.index:
            raise InputError(f"{path}: column {name!r} is not an item of the bank")
        columns[bank.index[name]] = k
    table: list[tuple[str, dict[int, str]]] = []
    for line, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise InputError(f"{path}:{line}: {len(row)} fields, header has {len(header)}")
        cells = {}
        for item, k in columns.items():
            cell = row[k].strip()
            if cell:
                try:
                    value = int(cell)
                except ValueError:
                    raise InputError(f"{path}:{line}: score {cell!r} for {header[k]!r} is not an integer") from None
                if not 0 <= value < bank.n_categories[item]:
                    raise InputError(f"{path}:{line}: score {value} out of range for {header[k]!r}")
                cells[item] = cell
        table.append((row[person_col], cells))
    return columns, table


def _fixed_form(spec: str | None, bank: ItemBank) -> tuple[int, ...]:
    if not spec:
        return ()
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in bank.index]
    if unknown:
        raise InputError(f"--fixed-form: unknown item(s) {', '.join(unknown)}")
    return tuple(bank.index[n] for n in names)


def _cat_sim(args: argparse.Namespace) -> int:
    bank = _read_bank(args.bank)
    if args.max_items < 1:
        raise InputError("--max-items must be at least 1")
    if args.seed < 0:
        raise InputError("--seed must be non-negative")
    if not 0.5 < args.confidence <= 1.0:
        raise InputError("--confidence must be in (0.5, 1]")
    header, rows = _read_csv(args.responses, ("person",))
    person_col = header.index("person")
    columns, table = _cat_table(args.responses, bank, header, rows, person_col)
    fixed_form = _fixed_form(args.fixed_form, bank)
    try:
        config = CatConfig(
            deficit_threshold=args.confidence,
            no_deficit_threshold=1.0 - args.confidence,
            stopping=args.stopping,
            se_target=args.se_target,
            min_items=args.min_items_per_dimension,
            max_items=args.max_items_per_dimension,
            max_total=args.max_items,
            randomesque=args.randomesque,
            correlation=None if args.independent else bank.correlation,
            mode="fixed" if fixed_form else "adaptive",
            fixed_form=fixed_form,
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None
    unavailable_everywhere = [i for i in range(bank.n_items) if i not in columns]
    lines = []
    for k, (person, cells) in enumerate(table):
        exclude = unavailable_everywhere + [i for i in columns if i not in cells]
        responses: list[tuple[int, int]] = []
        while True:
            step = cat_next(
                bank, responses, config, rng=_person_seed(args.seed, k), exclude=exclude
            )
            if step.item is None:
                break
            # The only place a simulee's response is read: the item the test chose.
            responses.append((step.item, int(cells[step.item])))
        lines.append(_decision_line(bank, person, responses, step.dimensions))
    try:
        args.out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    except OSError as exc:
        raise InputError(f"cannot write {args.out}: {exc.strerror}") from None
    return 0


def _person_seed(seed: int, person: int) -> int:
    return seed * 1_000_003 + person


def _decision_line(
    bank: ItemBank, person: str, responses: list[tuple[int, int]], results: list[DimensionResult]
) -> dict[str, Any]:
    return {
        "person": person,
        "items": [bank.ids[i] for i, _ in responses],
        "decisions": {
            r.id: {
                "deficit": r.deficit,
                "theta": round(r.theta, 4),
                "se": round(r.se, 4),
                "confidence": round(r.confidence, 4),
                "decision": r.decision,
                "p_deficit": round(r.p_deficit, 4),
            }
            for r in results
        },
    }
