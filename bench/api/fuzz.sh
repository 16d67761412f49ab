#!/usr/bin/env bash
# The full schemathesis run over every operation of /api/openapi.json, as a regional
# operator and as a teacher: the same test as `make test` (tests/test_api_fuzz.py), with
# many more generated requests per operation (default 100; EFS_FUZZ_EXAMPLES overrides).
# Optional: DATABASE_URL=postgres://… to run it on PostgreSQL. Prints every failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
export EFS_FUZZ_EXAMPLES="${EFS_FUZZ_EXAMPLES:-100}"
export EFS_DATA_DIR="${EFS_DATA_DIR:-$PWD/var/bench-fuzz}"
mkdir -p "$EFS_DATA_DIR"
start=$(date +%s)
.venv/bin/pytest -p no:randomly -n 0 -q tests/test_api_fuzz.py "$@"
echo "examples per operation: $EFS_FUZZ_EXAMPLES; wall time: $(( $(date +%s) - start )) s"
