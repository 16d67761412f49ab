"""The whole country through ``efs workforce project``, beside a pandas peer in the same run.

    .venv/bin/python bench/workforce/country.py [--holdings 1200000] [--units 2400]
                                                [--subjects 20] [--years 10] [--seed 0]

Writes the synthetic country once into ``bench/out/workforce-<holdings>-<seed>/`` with
``efs workforce synth``, then runs, each as its own process under ``/usr/bin/time``
(wall time and peak resident memory, reading and writing the files included):

1. ``efs workforce project`` (the engine, the contract's command line);
2. ``bench/workforce/pandas_peer.py`` (the same model as plain pandas group-bys).

Then checks that both outputs list the same cells and agree to 1e-6, and prints the
figures as JSON. Needs the ``bench`` extra (pandas).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def timed(command: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one command."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%e %U %S %M", *command],
        check=True,
        capture_output=True,
        text=True,
    )
    wall, user, system, peak_kb = result.stderr.strip().splitlines()[-1].split()
    return {
        "wall_s": float(wall),
        "cpu_s": float(user) + float(system),
        "peak_rss_mb": int(peak_kb) / 1024,
    }


def compare(engine: Path, peer: Path) -> float:
    mine = json.loads(engine.read_text(encoding="utf-8"))["cells"]
    theirs = json.loads(peer.read_text(encoding="utf-8"))["cells"]
    assert len(mine) == len(theirs), (len(mine), len(theirs))
    worst = 0.0
    for a, b in zip(mine, theirs, strict=True):
        assert (a["unit"], a["subject"], a["year"]) == (b["unit"], b["subject"], b["year"])
        for key in ("supply_fte", "demand_fte", "gap_fte", "leavers_fte", "entrants_fte"):
            worst = max(worst, abs(a[key] - b[key]))
    assert worst <= 1e-6, worst
    return worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--holdings", type=int, default=1_200_000)
    parser.add_argument("--units", type=int, default=2_400)
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    folder = ROOT / "bench" / "out" / f"workforce-{args.holdings}-{args.seed}"
    files = {name: folder / name for name in ("staff.csv", "demand.csv", "flows.json")}
    if not all(path.exists() for path in files.values()):
        subprocess.run(
            [
                str(BIN / "efs"),
                "workforce",
                "synth",
                "--out-dir",
                str(folder),
                "--holdings",
                str(args.holdings),
                "--units",
                str(args.units),
                "--subjects",
                str(args.subjects),
                "--years",
                str(args.years),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
    inputs = [
        "--staff",
        str(files["staff.csv"]),
        "--demand",
        str(files["demand.csv"]),
        "--flows",
        str(files["flows.json"]),
        "--years",
        str(args.years),
    ]
    engine_out, peer_out = folder / "forecast-engine.json", folder / "forecast-pandas.json"
    engine = timed([str(BIN / "efs"), "workforce", "project", *inputs, "--out", str(engine_out)])
    peer = timed(
        [
            sys.executable,
            str(ROOT / "bench" / "workforce" / "pandas_peer.py"),
            *inputs,
            "--out",
            str(peer_out),
        ]
    )
    worst = compare(engine_out, peer_out)
    cells = len(json.loads(engine_out.read_text(encoding="utf-8"))["cells"])
    print(
        json.dumps(
            {
                "holdings": args.holdings,
                "cells_x_years": cells,
                "years": args.years,
                "engine": engine,
                "pandas_peer": peer,
                "max_abs_difference": worst,
                "cpus": os.cpu_count(),
                "load_average_after": os.getloadavg(),
                "python": platform.python_version(),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
