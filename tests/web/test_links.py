"""No page offers a link that refuses the person it was offered to.

A logged-in user starts on the home page and follows every link of the site (except
logout, admin, downloads and the API); none may answer 403, 404 or 500. The matrix checks
what each role may open; this checks that the pages only point where the role may go.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.matrix import USERS

SKIPPED = re.compile(r"^/(?:accounts/logout|admin/|api/|static/)|\.(?:xlsx|pdf|ics|csv)$|/export|/download|/files/")
HREF = re.compile(r'href="([^"#]+)"')
MAX_PAGES = 60


@pytest.mark.parametrize("who", [u for u in USERS if u != "anonymous"])
def test_links_lead_where_the_user_may_go(world, who):
    client = world.client(who)
    queue, seen, refused = [("/", "")], set(), []
    while queue and len(seen) < MAX_PAGES:
        path, came_from = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow=True)
        if response.status_code in (403, 404) or response.status_code >= 500:
            refused.append((path, response.status_code, f"linked from {came_from}"))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            href = href.replace("&amp;", "&")
            parts = urlsplit(urljoin(path, href))
            if parts.netloc or parts.scheme not in ("", "http") or SKIPPED.search(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                queue.append((target, path))
    assert refused == [], f"{who} is offered links that refuse them"
