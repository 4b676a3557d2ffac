#!/usr/bin/env bash
# Set up and start the demo: Trafford's real organisations, synthetic people, at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[postgres]"
./scripts/build-frontend.sh
exec .venv/bin/joinedup demo "$@"
