"""Models of the network part of the practices app (registered under the practices app label)."""

__all__: list[str] = []
