#!/usr/bin/env bash
# One web bench run: start gunicorn as `efs up` does (or with other workers × threads), run
# bench/web/load.py against it, print the load average before and after, stop the server.
#
#   EFS_DATA_DIR=… [DATABASE_URL=…] bash bench/web/run.sh [WORKERS] [THREADS] [load.py options…]
#
# e.g. `bash bench/web/run.sh 2 4 --clients 20 --seconds 15 --scenarios teacher,diagnostics`.
# The database must have been prepared with bench/web/prepare.py. The server logs to
# var/bench/web-server.log (no access log, as in the measurements of docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
workers=${1:-2}
threads=${2:-4}
shift $(( $# > 2 ? 2 : $# ))
port=${EFS_BENCH_PORT:-8106}
mkdir -p var/bench
.venv/bin/python -m gunicorn efs.wsgi:application --bind "127.0.0.1:$port" \
    --workers "$workers" --threads "$threads" --timeout 120 >var/bench/web-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    sleep 0.3
done
echo "server: gunicorn $workers workers × $threads threads, database ${DATABASE_URL:-sqlite in $EFS_DATA_DIR}"
echo "before: $(uptime)"
.venv/bin/python bench/web/load.py --base "http://127.0.0.1:$port" "$@"
echo "after:  $(uptime)"
