"""mypy over src/efs, held to a baseline.

The pure engines (psychometrics, planner, workforce/engine) are strict and have no baseline
entry. The rest had several hundred errors when mypy came in (issue 12), most of them
`request.user` typed as `User | AnonymousUser` in login-required views and Optional values the
code knows are set. They are listed in scripts/mypy-baseline.txt as `path: message [code]`
(no line numbers, so unrelated edits do not disturb it). A new error fails; so does a listed
one that is gone, so that the list only shrinks: remove its line (or run with --update and
check that the diff only deletes lines).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scripts" / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:]+):\d+(?::\d+)?: error: (?P<message>.*)$")


def current() -> tuple[Counter[str], str]:
    run = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if run.returncode not in (0, 1):  # 2: mypy itself failed (configuration, crash)
        sys.exit(run.stdout + run.stderr)
    found: Counter[str] = Counter()
    for line in run.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            found[f"{match['path']}: {match['message']}"] += 1
    return found, run.stdout


def main() -> int:
    found, output = current()
    if "--update" in sys.argv:
        BASELINE.write_text("".join(f"{key}\n" for key in sorted(found.elements())), encoding="utf-8")
        print(f"{BASELINE.relative_to(ROOT)}: {sum(found.values())} errors")
        return 0
    listed = Counter(BASELINE.read_text(encoding="utf-8").splitlines()) if BASELINE.exists() else Counter()
    new, gone = found - listed, listed - found
    if new:
        print("mypy: new errors (fix them; the baseline only shrinks):")
        for line in output.splitlines():
            match = ERROR.match(line)
            if match and f"{match['path']}: {match['message']}" in new:
                print(f"  {line}")
    if gone:
        print(f"mypy: {sum(gone.values())} baseline errors are fixed; delete their lines from "
              f"{BASELINE.relative_to(ROOT)}:")
        for key in sorted(gone.elements()):
            print(f"  {key}")
    if new or gone:
        return 1
    print(f"mypy: no new errors ({sum(listed.values())} in the baseline, the engines strict and clean)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
