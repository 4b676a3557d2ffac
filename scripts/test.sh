#!/usr/bin/env bash
# Install everything the tests need (Chromium included) and run the whole suite:
# lint, types, then every test on SQLite (the fast lane first, then the slow tests) and again
# on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[dev]"
./scripts/build-frontend.sh

.venv/bin/ruff check src tests benchmarks migrations
.venv/bin/mypy

# Nothing may be skipped silently: a missing browser, server or data set fails the run.
export JOINEDUP_REQUIRE_BROWSER=1 JOINEDUP_NO_SKIPS=1
run_pytest() {
  # Exit code 5 means "no tests collected": that is a broken suite, never a pass.
  set +e
  .venv/bin/pytest "$@"
  local rc=$?
  set -e
  if [ "$rc" -eq 5 ]; then echo "pytest collected no tests" >&2; return 1; fi
  return "$rc"
}
echo "== fast lane on SQLite (-m 'not slow') =="
JOINEDUP_TEST_DATABASE_URL="" run_pytest -q -m "not slow"
echo "== slow tests on SQLite (-m slow) =="
JOINEDUP_TEST_DATABASE_URL="" run_pytest -q -m slow
echo "== tests on PostgreSQL =="
JOINEDUP_TEST_DATABASE_URL="${JOINEDUP_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}" run_pytest -q
