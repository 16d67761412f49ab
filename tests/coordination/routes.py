"""coordination pages and endpoints in the role × scope matrix."""
