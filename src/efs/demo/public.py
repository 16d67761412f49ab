"""What `efs up` shows of the demo: its logins and their password (ADR 0006)."""

from __future__ import annotations

from .users import DEMO_PASSWORD, existing_demo_logins

__all__ = ["DEMO_PASSWORD", "existing_demo_logins"]
