"""Adaptive test: deficit-decision accuracy against test length, with two references.

    .venv/bin/python bench/psychometrics/cat_accuracy.py --simulees 600

Bank: 1 000 items, 12 competencies (~83 items each), 20 % 3PL, slopes
log-normal around 1.1; cuts near the middle (N(0, 0.25)); abilities N(0, R) with
ρ = 0.6. Every simulee's response to every item is drawn once up front; the
adaptive test reads only the items it selects. All methods are scored the same
way (multidimensional posterior with the correlation R), so only the choice of
items differs:

* whole bank: all 1 000 items (the ceiling);
* best fixed form: per competency the n items most informative at its cut;
* CAT: the engine's ``cat_next`` (default selection: information at the cut,
  correlated prior R) with per-competency caps 20-50 and stopping thresholds
  0.9-0.975, and, at cap 40, the posterior-averaged selection, the independent
  prior and SPRT. The total cap is 12 x the per-competency cap.

``uncertain_at_95`` is the share of decisions with 0.05 < P(θ < cut) < 0.95.

A decision is correct when the more probable side of the cut (P(θ < cut) ≥ 0.5)
matches the simulated true ability.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from efs.psychometrics.bank import ItemBank
from efs.psychometrics.cat import CatConfig, cat_next, score
from efs.psychometrics.models import information
from efs.psychometrics.simulation import (
    equicorrelation,
    simulate_abilities,
    simulate_bank,
    simulate_dense,
)

OUT = Path(__file__).resolve().parents[2] / "bench" / "out" / "psychometrics"
N_DIMS = 12
RHO = 0.6
FORM_LENGTHS = (2, 4, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 83)


@dataclass(frozen=True)
class World:
    bank: ItemBank
    correlation: np.ndarray
    theta: np.ndarray
    responses: np.ndarray


def make_world(n_simulees: int, seed: int) -> World:
    rng = np.random.default_rng(seed)
    bank = simulate_bank(1000, N_DIMS, rng, share_3pl=0.2)
    correlation = equicorrelation(N_DIMS, RHO)
    theta = simulate_abilities(n_simulees, correlation, rng)
    return World(bank, correlation, theta, simulate_dense(bank, theta, rng))


def _p_deficit(world: World, person: int, items: list[int], config: CatConfig) -> np.ndarray:
    responses = [(i, int(world.responses[person, i])) for i in items]
    return np.array([r.p_deficit for r in score(world.bank, responses, config)])


def fixed_forms(world: World) -> dict[int, list[int]]:
    bank = world.bank
    at_cut = information(
        bank.model, bank.a, bank.c, bank.steps - bank.cuts[bank.dimension][:, None], [0.0]
    )[:, 0]
    forms = {}
    for n in FORM_LENGTHS:
        form: list[int] = []
        for pool in bank.items_by_dimension:
            form.extend(pool[np.argsort(-at_cut[pool])[:n]].tolist())
        forms[n] = form
    return forms


def run_cat(world: World, person: int, config: CatConfig) -> tuple[np.ndarray, int, np.ndarray]:
    responses: list[tuple[int, int]] = []
    while True:
        step = cat_next(world.bank, responses, config, rng=person)
        if step.item is None:
            break
        responses.append((step.item, int(world.responses[person, step.item])))
    counts = np.array([r.n_items for r in step.dimensions])
    return np.array([r.p_deficit for r in step.dimensions]), len(responses), counts


def _summary(world: World, p_deficit: np.ndarray, lengths: np.ndarray) -> dict[str, float]:
    truth = world.theta < world.bank.cuts
    correct = (p_deficit >= 0.5) == truth
    far = np.abs(world.theta - world.bank.cuts) > 0.5
    decided = (p_deficit >= 0.95) | (p_deficit <= 0.05)
    per_dim = correct.mean(axis=0)
    return {
        "items_total": round(float(lengths.mean()), 1),
        "items_per_competency": round(float(lengths.mean()) / N_DIMS, 2),
        "accuracy": round(100 * float(correct.mean()), 2),
        "accuracy_worst_competency": round(100 * float(per_dim.min()), 2),
        "accuracy_far_from_cut": round(100 * float(correct[far].mean()), 2),
        "uncertain_at_95": round(100 * float(1 - decided.mean()), 1),
    }


def _cat_chunk(args: tuple[World, CatConfig, list[int]]) -> list[tuple[np.ndarray, int]]:
    world, config, persons = args
    return [run_cat(world, p, config)[:2] for p in persons]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--simulees", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    world = make_world(args.simulees, args.seed)
    people = range(args.simulees)
    scoring = CatConfig(correlation=world.correlation)
    rows: list[dict[str, object]] = []

    whole = np.array([_p_deficit(world, p, list(range(1000)), scoring) for p in people])
    rows.append(
        {"method": "whole bank (ceiling)", **_summary(world, whole, np.full(len(people), 1000))}
    )
    for n, form in fixed_forms(world).items():
        p_def = np.array([_p_deficit(world, p, form, scoring) for p in people])
        rows.append(
            {
                "method": f"best fixed form, {n}/competency",
                **_summary(world, p_def, np.full(len(people), len(form))),
            }
        )

    corr = world.correlation
    cat_configs = {
        f"CAT bayes 0.95, cap {cap}": CatConfig(max_items=cap, max_total=12 * cap, correlation=corr)
        for cap in (20, 30, 40, 50)
    }
    for t in (0.9, 0.975):
        cat_configs[f"CAT bayes {t}, cap 50"] = CatConfig(
            deficit_threshold=t,
            no_deficit_threshold=1 - t,
            max_items=50,
            max_total=600,
            correlation=corr,
        )
    cat_configs["CAT bayes 0.95, cap 40, info averaged over posterior"] = CatConfig(
        max_items=40, max_total=480, correlation=corr, selection="posterior"
    )
    cat_configs["CAT bayes 0.95, cap 40, independent prior"] = CatConfig(
        max_items=40, max_total=480
    )
    cat_configs["CAT SPRT δ=0.3, cap 40"] = CatConfig(
        stopping="sprt", max_items=40, max_total=480, correlation=corr
    )
    chunks = [list(people)[k :: args.workers] for k in range(args.workers)]
    with ProcessPoolExecutor(args.workers) as pool:
        for name, config in cat_configs.items():
            results = [None] * len(people)
            for chunk, out in zip(
                chunks, pool.map(_cat_chunk, [(world, config, c) for c in chunks]), strict=True
            ):
                for person, value in zip(chunk, out, strict=True):
                    results[person] = value
            p_def = np.array([r[0] for r in results])
            lengths = np.array([r[1] for r in results])
            rows.append({"method": name, **_summary(world, p_def, lengths)})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)

    ceiling = rows[0]["accuracy"]
    fixed = [
        (r["items_total"], r["accuracy"]) for r in rows if str(r["method"]).startswith("best fixed")
    ]
    for row in rows:
        if str(row["method"]).startswith("CAT"):
            row["gap_to_ceiling"] = round(ceiling - row["accuracy"], 2)
            needed = _items_for_accuracy(fixed, row["accuracy"])
            row["fixed_form_items_for_same_accuracy"] = needed
            row["share_of_fixed_form"] = (
                None if needed is None else round(row["items_total"] / needed, 2)
            )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cat_accuracy.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    print(_table(rows))
    print(
        f"\n{args.simulees} simulees x {N_DIMS} competencies, seed {args.seed}, "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0


def _items_for_accuracy(fixed: list[tuple[float, float]], target: float) -> float | None:
    """Fixed-form length (total items) that first reaches ``target``, linearly interpolated."""
    for (n0, acc0), (n1, acc1) in zip(fixed, fixed[1:], strict=False):
        if acc0 >= target:
            return n0
        if acc1 >= target:
            return round(n0 + (target - acc0) / (acc1 - acc0) * (n1 - n0), 1)
    return None


def _table(rows: list[dict[str, object]]) -> str:
    keys = [
        "method",
        "items_total",
        "items_per_competency",
        "accuracy",
        "accuracy_worst_competency",
        "accuracy_far_from_cut",
        "uncertain_at_95",
        "gap_to_ceiling",
        "fixed_form_items_for_same_accuracy",
        "share_of_fixed_form",
    ]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        lines.append(
            "| " + " | ".join("" if row.get(k) is None else str(row.get(k)) for k in keys) + " |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
