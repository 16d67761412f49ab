"""`efs up`: migrate, create the demo region when the database is empty, collect
static files, then run the web server and the background worker until Ctrl-C."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from efs.demo.public import DEMO_PASSWORD, existing_demo_logins


def _static_fingerprint() -> str:
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha1()
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda pair: pair[0]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _collect_static_if_changed() -> None:
    """collectstatic compresses every file; skip it when nothing changed (fast restarts)."""
    stamp = settings.STATIC_ROOT / ".efs-fingerprint"
    fingerprint = _static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)


class Command(BaseCommand):
    help = "Start the platform: web server and background worker (creates the demo region on first start)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("EFS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("EFS_PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("EFS_WEB_WORKERS", "2")))
        parser.add_argument("--no-demo", action="store_true", help="do not create the demo region")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("starter")
        call_command("monitoring", "starter")
        if not options["no_demo"]:
            call_command("demo", if_empty=True)
        _collect_static_if_changed()
        from efs.ops.tasks import daily_job_ensure

        daily_job_ensure()
        url = f"http://{options['host']}:{options['port']}/"
        web = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "efs.wsgi:application",
                "--bind", f"{options['host']}:{options['port']}",
                "--workers", str(options["web_workers"]),
                "--threads", "4",
                "--timeout", "120",
                "--access-logfile", "-",
            ]
        )
        worker = subprocess.Popen([sys.executable, "-m", "efs.cli", "db_worker", "--queue-name", "*"])
        self.stdout.write(self.style.SUCCESS(f"\nЕФС НМС is running at {url}"))
        self.stdout.write(f"Data dir: {settings.DATA_DIR}")
        logins = existing_demo_logins()
        if logins:
            self.stdout.write(f"Demo logins (password «{DEMO_PASSWORD}»):")
            for login in logins:
                self.stdout.write(f"  {login.username:<10} {login.role:<34} {login.who}")
        self.stdout.write("Press Ctrl-C to stop.\n")
        self.stdout.flush()
        children = [web, worker]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    self.stderr.write(f"A process stopped unexpectedly (exit {child.returncode}); stopping the rest.")
                    exit_code = child.returncode or 1
                    stopping = True
            time.sleep(0.5)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if exit_code:
            sys.exit(exit_code)
