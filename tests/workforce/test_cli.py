"""``efs workforce project``: the contract's error cases, and that it starts without Django."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from efs.workforce.engine.cli import main

STAFF = "unit,subject,age,fte\nм1,математика,45,1.0\nм1,физика,61,1.5\n"
DEMAND = "unit,subject,year,fte\nм1,математика,2026,2.0\nм1,математика,2028,2.5\n"
FLOWS: dict[str, Any] = {
    "base_year": 2026,
    "leave_rate": [
        {"from_age": 14, "to_age": 59, "rate": 0.05},
        {"from_age": 60, "to_age": 70, "rate": 0.2},
    ],
    "entrants": [{"unit": "м2", "subject": "физика", "year": 2027, "age": 24, "fte": 1.0}],
}


def _run(
    folder: Path,
    *,
    staff: str = STAFF,
    demand: str = DEMAND,
    flows: str | None = None,
    years: str = "3",
) -> tuple[int, Path]:
    (folder / "staff.csv").write_text(staff, encoding="utf-8")
    (folder / "demand.csv").write_text(demand, encoding="utf-8")
    (folder / "flows.json").write_text(
        flows if flows is not None else json.dumps(FLOWS, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    out = folder / "forecast.json"
    code = main(
        [
            "project",
            *("--staff", str(folder / "staff.csv"), "--demand", str(folder / "demand.csv")),
            *("--flows", str(folder / "flows.json"), "--years", years, "--out", str(out)),
        ]
    )
    return code, out


def test_good_input_writes_every_cell_and_year(tmp_path: Path) -> None:
    code, out = _run(tmp_path)
    assert code == 0
    cells = json.loads(out.read_text(encoding="utf-8"))["cells"]
    assert [(c["unit"], c["subject"], c["year"]) for c in cells] == [
        (unit, subject, year)
        for unit, subject in [("м1", "математика"), ("м1", "физика"), ("м2", "физика")]
        for year in (2027, 2028, 2029)
    ]
    assert [c["demand_fte"] for c in cells[:3]] == [2.0, 2.5, 2.5]


def _flows(**changes: Any) -> str:
    document = json.loads(json.dumps(FLOWS))
    for path, value in changes.items():
        *head, last = path.split("__")
        node: Any = document
        for step in head:
            node = node[int(step)] if step.isdigit() else node[step]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return json.dumps(document, ensure_ascii=False, indent=2)


_DELETE = object()

# (case, keyword arguments of _run, file, line, field, a word of the reason)
BAD: list[tuple[str, dict[str, str], str, int, str, str]] = [
    (
        "unknown staff column",
        {"staff": "unit,subject,age,fte,name\n"},
        "staff.csv",
        1,
        "name",
        "неизвестный",
    ),
    (
        "missing staff column",
        {"staff": "unit,subject,age\nм1,м,40\n"},
        "staff.csv",
        1,
        "fte",
        "нет",
    ),
    (
        "negative staff fte",
        {"staff": STAFF + "м1,химия,40,-0.5\n"},
        "staff.csv",
        4,
        "fte",
        "отрицательная",
    ),
    ("staff age too low", {"staff": STAFF + "м1,химия,13,1\n"}, "staff.csv", 4, "age", "14–100"),
    (
        "staff age too high",
        {"staff": "unit,subject,age,fte\nм1,химия,101,1\n"},
        "staff.csv",
        2,
        "age",
        "14–100",
    ),
    ("staff age not whole", {"staff": STAFF + "м1,химия,40.5,1\n"}, "staff.csv", 4, "age", "целое"),
    (
        "staff fte not a number",
        {"staff": STAFF + "м1,химия,40,1,5\n"},
        "staff.csv",
        4,
        "",
        "значений",
    ),
    (
        "staff fte with a comma",
        {"staff": STAFF + 'м1,химия,40,"1,5"\n'},
        "staff.csv",
        4,
        "fte",
        "число",
    ),
    ("empty unit", {"staff": STAFF + ",химия,40,1\n"}, "staff.csv", 4, "unit", "пустое"),
    (
        "unknown demand column",
        {"demand": "unit,subject,yr,fte\n"},
        "demand.csv",
        1,
        "yr",
        "неизвестный",
    ),
    (
        "negative demand",
        {"demand": DEMAND + "м1,физика,2027,-1\n"},
        "demand.csv",
        4,
        "fte",
        "отрицательная",
    ),
    (
        "duplicate demand",
        {"demand": DEMAND + "м1,математика,2026,3\n"},
        "demand.csv",
        4,
        "year",
        "уже была",
    ),
    (
        "negative rate",
        {"flows": _flows(leave_rate__1__rate=-0.1)},
        "flows.json",
        12,
        "rate",
        "отрицательна",
    ),
    (
        "rate above one",
        {"flows": _flows(leave_rate__0__rate=1.5)},
        "flows.json",
        7,
        "rate",
        "больше 1",
    ),
    (
        "overlapping bands",
        {"flows": _flows(leave_rate__1__from_age=59)},
        "flows.json",
        10,
        "from_age",
        "пересекается",
    ),
    (
        "band age outside",
        {"flows": _flows(leave_rate__1__to_age=101)},
        "flows.json",
        11,
        "to_age",
        "14–100",
    ),
    (
        "band ends before start",
        {"flows": _flows(leave_rate__1__to_age=55)},
        "flows.json",
        11,
        "to_age",
        "меньше",
    ),
    (
        "entrant age outside",
        {"flows": _flows(entrants__0__age=12)},
        "flows.json",
        20,
        "age",
        "14–100",
    ),
    (
        "negative entrant fte",
        {"flows": _flows(entrants__0__fte=-1)},
        "flows.json",
        21,
        "fte",
        "отрицательна",
    ),
    ("unknown flows field", {"flows": _flows(growth=1)}, "flows.json", 24, "growth", "неизвестное"),
    (
        "unknown entrant field",
        {"flows": _flows(entrants__0__name="И")},
        "flows.json",
        22,
        "name",
        "неизвестное",
    ),
    (
        "missing base year",
        {"flows": _flows(base_year=_DELETE)},
        "flows.json",
        1,
        "base_year",
        "нет",
    ),
    (
        "rate not a number",
        {"flows": _flows(leave_rate__0__rate="0.1")},
        "flows.json",
        7,
        "rate",
        "число",
    ),
    ("broken JSON", {"flows": '{\n "base_year": 2026,\n}'}, "flows.json", 3, "", "JSON"),
]


@pytest.mark.parametrize(
    ("changes", "file", "line", "field", "reason"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_bad_input_exits_non_zero_naming_file_line_and_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, str],
    file: str,
    line: int,
    field: str,
    reason: str,
) -> None:
    code, out = _run(tmp_path, **changes)
    message = capsys.readouterr().err
    assert code == 2
    assert not out.exists()
    assert f"{file}, строка {line}" in message, message
    if field:
        assert f"поле «{field}»" in message, message
    assert reason in message, message


def test_a_horizon_outside_one_to_a_hundred_years_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(tmp_path, years="0")
    assert code == 2
    assert "--years" in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "project",
            *("--staff", str(tmp_path / "nope.csv"), "--demand", str(tmp_path / "d.csv")),
            *("--flows", str(tmp_path / "f.json"), "--years", "1", "--out", str(tmp_path / "o")),
        ]
    )
    assert code == 2
    assert "nope.csv: файл не читается" in capsys.readouterr().err


def test_crlf_and_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    code, out = _run(tmp_path, staff="\ufeff" + STAFF.replace("\n", "\r\n"))
    assert code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["cells"][0]["supply_fte"] == 0.95


def test_the_command_starts_without_django(tmp_path: Path) -> None:
    _run(tmp_path)
    script = (
        "import sys; from efs.cli import main; "
        f"code = main(['efs', 'workforce', 'project', '--staff', {str(tmp_path / 'staff.csv')!r}, "
        f"'--demand', {str(tmp_path / 'demand.csv')!r}, '--flows', {str(tmp_path / 'flows.json')!r}, "
        f"'--years', '2', '--out', {str(tmp_path / 'x.json')!r}]); "
        "assert code == 0; assert 'django' not in sys.modules, 'django imported'"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert (tmp_path / "x.json").exists()
