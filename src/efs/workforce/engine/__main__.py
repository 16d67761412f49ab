"""``python -m efs.workforce.engine`` runs the same command line as ``efs workforce``."""

import sys

from efs.workforce.engine.cli import main

sys.exit(main(sys.argv[1:]))
