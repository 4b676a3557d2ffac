#!/usr/bin/env bash
# What the demo and the tests need before anything is installed, each said in one line naming
# what is missing and how to get it. Run it (`scripts/prerequisites.sh [--tests]`, exit status 1
# when something is missing) or source it for its functions (scripts/demo.sh does).

# Sets PYTHON to the command of a Python 3.11 interpreter (joinedup needs 3.11 exactly), or
# returns 1; PYTHON_SEEN lists the other Pythons found, for the message.
find_python311() {
  local candidate version
  PYTHON="" PYTHON_SEEN=""
  for candidate in .venv/bin/python python3.11 python3 python; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    version=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    if [ "$version" = "3.11" ]; then
      PYTHON=$candidate
      return 0
    fi
    PYTHON_SEEN="${PYTHON_SEEN:+$PYTHON_SEEN, }$candidate is $version"
  done
  return 1
}

# Prints one line per missing prerequisite of the demo; returns 1 if any is missing (PYTHON is set).
check_demo_prerequisites() {
  local missing=0 found="" node_major
  if find_python311; then
    if [ "$PYTHON" != ".venv/bin/python" ] && ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      echo "Missing: the venv module of Python 3.11 ($PYTHON cannot create a virtual environment); install it, e.g. 'sudo apt install python3.11-venv'." >&2
      missing=1
    fi
  else
    [ -n "$PYTHON_SEEN" ] && found="; found: $PYTHON_SEEN"
    echo "Missing: Python 3.11 (joinedup needs 3.11 exactly$found); get it from https://www.python.org/downloads/ , 'sudo apt install python3.11 python3.11-venv' or 'pyenv install 3.11'." >&2
    missing=1
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Missing: Node.js and npm (they fetch the NHS.UK frontend); get Node.js 20 or later, which includes npm, from https://nodejs.org/ or 'sudo apt install nodejs npm'." >&2
    missing=1
  else
    node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "${node_major:-0}" -lt 20 ] 2>/dev/null; then
      echo "Note: Node.js $(node --version 2>/dev/null) is older than the NHS.UK frontend asks for (20 or later); if fetching it fails, upgrade from https://nodejs.org/." >&2
    fi
  fi
  return "$missing"
}

# The tests also need PostgreSQL (JOINEDUP_TEST_POSTGRES_URL's server, by default 127.0.0.1:5432).
check_test_prerequisites() {
  local missing=0 url host port
  check_demo_prerequisites || missing=1
  url=${JOINEDUP_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
  host=${url#*://}; host=${host#*@}; host=${host%%/*}
  port=5432
  case $host in *:*) port=${host##*:}; host=${host%:*} ;; esac
  if ! (exec 3<>"/dev/tcp/${host:-127.0.0.1}/$port") 2>/dev/null; then
    echo "Missing: PostgreSQL at ${host:-127.0.0.1}:$port (the tests run on it as well as SQLite); start it, or install it from https://www.postgresql.org/download/ or 'sudo apt install postgresql', or set JOINEDUP_TEST_POSTGRES_URL." >&2
    missing=1
  fi
  return "$missing"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  cd "$(cd "${0%/*}" && pwd)/.." || exit 1
  if [ "${1:-}" = "--tests" ]; then check_test_prerequisites; else check_demo_prerequisites; fi
  exit $?
fi
