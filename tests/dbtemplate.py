"""Test databases cloned from a migrated template instead of migrating once per xdist worker.

Running the 40-odd migrations costs about half a minute of CPU per database (Django re-renders
the model states of every related app at each CreateModel), and `make test` paid it four times:
two workers × two backends. Here the real migrations (schema and data, the same ``migrate
--run-syncdb`` that Django's test runner calls, post_migrate handlers included) run once into a
template, and each worker's test database is a copy of it:

- SQLite: a file ``<data dir>/test-template-<key>.sqlite3``, copied into the worker's in-memory
  test database with SQLite's backup API (what Django itself does for parallel workers);
- PostgreSQL: a database ``<test name>_tpl_<key>``; each worker's is ``CREATE DATABASE … TEMPLATE``.

The key hashes every file under ``src/efs`` (migrations and whatever code a data migration
imports), ``tests/settings.py``, the Django version and the backend, so any change to the product
builds a fresh template by migrating from zero; nothing is skipped. A lock file lets the first
worker build it while the other waits. ``python -m tests.dbtemplate`` builds it ahead of the run
(scripts/test.sh does so while the linters run). ``EFS_TEST_DB_TEMPLATE=0`` turns all of this off:
every worker then migrates its own database as before; ``--reuse-db`` and ``--nomigrations`` also
bypass it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY_SOURCES = [ROOT / "src" / "efs", ROOT / "tests" / "settings.py"]


def enabled() -> bool:
    return os.environ.get("EFS_TEST_DB_TEMPLATE", "1") != "0"


def key(vendor: str) -> str:
    import django

    digest = hashlib.sha256(f"{vendor} {django.__version__}".encode())
    for source in KEY_SOURCES:
        files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts or path.suffix in (".pyc", ".mo"):
                continue
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _data_dir() -> Path:
    from django.conf import settings

    path = Path(settings.DATA_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _lock(name: str):
    with open(_data_dir() / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _migrate(database_url: str) -> None:
    """The real migrations, in a process of their own (settings are read once per process)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTEST_XDIST_WORKER", None)
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--run-syncdb", "--verbosity", "0", "--no-input"],
        cwd=ROOT,
        env=env,
        check=True,
    )


# ---- SQLite -------------------------------------------------------------------------------


def sqlite_template() -> Path:
    path = _data_dir() / f"test-template-{key('sqlite')}.sqlite3"
    if path.exists():
        return path
    with _lock("test-template-sqlite"):
        if path.exists():
            return path
        for stale in _data_dir().glob("test-template-*.sqlite3*"):
            stale.unlink()
        building = path.with_name(path.name + ".building")
        for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            leftover.unlink(missing_ok=True)
        _migrate(f"sqlite:///{building}")
        db = sqlite3.connect(building)
        db.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        db.close()
        os.replace(building, path)
    return path


def sqlite_restore(connection) -> None:
    """Copy the template into the (already open) test database of `connection`."""
    source = sqlite3.connect(f"file:{sqlite_template()}?mode=ro", uri=True)
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


# ---- PostgreSQL ---------------------------------------------------------------------------


def postgres_template(connection, test_name: str) -> str:
    q = connection.ops.quote_name
    name = f"{re.sub(r'_gw[0-9]+$', '', test_name)}_tpl_{key('postgresql')}"[:63]
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            return name
    with _lock(f"test-template-pg-{name}"):
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return name
            prefix = name.rsplit("_tpl_", 1)[0] + "_tpl_"
            cursor.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix])
            for (stale,) in cursor.fetchall():
                cursor.execute(f"DROP DATABASE IF EXISTS {q(stale)} WITH (FORCE)")
            building = f"{prefix}building"
            cursor.execute(f"CREATE DATABASE {q(building)}")
        base, _, query = os.environ["DATABASE_URL"].partition("?")
        _migrate(f"{base.rsplit('/', 1)[0]}/{building}" + (f"?{query}" if query else ""))
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {q(building)} RENAME TO {q(name)}")
    return name


def postgres_create(connection, test_name: str) -> None:
    q = connection.ops.quote_name
    template = postgres_template(connection, test_name)
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {q(test_name)} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {q(test_name)} TEMPLATE {q(template)}")


# ---- the hook -----------------------------------------------------------------------------


def install(connection) -> None:
    """Make `connection.creation.create_test_db` clone the template (same signature and effects)."""
    creation = connection.creation
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    original = creation.create_test_db

    def create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        from django.conf import settings
        from django.core.management import call_command

        if keepdb or connection.settings_dict["TEST"].get("MIGRATE") is False:
            return original(verbosity=verbosity, autoclobber=autoclobber, serialize=serialize, keepdb=keepdb)
        test_name = creation._get_test_db_name()
        if connection.vendor == "postgresql":
            postgres_create(connection, test_name)
        else:
            sqlite_template()  # built (or found) before the test database is opened
            creation._create_test_db(verbosity, autoclobber=True, keepdb=False)
        connection.close()
        settings.DATABASES[connection.alias]["NAME"] = test_name
        connection.settings_dict["NAME"] = test_name
        if connection.vendor == "sqlite":
            sqlite_restore(connection)
        if serialize:
            connection._test_serialized_contents = creation.serialize_db_to_string()
        call_command("createcachetable", database=connection.alias)
        connection.ensure_connection()
        return test_name

    creation.create_test_db = create_test_db


def main() -> None:
    """Build the template of the database DATABASE_URL names (SQLite when unset)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    if connection.vendor == "postgresql":
        print(postgres_template(connection, connection.creation._get_test_db_name()))
    else:
        print(sqlite_template())


if __name__ == "__main__":
    main()
