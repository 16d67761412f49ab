"""The `efs` command.

The pure engines (`psychometrics`, `planner`, the `workforce` projection) are dispatched without loading
Django, so their command-line contracts start fast and stay independent of the
web application. Everything else is a Django management command (`efs migrate`,
`efs demo`, `efs up`, `efs worker`, ...).
"""

from __future__ import annotations

import os
import sys

PURE_ENGINES = {
    "psychometrics": "efs.psychometrics.cli",
    "planner": "efs.planner.cli",
    "workforce": "efs.workforce.engine.cli",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in PURE_ENGINES:
        from importlib import import_module

        engine = import_module(PURE_ENGINES[argv[1]])
        return int(engine.main(argv[2:]) or 0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
