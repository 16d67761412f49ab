"""What other apps may use from the practices app (ADR 0006)."""

# The network part's surface (these lines were added by the network part).
from .network import public as network

__all__ = ["network"]
