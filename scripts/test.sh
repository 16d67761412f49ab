#!/usr/bin/env bash
# Lint, then the whole suite on SQLite and, when it is reachable, on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export EFS_DATA_DIR="${EFS_DATA_DIR:-$PWD/var/test}"
mkdir -p "$EFS_DATA_DIR"

echo "== lint: ruff"
$BIN/ruff check $(ls -d src tests bench scripts 2>/dev/null)
echo "== lint: migrations are complete"
$BIN/efs makemigrations --check --dry-run >/dev/null || { echo "Models changed without a migration: run 'efs makemigrations'."; exit 1; }
echo "== lint: mypy (engines strict; the rest held to scripts/mypy-baseline.txt)"
$BIN/python scripts/mypy_baseline.py
echo "== lint: import layers"
$BIN/lint-imports --no-cache
[ "${1:-}" = "--lint-only" ] && exit 0

WORKERS="${EFS_TEST_WORKERS:-2}"
echo "== tests on SQLite"
# pytest exits 5 when it collected no tests; `set -e` turns that into a failure too.
DATABASE_URL= $BIN/pytest -n "$WORKERS" -q

PG_URL="${EFS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/efs}"
if $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"   ({exc.__class__.__name__}: {str(exc).strip()[:200]})")
    sys.exit(1)
PY
then
  echo "== tests on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" $BIN/pytest -n "$WORKERS" -q
else
  echo "NOTICE: PostgreSQL is not reachable at $PG_URL — the PostgreSQL pass is SKIPPED on this machine."
  if [ -n "${EFS_REQUIRE_POSTGRES:-}" ]; then echo "EFS_REQUIRE_POSTGRES is set: failing."; exit 1; fi
fi
