"""The ``efs planner`` command line, end to end in a temporary directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from efs.cli import main as efs_main
from efs.planner.cli import main

ONE = {
    "budget": 500_000,
    "max_hours": 100,
    "deficits": {"digital_tools": 1.0, "assessment": 0.5},
    "cohorts": [
        {
            "id": "a1",
            "program": "A",
            "coverage": {"digital_tools": 0.8},
            "hours": 36,
            "price": 300_000,
            "start": "2025-03-03",
            "end": "2025-03-07",
            "exclusive": True,
        },
        {
            "id": "b1",
            "program": "B",
            "coverage": {"assessment": 1.0},
            "hours": 24,
            "price": 200_000,
            "start": "2025-03-07",
            "end": "2025-03-12",
            "exclusive": True,
        },
        {
            "id": "b2",
            "program": "B",
            "coverage": {"assessment": 1.0},
            "hours": 24,
            "price": 200_000,
            "start": "2025-04-01",
            "end": "2025-04-04",
            "exclusive": True,
        },
        {"id": "c1", "program": "C", "coverage": {"digital_tools": 0.5}, "hours": 16, "price": 0},
    ],
}


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_route_writes_the_optimal_plan(tmp_path: Path) -> None:
    instance = write(tmp_path / "one.json", ONE)
    out = tmp_path / "plan.json"
    assert main(["route", "--instance", str(instance), "--out", str(out)]) == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    # b1 touches a1 on 2025-03-07 (inclusive dates), so the later cohort b2 is taken
    assert plan["chosen"] == ["a1", "b2", "c1"]
    assert plan["objective"] == pytest.approx(1.5)
    assert (plan["price"], plan["hours"]) == (500_000, 76)
    assert plan["items"][0]["covers"] == {"digital_tools": 0.8}


def test_route_with_highs_and_greedy(tmp_path: Path) -> None:
    instance = write(tmp_path / "one.json", ONE)
    highs, greedy = tmp_path / "highs.json", tmp_path / "greedy.json"
    assert (
        main(["route", "--instance", str(instance), "--out", str(highs), "--solver", "highs"]) == 0
    )
    assert main(["route", "--instance", str(instance), "--out", str(greedy), "--greedy"]) == 0
    assert json.loads(highs.read_text())["chosen"] == ["a1", "b2", "c1"]
    assert json.loads(greedy.read_text())["objective"] <= 1.5


def test_efs_command_dispatches_without_django(tmp_path: Path) -> None:
    instance = write(tmp_path / "one.json", ONE)
    out = tmp_path / "plan.json"
    assert (
        efs_main(["efs", "planner", "route", "--instance", str(instance), "--out", str(out)]) == 0
    )
    assert json.loads(out.read_text())["chosen"] == ["a1", "b2", "c1"]


def test_python_module_entry_point(tmp_path: Path) -> None:
    instance = write(tmp_path / "one.json", ONE)
    out = tmp_path / "plan.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "efs.planner",
            "route",
            "--instance",
            str(instance),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "django" not in done.stderr.lower()
    assert json.loads(out.read_text())["chosen"] == ["a1", "b2", "c1"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["cohorts"][0].update(price=-1), "price (kopecks) must not be negative"),
        (
            lambda d: d["cohorts"][0].update(coverage={"digital_tools": 1.5}),
            "must be between 0 and 1",
        ),
        (lambda d: d["cohorts"][0].update(end="2025-03-01"), "is before start"),
        (lambda d: d["cohorts"][0].update(colour="red"), "cohorts[0]: unknown field(s) colour"),
        (lambda d: d.update(extra=1), "the instance: unknown field(s) extra"),
        (lambda d: d.pop("budget"), "missing field(s) budget"),
        (lambda d: d["cohorts"][0].update(start="03/03/2025"), "must be a date YYYY-MM-DD"),
        (lambda d: d["cohorts"][0].update(hours=36.5), "cohorts[0].hours must be a whole number"),
        (lambda d: d.update(cohorts={}), "cohorts must be a JSON array"),
        (lambda d: d.update(deficits={}), "empty_input"),
    ],
)
def test_malformed_route_instance_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: object, message: str
) -> None:
    document = json.loads(json.dumps(ONE))
    mutate(document)  # type: ignore[operator]
    instance = write(tmp_path / "bad.json", document)
    out = tmp_path / "plan.json"
    assert main(["route", "--instance", str(instance), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_not_json_and_missing_file_fail_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["route", "--instance", str(broken), "--out", str(tmp_path / "o.json")]) == 2
    assert "is not valid JSON" in capsys.readouterr().err
    assert (
        main(
            ["route", "--instance", str(tmp_path / "nope.json"), "--out", str(tmp_path / "o.json")]
        )
        == 2
    )
    assert "cannot read" in capsys.readouterr().err
    assert main(["route"]) == 2
    assert not (tmp_path / "o.json").exists()


def test_infeasible_instance_exits_with_its_own_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(json.dumps(ONE))
    document["budget"] = 0
    document["cohorts"] = document["cohorts"][:3]
    instance = write(tmp_path / "poor.json", document)
    assert main(["route", "--instance", str(instance), "--out", str(tmp_path / "o.json")]) == 3
    assert "infeasible:" in capsys.readouterr().err


def test_synth_then_allocate_end_to_end(tmp_path: Path) -> None:
    region = tmp_path / "region.json"
    out = tmp_path / "allocation.json"
    assert (
        main(
            [
                "synth",
                "region",
                "--seed",
                "4",
                "--teachers",
                "60",
                "--cohorts",
                "80",
                "--out",
                str(region),
            ]
        )
        == 0
    )
    assert (
        main(
            ["allocate", "--instance", str(region), "--out", str(out), "--quiet", "--workers", "1"]
        )
        == 0
    )
    document = json.loads(region.read_text())
    allocation = json.loads(out.read_text())
    assert set(allocation["assignments"]) == {t["id"] for t in document["teachers"]}
    assert (
        allocation["greedy_objective"]
        <= allocation["objective"]
        <= allocation["upper_bound"] + 1e-6
    )
    seats = {c["id"]: c.get("seats") for c in document["cohorts"]}
    taken: dict[str, int] = {}
    for ids in allocation["assignments"].values():
        for cohort_id in ids:
            taken[cohort_id] = taken.get(cohort_id, 0) + 1
    assert all(seats[c] is None or n <= seats[c] for c, n in taken.items())
    greedy = tmp_path / "greedy.json"
    assert main(["allocate", "--instance", str(region), "--out", str(greedy), "--greedy"]) == 0
    assert json.loads(greedy.read_text())["objective"] == pytest.approx(
        allocation["greedy_objective"]
    )


def test_synth_route_instance_round_trips(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    out = tmp_path / "plan.json"
    assert main(["synth", "route", "--seed", "2", "--cohorts", "300", "--out", str(one)]) == 0
    assert main(["route", "--instance", str(one), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["objective"] > 0


def test_malformed_region_instance_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = {
        "fund": 100,
        "teachers": [{"id": "t1", "budget": 100, "max_hours": 10, "deficits": {"a": 1}, "age": 40}],
        "cohorts": [
            {"id": "c", "program": "p", "coverage": {"a": 1}, "hours": 8, "price": 0, "seats": 3}
        ],
    }
    instance = write(tmp_path / "region.json", document)
    assert main(["allocate", "--instance", str(instance), "--out", str(tmp_path / "a.json")]) == 2
    assert "teachers[0]: unknown field(s) age" in capsys.readouterr().err
    document["teachers"][0].pop("age")  # type: ignore[index]
    document["cohorts"][0]["seats"] = -1  # type: ignore[index]
    write(instance, document)
    assert main(["allocate", "--instance", str(instance), "--out", str(tmp_path / "a.json")]) == 2
    assert "seats must not be negative" in capsys.readouterr().err
