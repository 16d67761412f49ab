"""practices/network pages and endpoints in the role × scope matrix."""
