"""Closed-loop load on the web pages, each scenario beside /healthz measured in the same run.

    .venv/bin/python bench/web/load.py --base http://127.0.0.1:8106 [--clients 20] [--seconds 20]
        [--scenarios teacher,diagnostics,tutor,operators]

Start the server first (gunicorn, as `efs up` does) on a demo database prepared with
bench/web/prepare.py. Traffic goes only to 127.0.0.1. Every client logs in once (its own
session), then loops for `--seconds`: one request, wait for the answer, the next. Before each
scenario the same clients, logged in as the same users, loop on /healthz for the same time:
the whole middleware stack (session, user, grants, timezone) with almost no page. The fair
figure on a shared machine is the ratio of the two throughputs, not the absolute numbers.

Scenarios:
- teacher      bench-t1…N alternate their home page and their route page
- diagnostics  bench-d1…N give consent, start the diagnostics and answer items (GET item, POST answer)
- tutor        the demo tutor's home and queue
- operators    head, municipal, regional, federal: home page, the deficit map, the people list
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import time
import urllib.parse
from dataclasses import dataclass, field

# ---------------------------------------------------------------- a tiny HTTP/1.1 client


class Session:
    """One keep-alive connection with its cookies."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, form: dict | list | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            try:
                return await self._request(method, path, form)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _request(self, method: str, path: str, form) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        body = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else b""
        headers = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive"]
        if self.cookies:
            headers.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            headers += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}", f"Referer: http://{self.host}:{self.port}{path}"]
            if "csrftoken" in self.cookies:
                headers.append(f"X-CSRFToken: {self.cookies['csrftoken']}")
        self.writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        response_headers: dict[str, str] = {}
        while True:
            line = (await self.reader.readuntil(b"\r\n")).decode("latin-1").rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key] = val
            else:
                response_headers[name] = value
        if "content-length" in response_headers:
            content = await self.reader.readexactly(int(response_headers["content-length"]))
        elif response_headers.get("transfer-encoding") == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunks.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            content = b"".join(c[:-2] for c in chunks)
        else:
            content = await self.reader.read()
            await self.close()
        if response_headers.get("connection", "").lower() == "close":
            await self.close()
        return status, response_headers, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except ConnectionError:
                pass
        self.reader = self.writer = None

    async def login(self, username: str, password: str) -> None:
        status, _, page = await self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert status == 200 and token, f"login page: {status}"
        status, headers, _ = await self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(
                f"cannot log in as {username} (status {status}); run bench/web/prepare.py on this database"
            )


# ---------------------------------------------------------------- scenarios


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    by_page: dict[str, list[float]] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)  # "page status" -> count

    def add(self, page: str, seconds: float, ok: bool, status: int = 0) -> None:
        self.latencies.append(seconds)
        self.by_page.setdefault(page, []).append(seconds)
        if not ok:
            self.errors += 1
            key = f"{page} {status}"
            self.failed[key] = self.failed.get(key, 0) + 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(session: Session, stats: Stats, page: str, method: str, path: str, form=None, ok=(200,)) -> bytes:
    started = time.perf_counter()
    status, _, body = await session.request(method, path, form)
    stats.add(page, time.perf_counter() - started, status in ok, status)
    return body


async def teacher_loop(session: Session, stats: Stats, deadline: float, state: dict) -> None:
    if "route" not in state:
        _, _, home = await session.request("GET", "/")
        found = re.search(rb'href="(/routes/\d+/)"', home)
        state["route"] = found.group(1).decode() if found else "/routes/"
    while time.perf_counter() < deadline:
        await timed(session, stats, "home", "GET", "/")
        await timed(session, stats, "route", "GET", state["route"])


def _answer_form(page: str) -> dict | list:
    """A valid answer for the item on the page (the first option, ranks 1..n, distinct pairs)."""
    position = re.search(r'name="position" value="(\d+)"', page)
    form: list[tuple[str, str]] = [("position", position.group(1) if position else "1")]
    choice = re.search(r'name="choice" id="o-[^"]+" value="([^"]+)"', page)
    if choice:
        form.append(("choice", choice.group(1)))
    if 'name="value"' in page:
        form.append(("value", "1"))
    # a matching item: each option on the right is used once, so the pairs take them in turn
    for place, name in enumerate(sorted(set(re.findall(r'name="(match_[^"]+)"', page)))):
        select = re.search(rf'name="{name}"[^>]*>(.*?)</select>', page, re.S)
        options = [v for v in re.findall(r'<option value="([^"]*)"', select.group(1) if select else "") if v]
        form.append((name, options[place % len(options)] if options else "a"))
    for place, name in enumerate(sorted(set(re.findall(r'name="(rank_[^"]+)"', page))), start=1):
        form.append((name, str(place)))
    return form


async def diagnostics_loop(session: Session, stats: Stats, deadline: float, state: dict) -> None:
    while time.perf_counter() < deadline:
        if "attempt" not in state:
            # The two consents a teacher gives first, as on the pages (both idempotent): the
            # processing of personal data, which the demo region's legal basis requires
            # (people.services.processing_require refuses to start an attempt without it),
            # then the participation in the diagnostics.
            await session.request("POST", "/people/consents/give/", {"kind": "personal_data"})
            await session.request("POST", "/diagnostics/", {})
            _, _, index = await session.request("GET", "/diagnostics/")
            opened = re.search(rb'href="(/diagnostics/attempts/\d+/)"', index)
            if opened:  # an attempt left open (by an earlier run): continue it, as the page offers
                state["attempt"] = opened.group(1).decode()
                continue
            codes = re.findall(rb'action="/diagnostics/start/([\w-]+)/"', index)
            if not codes:
                raise SystemExit("the diagnostics page offers no assessment to start")
            status, headers, _ = await session.request("POST", f"/diagnostics/start/{codes[0].decode()}/", {})
            location = headers.get("location", "")
            if status != 302 or "/attempts/" not in location:
                _, _, page = await session.request("GET", urllib.parse.urlparse(location).path or "/diagnostics/")
                alerts = re.findall(r'role="alert">\s*([^<]+)', page.decode())
                raise SystemExit(f"cannot start the diagnostics: {status} {location} {alerts}")
            state["attempt"] = urllib.parse.urlparse(location).path
        page = (await timed(session, stats, "item", "GET", state["attempt"])).decode()
        if 'name="position"' not in page:  # finished: a new attempt next time
            state.pop("attempt")
            continue
        started = time.perf_counter()
        status, headers, _ = await session.request("POST", state["attempt"], _answer_form(page))
        stats.add("answer", time.perf_counter() - started, status in (302, 200), status)
        if status == 302 and "/result/" in headers.get("location", ""):
            state.pop("attempt")


def pages_loop(paths: list[str]):
    async def loop(session: Session, stats: Stats, deadline: float, state: dict) -> None:
        while time.perf_counter() < deadline:
            for path in paths:
                await timed(session, stats, path, "GET", path)

    return loop


async def healthz_loop(session: Session, stats: Stats, deadline: float, state: dict) -> None:
    while time.perf_counter() < deadline:
        await timed(session, stats, "/healthz", "GET", "/healthz")


OPERATOR_PAGES = ["/", "/diagnostics/map/", "/people/educators/"]
SCENARIOS = {
    # name: (logins, loop)
    "teacher": (lambda n: [(f"bench-t{i % 20 + 1}", "bench") for i in range(n)], teacher_loop),
    "diagnostics": (lambda n: [(f"bench-d{i % 20 + 1}", "bench") for i in range(n)], diagnostics_loop),
    "tutor": (lambda n: [("tutor", "demo")] * n, pages_loop(["/", "/routes/tutor/"])),
    "operators": (
        lambda n: [(("head", "municipal", "regional", "federal")[i % 4], "demo") for i in range(n)],
        pages_loop(OPERATOR_PAGES),
    ),
}


async def run_phase(sessions: list[Session], loop, seconds: float, states: list[dict]) -> tuple[Stats, float]:
    stats = Stats()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(loop(s, stats, deadline, st) for s, st in zip(sessions, states, strict=True)))
    return stats, time.perf_counter() - started


def summarize(stats: Stats, elapsed: float) -> dict:
    return {
        "requests": len(stats.latencies),
        "errors": stats.errors,
        "failed": stats.failed,
        "rps": round(len(stats.latencies) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(stats.latencies), 1) if stats.latencies else None,
        "p95_ms": round(1000 * percentile(stats.latencies, 0.95), 1),
        "pages": {
            page: {
                "n": len(v),
                "p50_ms": round(1000 * statistics.median(v), 1),
                "p95_ms": round(1000 * percentile(v, 0.95), 1),
            }
            for page, v in stats.by_page.items()
        },
    }


async def main_async(args) -> list[dict]:
    url = urllib.parse.urlparse(args.base)
    if url.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("the bench sends traffic only to 127.0.0.1")
    results = []
    for name in args.scenarios.split(","):
        logins, loop = SCENARIOS[name]
        sessions = [Session("127.0.0.1", url.port or 80) for _ in range(args.clients)]
        for session, (username, password) in zip(sessions, logins(args.clients), strict=True):
            await session.login(username, password)
        states: list[dict] = [{} for _ in sessions]
        await run_phase(sessions, loop, args.warmup, states)  # warm caches and connections
        health, health_elapsed = await run_phase(sessions, healthz_loop, args.seconds, states)
        pages, pages_elapsed = await run_phase(sessions, loop, args.seconds, states)
        row = {
            "scenario": name,
            "clients": args.clients,
            "seconds": args.seconds,
            "healthz": summarize(health, health_elapsed),
            "pages": summarize(pages, pages_elapsed),
        }
        row["throughput_vs_healthz"] = (
            round(row["pages"]["rps"] / row["healthz"]["rps"], 3) if row["healthz"]["rps"] else None
        )
        results.append(row)
        print(
            f"{name:<12} {args.clients} clients: pages {row['pages']['rps']:>6} req/s p50 {row['pages']['p50_ms']} ms "
            f"p95 {row['pages']['p95_ms']} ms"
            f" errors {row['pages']['errors']} | /healthz {row['healthz']['rps']} req/s p95 {row['healthz']['p95_ms']} "
            "ms"
            f" | ratio {row['throughput_vs_healthz']}",
            flush=True,
        )
        for page, figures in row["pages"]["pages"].items():
            print(f"    {page:<24} n={figures['n']:<6} p50 {figures['p50_ms']} ms p95 {figures['p95_ms']} ms")
        if row["pages"]["failed"]:
            print(f"    not ok (page status: count): {row['pages']['failed']}")
        for session in sessions:
            await session.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8106")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--scenarios", default="teacher,diagnostics,tutor,operators")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
