"""Calibration benchmark: our sparse EM against `mirt` and `girth` on the same data.

    .venv/bin/python bench/psychometrics/calibration.py            # all sets, all engines
    .venv/bin/python bench/psychometrics/calibration.py --sets dense20k sparse200k

Each (set, engine) runs in a fresh child process so that its peak memory
(``ru_maxrss``, data included) is its own. Data sets are generated once into
``bench/out/psychometrics/`` (2PL, slopes log-normal around 1.1, θ ~ N(0, 1)).
Peers get the same responses in the layout they need: `mirt` a dense
person × item matrix with -1 for missing, `girth` an item × person matrix with
its missing code. Both use 41 quadrature points, like ours.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from efs.psychometrics.calibration import ResponseData, calibrate
from efs.psychometrics.simulation import (
    simulate_abilities,
    simulate_bank,
    simulate_dense,
    simulate_sparse,
)

OUT = Path(__file__).resolve().parents[2] / "bench" / "out" / "psychometrics"
SETS = {
    "dense20k": {"persons": 20_000, "items": 100, "per_person": None},
    "sparse200k": {"persons": 200_000, "items": 1_000, "per_person": 30},
    "sparse1m": {"persons": 1_000_000, "items": 1_000, "per_person": 30},
}
ENGINES = ("efs", "mirt", "girth")
DENSE_BYTES_LIMIT = (
    4 * 1024**3
)  # peers that need a dense float64 matrix larger than this are skipped
CHILD_TIMEOUT = 900


def generate(name: str) -> Path:
    path = OUT / f"{name}.npz"
    if path.exists():
        return path
    spec = SETS[name]
    rng = np.random.default_rng(20261122)
    bank = simulate_bank(spec["items"], 1, rng)
    theta = simulate_abilities(spec["persons"], np.eye(1), rng)
    if spec["per_person"] is None:
        scores = simulate_dense(bank, theta, rng)
        person, item = np.nonzero(np.ones_like(scores, dtype=bool))
        data = ResponseData.from_arrays(person, item, scores[person, item])
    else:
        data = simulate_sparse(bank, theta, spec["per_person"], rng)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        person=data.person,
        item=data.item,
        score=data.score.astype(np.int8),
        n_persons=data.n_persons,
        n_items=data.n_items,
        a=bank.a,
        b=bank.b,
    )
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_child(name: str, engine: str) -> dict[str, object]:
    raw = np.load(OUT / f"{name}.npz")
    n_persons, n_items = int(raw["n_persons"]), int(raw["n_items"])
    person, item, score = raw["person"], raw["item"], raw["score"]
    true_a, true_b = raw["a"], raw["b"]
    loaded_mb = _peak_mb()
    iterations: object = None
    started = time.perf_counter()
    if engine == "efs":
        data = ResponseData(
            person=person,
            item=item,
            score=score.astype(np.int32),
            n_persons=n_persons,
            n_items=n_items,
        )
        fit = calibrate(data, n_quadpts=41)
        a, b, iterations = fit.a, fit.b, fit.iterations
    elif engine == "mirt":
        import mirt

        dense = np.full((n_persons, n_items), -1, dtype=np.int8)
        dense[person, item] = score
        result = mirt.fit_mirt(dense, model="2PL", n_quadpts=41, compute_standard_errors=False)
        params = result.model.parameters
        a, b, iterations = (
            np.asarray(params["discrimination"]).ravel(),
            np.asarray(params["difficulty"]).ravel(),
            result.n_iterations,
        )
    else:
        import girth

        dense = np.full((n_items, n_persons), girth.INVALID_RESPONSE, dtype=np.int64)
        dense[item, person] = score
        result = girth.twopl_mml(dense, {"quadrature_n": 41})
        a, b = np.asarray(result["Discrimination"]), np.asarray(result["Difficulty"])
    seconds = time.perf_counter() - started
    return {
        "set": name,
        "engine": engine,
        "seconds": round(seconds, 2),
        "iterations": iterations,
        "rmse_a": round(float(np.sqrt(np.mean((a - true_a) ** 2))), 4),
        "rmse_b": round(float(np.sqrt(np.mean((b - true_b) ** 2))), 4),
        "peak_mb": round(_peak_mb()),
        "data_loaded_mb": round(loaded_mb),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--engines", nargs="*", default=list(ENGINES))
    parser.add_argument("--child", nargs=2, metavar=("SET", "ENGINE"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", metavar="SET", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(*args.child)))
        return 0
    if args.generate:
        generate(args.generate)
        return 0
    print(
        f"# {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        flush=True,
    )
    rows = []
    for name in args.sets:
        # Generated in a child: Linux carries the peak RSS of a parent into its exec'd children.
        subprocess.run([sys.executable, __file__, "--generate", name], check=True)
        spec = SETS[name]
        for engine in args.engines:
            dense_bytes = spec["persons"] * spec["items"] * 8
            if engine != "efs" and dense_bytes > DENSE_BYTES_LIMIT:
                rows.append(
                    {
                        "set": name,
                        "engine": engine,
                        "skipped": f"needs a dense {spec['persons']:,} x {spec['items']:,} matrix "
                        f"({dense_bytes / 1024**3:.0f} GiB as float64 per copy)",
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
                continue
            try:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", name, engine],
                    capture_output=True,
                    text=True,
                    timeout=CHILD_TIMEOUT,
                    check=False,
                )
                if done.returncode == 0:
                    rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
                else:
                    rows.append(
                        {
                            "set": name,
                            "engine": engine,
                            "failed": done.stderr.strip().splitlines()[-1][:200],
                        }
                    )
            except subprocess.TimeoutExpired:
                rows.append(
                    {
                        "set": name,
                        "engine": engine,
                        "skipped": f"did not finish within {CHILD_TIMEOUT} s",
                    }
                )
            print(json.dumps(rows[-1]), flush=True)
    (OUT / "calibration.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
