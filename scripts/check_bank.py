"""Validate shipped frameworks and items: `python scripts/check_bank.py [files...]`.

Checks every item against ``efs.diagnostics.itemformat`` (structure, keys that score
full marks, IRT parameters matching the item type) and that each item's competency is
a leaf of a shipped framework of the same audience. Prints a summary per competency.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from efs.diagnostics.itemformat import BLOCKS, validate_item  # noqa: E402

FRAMEWORKS = ROOT / "src/efs/competencies/data/frameworks"
BANK = ROOT / "src/efs/diagnostics/data/bank"


def main(argv: list[str]) -> int:
    problems: list[str] = []
    leaves: dict[str, str] = {}
    for path in sorted(FRAMEWORKS.glob("*.json")):
        framework = json.loads(path.read_text(encoding="utf-8"))
        codes = {c["code"] for c in framework["competencies"]}
        parents = {c.get("parent") for c in framework["competencies"]} - {None}
        for competency in framework["competencies"]:
            if competency.get("parent") and competency["parent"] not in codes:
                problems.append(f"{path.name}: {competency['code']}: unknown parent")
            if competency["code"] not in parents:
                if competency.get("block") not in BLOCKS:
                    problems.append(f"{path.name}: {competency['code']}: unknown block {competency.get('block')!r}")
                cuts = competency.get("cuts", [])
                if len(cuts) != len(framework["levels"]) - 1 or cuts != sorted(cuts):
                    problems.append(f"{path.name}: {competency['code']}: cuts must be ascending, one fewer than levels")
                leaves[competency["code"]] = framework["audience"]
    files = [Path(a) for a in argv] or sorted(BANK.glob("*.json"))
    per_competency: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    seen: set[str] = set()
    for path in files:
        for item in json.loads(path.read_text(encoding="utf-8")):
            problems.extend(f"{path.name}: {p}" for p in validate_item(item))
            if item.get("code") in seen:
                problems.append(f"{path.name}: {item.get('code')}: duplicate code")
            seen.add(item.get("code"))
            if item.get("competency") not in leaves:
                problems.append(
                    f"{path.name}: {item.get('code')}: competency {item.get('competency')!r} is not a leaf of a "
                    "shipped framework"
                )
            elif leaves[item["competency"]] != item.get("audience"):
                problems.append(f"{path.name}: {item.get('code')}: audience differs from its framework's")
            per_competency[item.get("competency")] += 1
            kinds[item.get("kind")] += 1
    for code in sorted(per_competency):
        print(f"{code:<12} {per_competency[code]:>3} items")
    print("kinds:", dict(kinds))
    if problems:
        print(f"\n{len(problems)} problem(s):", *problems, sep="\n  ")
        return 1
    print(f"OK: {sum(per_competency.values())} items")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
