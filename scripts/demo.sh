#!/usr/bin/env bash
# Set up and start the demo: Trafford's real organisations, synthetic people, at http://127.0.0.1:8000
set -euo pipefail
case $0 in */*) cd "${0%/*}/.." ;; *) cd .. ;; esac

usage() {
  cat <<'EOF'
Usage: ./scripts/demo.sh [--host ADDRESS] [--port PORT] [--no-simulate]

Sets up and starts the joinedup demo: Trafford's real care homes and GP practices, synthetic
people, at http://127.0.0.1:8000 (one sign-in per role is printed; the password for all is
trafford-demo-2026).

Needs: Python 3.11 (exactly) and Node.js 20 or later with npm. The first run creates .venv,
installs the Python packages (about two minutes, with progress shown) and fetches the NHS.UK
frontend from npm; later runs start in seconds. The demo keeps its data in joinedup.db (SQLite).

Options (passed to `joinedup demo`):
  --host ADDRESS   address to listen on (default 127.0.0.1)
  --port PORT      port to listen on (default 8000)
  --no-simulate    keep the synthetic capacity still (by default a few providers report every 10 s)
  -h, --help       show this and stop; nothing is installed
EOF
}

for arg in "$@"; do
  case $arg in -h | --help) usage; exit 0 ;; esac
done

# shellcheck source=scripts/prerequisites.sh
. scripts/prerequisites.sh
if ! check_demo_prerequisites; then
  echo "Install what is missing above, then run ./scripts/demo.sh again." >&2
  exit 1
fi

log=.venv/install.log
fingerprint() { { cat "$@" 2>/dev/null || true; } | cksum; }

# Shows pip's progress as one line per package (on a terminal: one line, rewritten), and keeps
# everything pip says in $log.
pip_progress() {
  local line count=0 name
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$log"
    case $line in
      Collecting* | Processing* | "Requirement already satisfied"*)
        count=$((count + 1))
        name=${line#* }; name=${name#already satisfied: }; name=${name%% *}; name=${name##*/}
        if [ -t 1 ]; then printf '\r\033[K    %3d fetched: %s' "$count" "$name"; else printf '    %3d %s\n' "$count" "$name"; fi
        ;;
      "Installing collected packages"*)
        [ -t 1 ] && printf '\n'
        name=${line#*: }; name=${name//[!,]/}
        echo "    installing $((${#name} + 1)) packages (the longest step: about a minute)"
        ;;
    esac
  done
  [ -t 1 ] && [ "$count" -gt 0 ] && printf '\n'
  return 0
}

echo "[1/4] Python 3.11 virtual environment (.venv)"
if [ "$PYTHON" != ".venv/bin/python" ]; then
  if [ -d .venv ]; then echo "    .venv is not Python 3.11: making it again"; fi
  "$PYTHON" -m venv --clear .venv
fi
: >"$log"

echo "[2/4] Python packages"
stamp=.venv/.joinedup-packages
wanted=$(fingerprint pyproject.toml)
if [ -x .venv/bin/joinedup ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  echo "    up to date"
else
  echo "    first run: about two minutes (everything pip says: $log)"
  if ! .venv/bin/python -m pip install --upgrade pip >>"$log" 2>&1 \
    || ! .venv/bin/python -m pip install --progress-bar off -e ".[postgres]" 2>&1 | pip_progress; then
    echo "pip could not install joinedup's packages (is the network reachable?); its last lines, from $log:" >&2
    tail -n 15 "$log" >&2
    exit 1
  fi
  printf '%s\n' "$wanted" >"$stamp"
  echo "    done"
fi

echo "[3/4] NHS.UK frontend (npm)"
stamp=.venv/.joinedup-frontend
wanted=$(fingerprint package.json package-lock.json scripts/build-frontend.sh)
if [ -d src/joinedup/web/static/vendor/nhsuk ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  echo "    up to date"
else
  if ! ./scripts/build-frontend.sh >>"$log" 2>&1; then
    echo "npm could not fetch the NHS.UK frontend (is the network reachable?); its last lines, from $log:" >&2
    tail -n 15 "$log" >&2
    exit 1
  fi
  printf '%s\n' "$wanted" >"$stamp"
  echo "    done"
fi

echo "[4/4] Migrating joinedup.db, loading Trafford and starting the server"
exec .venv/bin/joinedup demo "$@"
