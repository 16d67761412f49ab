"""Latency of the network pages: a thread of 1 000 posts and a list of 500 communities.

    cp -r var/demo /tmp/netbench && EFS_DATA_DIR=/tmp/netbench .venv/bin/python bench/network/pages.py [--rounds 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/efs_netbench .venv/bin/python bench/network/pages.py

Run it on a COPY of a demo data dir (after `efs demo`): it adds, through the real services, a
community «Бенч: 1000 сообщений» with one thread of 1 000 posts (Markdown rendered at write
time, as in production) and 500 more communities of the demo region, unless they are there
from an earlier run. Then, logged in as the demo teacher through the Django test client (no
network), it requests the thread's first, middle and last pages and the community list's first
pages and a search, and beside them the teacher's home page of the notifications (`/people/notifications/`)
as the peer measured in the same run. Prints p50/p95/max in ms and the load average.
Target: p95 ≤ 200 ms for the thread page and the community list.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

THREAD_TITLE = "Бенч: 1000 сообщений"


def _prepare():
    from efs.people.models import Region, User
    from efs.practices.network import services
    from efs.practices.network.models import Community, Thread

    region = Region.objects.get(code="24")
    regional = User.objects.get(username="regional")
    teacher = User.objects.get(username="teacher")
    community = Community.objects.filter(title=THREAD_TITLE).first()
    if community is None:
        community = services.community_create(actor=regional, region=region, title=THREAD_TITLE)
        services.community_join(actor=teacher, community=community)
        thread = services.thread_create(actor=teacher, community=community, title=THREAD_TITLE, body="Первое сообщение")
        for i in range(999):
            services.post_create(
                actor=teacher,
                thread=thread,
                body=f"Сообщение {i}: **формирующее оценивание**, [ссылка](https://example.ru/{i}), @tutor"
                "\n\n- пункт\n- пункт",
            )
    existing = Community.objects.filter(title__startswith="Бенч-сообщество").count()
    for i in range(existing, 500):
        services.community_create(
            actor=regional, region=region, title=f"Бенч-сообщество {i:03d}", description="Для замера списка"
        )
    return Thread.objects.get(title=THREAD_TITLE)


def _measure(client, urls: list[str], rounds: int) -> dict:
    times = []
    for _ in range(rounds):
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from efs.people.models import User
    from efs.practices.network.models import Community, Post

    started = time.perf_counter()
    thread = _prepare()
    prepared_s = round(time.perf_counter() - started, 1)
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="teacher"))
    pages = (Post.objects.filter(thread=thread).count() + 49) // 50
    base = f"/practices/network/t/{thread.pk}/"
    scenarios = {
        "thread_pages": [base, f"{base}?page={pages // 2}", f"{base}?page={pages}"] * 4,
        "community_list": [
            "/practices/network/",
            "/practices/network/?page=2",
            "/practices/network/?page=5",
            "/practices/network/?q=Бенч-сообщество 4",
        ]
        * 3,
        "peer_notifications": ["/people/notifications/"] * 12,
    }
    for urls in scenarios.values():  # warm the caches (templates, translations, the connection)
        client.get(urls[0])
    figures = {name: _measure(client, urls, args.rounds) for name, urls in scenarios.items()}
    print(
        json.dumps(
            {
                "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
                "posts_in_thread": Post.objects.filter(thread=thread).count(),
                "communities": Community.objects.count(),
                "prepare_s": prepared_s,
                **figures,
                "load_average_after": os.getloadavg(),
            },
            indent=1,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
