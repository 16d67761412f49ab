"""Models of the programs part of the coordination app (registered under the coordination app label)."""

__all__: list[str] = []
