"""The operators' page of background jobs in the role × scope matrix."""

from __future__ import annotations

from tests.matrix import ROUTES, Route, page

ROUTES += [
    Route("favicon", "GET", lambda w, s: "/favicon.ico", lambda who, world: 301),
    Route("ops:jobs", "GET", lambda w, s: "/ops/jobs/", page({"regional", "regional_other", "federal"})),
]
