"""What other apps may use from the practices app (ADR 0006)."""

