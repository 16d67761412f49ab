"""``efs workforce``: the engine's command-line contract (see ``docs/workforce.md``).

    efs workforce project --staff staff.csv --demand demand.csv --flows flows.json
                          --years N --out forecast.json
    efs workforce synth   --out-dir DIR [--holdings N] [--units N] [--subjects N]
                          [--years N] [--seed N]

Exit codes: 0 success; 2 bad arguments or a rejected input file (a Russian message on
stderr names the file, the line and the field).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from efs.workforce.engine import synth
from efs.workforce.engine.io import InputError, forecast_json_chunks, load_problem
from efs.workforce.engine.model import WorkforceError, project


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="efs workforce", description="Workforce supply engine.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("project", help="project supply, demand and gap")
    run.add_argument("--staff", required=True, type=Path)
    run.add_argument("--demand", required=True, type=Path)
    run.add_argument("--flows", required=True, type=Path)
    run.add_argument("--years", required=True, type=int)
    run.add_argument("--out", required=True, type=Path)
    run.add_argument("--timings", action="store_true", help="phase timings on stderr")

    generate = commands.add_parser("synth", help="write a synthetic country")
    generate.add_argument("--out-dir", required=True, type=Path)
    generate.add_argument("--holdings", type=int, default=1_200_000)
    generate.add_argument("--units", type=int, default=2_400)
    generate.add_argument("--subjects", type=int, default=20)
    generate.add_argument("--years", type=int, default=10)
    generate.add_argument("--seed", type=int, default=0)
    return parser


def _project(args: argparse.Namespace) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    problem = load_problem(args.staff, args.demand, args.flows, args.years)
    read, read_cpu = time.perf_counter(), time.process_time()
    forecast = project(problem)
    projected, projected_cpu = time.perf_counter(), time.process_time()
    try:
        with args.out.open("wb") as out:
            for chunk in forecast_json_chunks(forecast):
                out.write(chunk.encode("utf-8"))
            out.write(b"\n")
    except OSError as error:
        raise InputError(str(args.out), None, None, f"файл не записывается ({error.strerror})") from None
    if args.timings:
        print(
            f"read {read - started:.2f} s (CPU {read_cpu - cpu:.2f} s), "
            f"project {projected - read:.2f} s (CPU {projected_cpu - read_cpu:.2f} s), "
            f"write {time.perf_counter() - projected:.2f} s "
            f"(CPU {time.process_time() - projected_cpu:.2f} s)",
            file=sys.stderr,
        )


def main(argv: list[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    try:
        if args.command == "project":
            _project(args)
        else:
            synth.write_country(
                args.out_dir,
                synth.CountryConfig(
                    holdings=args.holdings,
                    units=args.units,
                    subjects=args.subjects,
                    years=args.years,
                ),
                seed=args.seed,
            )
    except WorkforceError as error:
        print(f"efs workforce: ошибка: {error}", file=sys.stderr)
        return 2
    return 0
