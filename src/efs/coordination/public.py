"""What other apps may use from the coordination app (ADR 0006)."""
