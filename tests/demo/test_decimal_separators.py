"""Russian numbers on every page of the demo: a decimal comma (1,5; 12,3 %), never a dot.

Each demo login starts on the home page and follows the site's links (as test_links
does); the visible text of every page (tags, scripts, styles and attributes removed)
must hold no number written with a decimal dot. Dates (07.12.2026) and dotted codes or
versions (1.2.3) have more than one dot and are not numbers.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

SKIPPED = re.compile(
    r"^/(?:accounts/logout|admin/|api/|static/|media/)|\.(?:xlsx|pdf|ics|csv|zip|json)$|/export|/download|/files/"
)
HREF = re.compile(r'href="([^"#]+)"')
INVISIBLE = re.compile(r"<(script|style|svg|template)\b.*?</\1>|<!--.*?-->", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
# a number with a decimal dot, not part of a date, a dotted code, a labour function of a
# professional standard (A/01.6) or a framework version (2026.1)
DOTTED = re.compile(r"(?<![\w./])(?!20\d\d\.\d\b)\d+\.\d+(?![\w.]|\.\d)")
LOGINS = ["teacher", "novice", "mentor", "head", "tutor", "municipal", "provider", "expert", "regional", "federal"]
MAX_PAGES = 45

pytestmark = pytest.mark.xdist_group("demo")


def visible_text(page: str) -> str:
    return html.unescape(TAG.sub(" ", INVISIBLE.sub(" ", page)))


def test_one_owner_formats_numbers_in_russian():
    from django.template import Context, Template

    from efs.money import format_number

    assert format_number(1.5) == "1,5" and format_number(12.34, 2) == "12,34"
    assert format_number(12345.67) == "12\u202f345,7" and format_number(-0.25, 2) == "−0,25"
    assert format_number(-0.001, 2) == "0,00"  # no minus before a zero
    rendered = Template("{% load efs %}{{ a|number }} {{ b|number:2 }} {{ c|number }}").render(
        Context({"a": 1234.5, "b": 0.5, "c": None})
    )
    assert rendered == "1\u202f234,5 0,50 —"


def test_the_pattern():
    assert DOTTED.findall(visible_text("<p>покрыто 628.5 из 1081,3</p>")) == ["628.5"]
    assert DOTTED.findall(visible_text("<p>07.12.2026, версия 1.2.3, 12,3 %, <b>1.5</b> ч</p>")) == ["1.5"]
    assert DOTTED.findall(visible_text('<a href="/x/1.5">x</a><script>var a = 1.5</script>')) == []
    assert DOTTED.findall(visible_text("<td>A/01.6, B/03.6</td><td>версия 2026.1</td><td>-0.5 / 0.3</td>")) == [
        "0.5",
        "0.3",
    ]


def test_demo_pages_write_numbers_with_a_decimal_comma(demo):
    User = get_user_model()
    dotted: list[tuple[str, str, str]] = []
    for who in LOGINS:
        user = User.objects.filter(username=who).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        queue, seen = ["/"], set()
        while queue and len(seen) < MAX_PAGES:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path, follow=True)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            page = response.content.decode()
            text = visible_text(page)
            for match in DOTTED.finditer(text):
                context = " ".join(text[max(0, match.start() - 60) : match.end() + 20].split())
                dotted.append((who, path, context))
            for href in HREF.findall(page):
                parts = urlsplit(urljoin(path, href.replace("&amp;", "&")))
                if parts.netloc or parts.scheme not in ("", "http") or SKIPPED.search(parts.path):
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in seen:
                    queue.append(target)
    assert dotted == [], "numbers written with a decimal dot:\n" + "\n".join(map(str, dotted))
