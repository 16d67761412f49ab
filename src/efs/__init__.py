"""ЕФС НМС platform."""
