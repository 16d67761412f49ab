"""The workforce engine against an independent implementation, and its identities."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efs.workforce.engine import LeaveBand, WorkforceError, build_problem, carry_forward, project
from efs.workforce.engine.cli import main
from tests.workforce import reference
from tests.workforce.engine_files import write_inputs

UNITS = ["м1", "м2", "Ачинск"]
SUBJECTS = ["математика", "физика"]
BASE = 2026

units = st.sampled_from(UNITS)
subjects = st.sampled_from(SUBJECTS)
ftes = st.floats(min_value=0, max_value=3, allow_nan=False, allow_infinity=False)
ages = st.integers(min_value=14, max_value=100)


@st.composite
def bands(draw: st.DrawFn) -> list[dict[str, Any]]:
    edges = sorted(draw(st.sets(st.integers(14, 101), min_size=0, max_size=8)))
    result = []
    for low, high in zip(edges, edges[1:], strict=False):
        if draw(st.booleans()):  # leave gaps: ages in a gap leave with rate 1
            result.append({"from_age": low, "to_age": high - 1, "rate": draw(st.floats(0, 1))})
    return draw(st.permutations(result))


@st.composite
def inputs(draw: st.DrawFn) -> tuple[list[Any], list[Any], dict[str, Any], int]:
    years = draw(st.integers(1, 6))
    staff = draw(
        st.lists(
            st.fixed_dictionaries({"unit": units, "subject": subjects, "age": ages, "fte": ftes}),
            max_size=25,
        )
    )
    keys = draw(st.sets(st.tuples(units, subjects, st.integers(BASE - 2, BASE + years + 2)), max_size=12))
    demand = [{"unit": u, "subject": s, "year": y, "fte": draw(ftes)} for u, s, y in sorted(keys)]
    entrants = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "unit": units,
                    "subject": subjects,
                    "year": st.integers(BASE - 1, BASE + years + 1),
                    "age": ages,
                    "fte": ftes,
                }
            ),
            max_size=10,
        )
    )
    flows = {"base_year": BASE, "leave_rate": draw(bands()), "entrants": entrants}
    return staff, draw(st.permutations(demand)), flows, years


def run(staff: list[Any], demand: list[Any], flows: dict[str, Any], years: int) -> list[Any]:
    with tempfile.TemporaryDirectory() as folder:
        staff_path, demand_path, flows_path = write_inputs(Path(folder), staff, demand, flows)
        out = Path(folder) / "forecast.json"
        code = main(
            [
                "project",
                *("--staff", str(staff_path), "--demand", str(demand_path)),
                *("--flows", str(flows_path), "--years", str(years), "--out", str(out)),
            ]
        )
        assert code == 0
        document = json.loads(out.read_text(encoding="utf-8"))
    assert list(document) == ["cells"]
    return list(document["cells"])


NUMBERS = ("supply_fte", "demand_fte", "gap_fte", "leavers_fte", "entrants_fte")


@settings(max_examples=150, deadline=None)
@given(inputs())
def test_engine_agrees_with_the_independent_implementation(case: Any) -> None:
    staff, demand, flows, years = case
    got = run(staff, demand, flows, years)
    expected = reference.project(staff, demand, flows, years)
    assert [(c["unit"], c["subject"], c["year"]) for c in got] == [
        (c["unit"], c["subject"], c["year"]) for c in expected
    ]
    for mine, theirs in zip(got, expected, strict=True):
        assert set(mine) == {"unit", "subject", "year", *NUMBERS}
        for key in NUMBERS:
            assert mine[key] == pytest.approx(theirs[key], abs=1e-6), (mine, key)


@settings(max_examples=100, deadline=None)
@given(inputs())
def test_supply_is_last_year_minus_leavers_plus_entrants(case: Any) -> None:
    staff, demand, flows, years = case
    got = run(staff, demand, flows, years)
    base: dict[tuple[str, str], float] = {}
    for row in staff:
        key = (row["unit"], row["subject"])
        base[key] = base.get(key, 0.0) + row["fte"]
    previous = dict(base)
    for cell in got:
        key = (cell["unit"], cell["subject"])
        before = previous.get(key, 0.0) if cell["year"] > BASE + 1 else base.get(key, 0.0)
        assert cell["supply_fte"] == pytest.approx(before - cell["leavers_fte"] + cell["entrants_fte"], abs=1e-9)
        assert cell["gap_fte"] == pytest.approx(cell["demand_fte"] - cell["supply_fte"], abs=1e-12)
        assert cell["supply_fte"] >= -1e-12
        previous[key] = cell["supply_fte"]


def test_worked_example() -> None:
    """Two teachers, one band, one entrant: the numbers by hand."""
    staff = [
        {"unit": "м1", "subject": "физика", "age": 63, "fte": 1.0},
        {"unit": "м1", "subject": "физика", "age": 40, "fte": 1.5},
    ]
    demand = [{"unit": "м1", "subject": "физика", "year": 2026, "fte": 3.0}]
    flows = {
        "base_year": 2026,
        "leave_rate": [
            {"from_age": 14, "to_age": 59, "rate": 0.1},
            {"from_age": 60, "to_age": 63, "rate": 0.5},
        ],
        "entrants": [{"unit": "м1", "subject": "математика", "year": 2027, "age": 23, "fte": 1}],
    }
    got = run(staff, demand, flows, 2)
    by_key = {(c["subject"], c["year"]): c for c in got}
    # 2027: the 63-year-old loses 0.5, the 40-year-old 0.15.
    assert by_key["физика", 2027]["leavers_fte"] == pytest.approx(0.65)
    assert by_key["физика", 2027]["supply_fte"] == pytest.approx(1.85)
    # 2028: the first is 64, outside every band: leaves with rate 1; the second 41: 0.135.
    assert by_key["физика", 2028]["leavers_fte"] == pytest.approx(0.5 + 0.135)
    assert by_key["физика", 2028]["supply_fte"] == pytest.approx(1.215)
    assert by_key["физика", 2028]["demand_fte"] == 3.0  # carried forward from 2026
    assert by_key["физика", 2028]["gap_fte"] == pytest.approx(1.785)
    # The entrant joins in 2027 after the leaving, and leaves 10 % in 2028.
    assert by_key["математика", 2027]["supply_fte"] == 1.0
    assert by_key["математика", 2027]["leavers_fte"] == 0.0
    assert by_key["математика", 2028]["supply_fte"] == pytest.approx(0.9)
    assert by_key["математика", 2028]["demand_fte"] == 0.0


def test_carry_forward_holds_the_last_earlier_value() -> None:
    demand = carry_forward(
        2,
        2026,
        5,
        np.array([0, 0, 0, 1]),
        np.array([2025, 2028, 2035, 2030]),
        np.array([4.0, 6.0, 9.0, 2.0]),
    )
    # Years 2027…2031: 2025 acts until 2028 replaces it; 2035 is past the horizon.
    assert demand.tolist() == [[4.0, 6.0, 6.0, 6.0, 6.0], [0.0, 0.0, 0.0, 2.0, 2.0]]


def test_extras_switched_off_agree_with_the_base_model_and_switched_on_change_it() -> None:
    problem = build_problem(
        base_year=2026,
        years=3,
        bands=[LeaveBand(14, 100, 0.2)],
        staff=([0, 1], [30, 50], [1.0, 2.0]),
        entrants=([1], [2027], [25], [1.0]),
        demand=([0, 1], [2026, 2026], [1.0, 4.0]),
        cells=[("м1", "математика"), ("м1", "физика")],
    )
    base = project(problem)
    same = project(problem, rate_multiplier=1.0, hidden_fte=np.zeros(2), by_age_band=True)
    assert np.array_equal(base.supply, same.supply)
    assert np.array_equal(base.gap, same.total_gap)
    assert same.supply_by_band is not None
    assert np.allclose(same.supply_by_band.sum(axis=2), same.supply)
    better = project(problem, rate_multiplier=0.5, hidden_fte=np.array([0.0, 0.5]))
    assert np.all(better.supply >= base.supply)
    assert better.supply[0, 0] == pytest.approx(0.9)
    assert np.allclose(better.total_gap[1], better.gap[1] + 0.5)


def test_a_malformed_problem_is_refused() -> None:
    with pytest.raises(WorkforceError):
        build_problem(
            base_year=2026,
            years=1,
            bands=[LeaveBand(14, 40, 0.1), LeaveBand(40, 60, 0.1)],
            staff=([], [], []),
            entrants=([], [], [], []),
            demand=([], [], []),
            cells=[],
        )


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=4, unique=True),
    values=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=60),
    years=st.integers(1, 4),
)
def test_the_fast_writer_writes_what_json_writes(names, values, years) -> None:
    """``forecast_json`` (column by column) against ``json.dumps`` of the dict document:
    the same entries, every float the same to the last bit, any unit or subject text."""
    from efs.workforce.engine.io import forecast_document, forecast_json

    cells = [(name, f'{name}"\\предмет') for name in names]
    staff = (
        [i % len(cells) for i in range(len(values))],
        [40] * len(values),
        [abs(v) % 5 for v in values],
    )
    demand = (
        [i % len(cells) for i in range(len(values))],
        [BASE + 1 + i % years for i in range(len(values))],
        [abs(v) for v in values],
    )
    # Repeated (cell, year) demand rows are not allowed: keep the first of each.
    seen, kept = set(), ([], [], [])
    for cell, year, fte in zip(*demand, strict=True):
        if (cell, year) not in seen:
            seen.add((cell, year))
            for column, value in zip(kept, (cell, year, fte), strict=True):
                column.append(value)
    problem = build_problem(
        base_year=BASE,
        years=years,
        bands=[LeaveBand(14, 70, 0.1)],
        staff=staff,
        entrants=([], [], [], []),
        demand=kept,
        cells=cells,
    )
    forecast = project(problem)
    fast = forecast_json(forecast)
    assert json.loads(fast) == json.loads(json.dumps(forecast_document(forecast), ensure_ascii=False))
    assert fast.count("\n") == len(cells) * years - 1
