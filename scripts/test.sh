#!/usr/bin/env bash
# Lint, then the whole suite on SQLite and, when it is reachable, on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export EFS_DATA_DIR="${EFS_DATA_DIR:-$PWD/var/test}"
mkdir -p "$EFS_DATA_DIR"

PG_URL="${EFS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/efs}"
pg_reachable() {
  $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"   ({exc.__class__.__name__}: {str(exc).strip()[:200]})")
    sys.exit(1)
PY
}

# The test databases' templates (tests/dbtemplate.py: the real migrations, once per backend) are
# built while the linters run; each pytest worker then copies one instead of migrating its own.
declare -A TEMPLATE_PID=()
stop_templates() { for pid in "${TEMPLATE_PID[@]}"; do kill -- "-$pid" 2>/dev/null || true; done; }
trap stop_templates EXIT
if [ "${1:-}" != "--lint-only" ] && [ "${EFS_TEST_DB_TEMPLATE:-1}" != "0" ]; then
  DATABASE_URL= setsid $BIN/python -m tests.dbtemplate >"$EFS_DATA_DIR/template-sqlite.log" 2>&1 &
  TEMPLATE_PID[sqlite]=$!
  if pg_reachable >/dev/null 2>&1; then
    DATABASE_URL="$PG_URL" setsid $BIN/python -m tests.dbtemplate >"$EFS_DATA_DIR/template-postgresql.log" 2>&1 &
    TEMPLATE_PID[postgresql]=$!
  fi
fi
template_ready() {  # wait for a template build; on failure show its log (the migrations failed)
  local pid="${TEMPLATE_PID[$1]:-}"
  [ -z "$pid" ] && return 0
  unset "TEMPLATE_PID[$1]"
  if ! wait "$pid"; then
    echo "Building the $1 test database template failed (the migrations, from zero):"
    cat "$EFS_DATA_DIR/template-$1.log"
    exit 1
  fi
}

echo "== lint: ruff"
$BIN/ruff check $(ls -d src tests bench scripts 2>/dev/null)
echo "== lint: migrations are complete"
$BIN/efs makemigrations --check --dry-run >/dev/null || { echo "Models changed without a migration: run 'efs makemigrations'."; exit 1; }
echo "== lint: mypy (engines strict; the whole tree clean)"
$BIN/python -m mypy
echo "== lint: import layers"
$BIN/lint-imports --no-cache
[ "${1:-}" = "--lint-only" ] && exit 0

WORKERS="${EFS_TEST_WORKERS:-2}"
echo "== tests on SQLite"
# pytest exits 5 when it collected no tests; `set -e` turns that into a failure too.
template_ready sqlite
DATABASE_URL= $BIN/pytest -n "$WORKERS" --dist loadgroup -q --durations=15

if pg_reachable
then
  echo "== tests on PostgreSQL ($PG_URL)"
  template_ready postgresql
  DATABASE_URL="$PG_URL" $BIN/pytest -n "$WORKERS" --dist loadgroup -q --durations=15
else
  echo "NOTICE: PostgreSQL is not reachable at $PG_URL — the PostgreSQL pass is SKIPPED on this machine."
  if [ -n "${EFS_REQUIRE_POSTGRES:-}" ]; then echo "EFS_REQUIRE_POSTGRES is set: failing."; exit 1; fi
fi
