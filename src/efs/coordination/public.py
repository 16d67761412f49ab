"""What other apps may use from the coordination app (ADR 0006)."""

from .programs import public as programs  # noqa: F401  (the programs part's public surface)
