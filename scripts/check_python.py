"""Fail early, in Russian and English, when the interpreter is too old."""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 - the whole point of this script
    sys.exit("Python 3.11+ is required (Нужен Python 3.11 или новее).")
