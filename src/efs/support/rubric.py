"""The lesson observation rubric: our own descriptors mapped to the labour functions of
the professional standard «Педагог» (544н) A/01.6, A/02.6, A/03.6 (data/rubric.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

RUBRIC_FILE = Path(__file__).with_name("data") / "rubric.json"


@cache
def rubric() -> dict:
    return json.loads(RUBRIC_FILE.read_text(encoding="utf-8"))


def function_codes() -> list[str]:
    return [f["code"] for f in rubric()["functions"]]


def levels_of(code: str) -> list[int]:
    return next([lv["level"] for lv in f["levels"]] for f in rubric()["functions"] if f["code"] == code)


def descriptor(code: str, level: int) -> str:
    function = next(f for f in rubric()["functions"] if f["code"] == code)
    return next(lv["descriptor"] for lv in function["levels"] if lv["level"] == level)
