"""Settings, language, and the commands around the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "src/efs/locale/ru/LC_MESSAGES/django.po"


def test_deploy_check_is_clean_with_production_defaults(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EFS_", "DJANGO_"))}
    env.update({"EFS_DATA_DIR": str(tmp_path), "EFS_SECRET_KEY": "x" * 64 + "-production-secret-value-1234567890"})
    result = subprocess.run(
        [sys.executable, "-m", "efs.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_generated_once_into_the_data_dir(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EFS_", "DJANGO_"))}
    env["EFS_DATA_DIR"] = str(tmp_path)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    setup = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='efs.settings'; django.setup()"

    def run() -> str:
        argv = [sys.executable, "-c", f"{setup}; {code}"]
        return subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout

    first, second = run(), run()
    assert first == second and len(first.strip()) > 50
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_russian_catalog_is_complete_and_compiled():
    po = polib.pofile(str(CATALOG))
    missing = [
        e.msgid
        for e in po
        if not e.obsolete
        and ("fuzzy" in e.flags or not (e.msgstr or all(e.msgstr_plural.values()) and e.msgstr_plural))
    ]
    assert missing == []
    mo = polib.mofile(str(CATALOG.with_suffix(".mo")))
    compiled = {(e.msgid, e.msgstr) for e in mo if e.msgid}
    source = {(e.msgid, e.msgstr) for e in po if not e.obsolete and not e.msgid_plural}
    assert source <= compiled, "the .mo is stale: run `make messages`"


def test_pages_are_in_russian(world):
    client = world.client("regional")
    for url in ("/", "/people/educators/", "/people/imports/", "/people/audit/"):
        text = client.get(url).content.decode()
        assert 'lang="ru"' in text
        for english in ("Log out", "Home", "People", "Import", "Search"):
            assert f">{english}<" not in text, (url, english)
    assert "Выйти" in client.get("/").content.decode()


def test_efs_command_runs_pure_engines_without_django():
    result = subprocess.run(
        [sys.executable, "-c", "import efs.cli, sys; print('django' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
