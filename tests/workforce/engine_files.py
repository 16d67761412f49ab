"""Writing the engine's input files in tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_inputs(
    folder: Path,
    staff: list[dict[str, Any]],
    demand: list[dict[str, Any]],
    flows: dict[str, Any],
) -> tuple[Path, Path, Path]:
    staff_path, demand_path, flows_path = (
        folder / "staff.csv",
        folder / "demand.csv",
        folder / "flows.json",
    )
    staff_path.write_text(
        "unit,subject,age,fte\n" + "".join(f"{r['unit']},{r['subject']},{r['age']},{r['fte']!r}\n" for r in staff),
        encoding="utf-8",
    )
    demand_path.write_text(
        "unit,subject,year,fte\n" + "".join(f"{r['unit']},{r['subject']},{r['year']},{r['fte']!r}\n" for r in demand),
        encoding="utf-8",
    )
    flows_path.write_text(json.dumps(flows, ensure_ascii=False, indent=2), encoding="utf-8")
    return staff_path, demand_path, flows_path
