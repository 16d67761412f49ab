"""``python -m efs.planner`` runs the same command line as ``efs planner``."""

import sys

from efs.planner.cli import main

sys.exit(main(sys.argv[1:]))
