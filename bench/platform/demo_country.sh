#!/usr/bin/env bash
# Times `efs demo --scale country` (≈1.2 M educators in 89 regions) into a fresh
# SQLite file and into a fresh PostgreSQL database, with peak memory.
#   bash bench/platform/demo_country.sh [sqlite|postgres|both]
set -euo pipefail
cd "$(dirname "$0")/../.."
which="${1:-both}"
tmp=$(mktemp -d)
run() {
  echo "== $1"
  /usr/bin/time -f "wall %e s, max RSS %M KiB" .venv/bin/efs demo --scale country --seed 2026
}
if [ "$which" != "postgres" ]; then
  export EFS_DATA_DIR="$tmp/sqlite" DATABASE_URL=
  .venv/bin/efs migrate -v0
  run "SQLite ($EFS_DATA_DIR)"
  ls -la "$EFS_DATA_DIR/efs.sqlite3"
fi
if [ "$which" != "sqlite" ]; then
  db="efs_bench_$$"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
  export EFS_DATA_DIR="$tmp/pg" DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
  .venv/bin/efs migrate -v0
  run "PostgreSQL ($db)"
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE $db"
fi
rm -rf "$tmp"
