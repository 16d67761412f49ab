"""``python -m efs.psychometrics ...``: the same commands as ``efs psychometrics ...``."""

import sys

from efs.psychometrics.cli import main

sys.exit(main(sys.argv[1:]))
