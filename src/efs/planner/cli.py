"""``efs planner``: route, allocate and synth subcommands (a stable contract).

    efs planner route    --instance one.json    --out plan.json [--solver cpsat|highs]
                         [--greedy] [--time-limit S]
    efs planner allocate --instance region.json --out allocation.json
                         [--time-limit S] [--workers N] [--greedy]
    efs planner synth    route|region --seed N --out file.json [--teachers N]
                         [--cohorts N] [--competencies N]

Exit codes: 0 success, 2 bad arguments or malformed/invalid input (the message on
stderr names the problem and its PlannerError code), 3 a valid but infeasible
instance (no option fits).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from efs.planner import jsonio, synth
from efs.planner.model import PlannerError
from efs.planner.region import allocate_region, allocate_region_greedy
from efs.planner.route import SOLVERS, plan_route, plan_route_greedy


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="efs planner", description="Route planner engine.")
    commands = parser.add_subparsers(dest="command", required=True)

    route = commands.add_parser("route", help="best route for one educator")
    route.add_argument("--instance", required=True, type=Path)
    route.add_argument("--out", required=True, type=Path)
    route.add_argument("--solver", choices=SOLVERS, default="cpsat")
    route.add_argument("--greedy", action="store_true", help="use the greedy baseline")
    route.add_argument("--time-limit", type=float, default=10.0)

    allocate = commands.add_parser("allocate", help="region-wide allocation")
    allocate.add_argument("--instance", required=True, type=Path)
    allocate.add_argument("--out", required=True, type=Path)
    allocate.add_argument(
        "--time-limit", type=float, default=260.0, help="seconds for the whole command"
    )
    allocate.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    allocate.add_argument("--greedy", action="store_true", help="only the greedy baseline")
    allocate.add_argument("--quiet", action="store_true", help="no progress on stderr")

    generate = commands.add_parser("synth", help="write a synthetic instance")
    generate.add_argument("kind", choices=("route", "region"))
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--out", required=True, type=Path)
    generate.add_argument("--teachers", type=int, default=1000)
    generate.add_argument("--cohorts", type=int, default=3000)
    generate.add_argument("--competencies", type=int, default=16)
    return parser


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PlannerError("invalid_input", f"cannot read {path}: {error.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PlannerError("invalid_input", f"{path} is not valid JSON: {error}") from None


def _write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction * 100:5.1f} %] {message}", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> None:
    if args.command == "route":
        problem = jsonio.route_problem(_read(args.instance))
        if args.greedy:
            plan = plan_route_greedy(problem)
        else:
            plan = plan_route(problem, time_limit_s=args.time_limit, solver=args.solver)
        _write(args.out, jsonio.plan_document(plan))
    elif args.command == "allocate":
        started = time.perf_counter()
        region = jsonio.region_problem(_read(args.instance))
        if args.greedy:
            allocation = allocate_region_greedy(region)
        else:
            allocation = allocate_region(
                region,
                progress=None if args.quiet else _progress,
                time_limit_s=args.time_limit - (time.perf_counter() - started),
                workers=args.workers,
            )
        document = jsonio.allocation_document(allocation)
        document["stats"]["wall_s"] = time.perf_counter() - started
        _write(args.out, document)
    else:
        config = synth.SynthConfig(
            n_teachers=args.teachers, n_cohorts=args.cohorts, n_competencies=args.competencies
        )
        if args.kind == "route":
            _write(args.out, jsonio.route_document(synth.route(config, args.seed)))
        else:
            _write(args.out, jsonio.region_document(synth.region(config, args.seed)))


def main(argv: list[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    try:
        _run(args)
    except PlannerError as error:
        print(f"efs planner: {error.code}: {error.message}", file=sys.stderr)
        return 3 if error.code == "infeasible" else 2
    except ValueError as error:
        print(f"efs planner: invalid_input: {error}", file=sys.stderr)
        return 2
    return 0
