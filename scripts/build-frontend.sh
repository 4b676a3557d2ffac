#!/usr/bin/env bash
# Fetch the NHS.UK frontend and htmx from npm and vendor them into the package's static folder.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --silent --include=dev
dest=src/joinedup/web/static/vendor
rm -rf "$dest"
mkdir -p "$dest/nhsuk" "$dest/htmx"
src=node_modules/nhsuk-frontend/dist/nhsuk
cp "$src/nhsuk-frontend.min.css" "$src/nhsuk-frontend.min.js" "$dest/nhsuk/"
cp -r "$src/assets" "$dest/nhsuk/assets"
cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/dist/ext/sse.js "$dest/htmx/" 2>/dev/null \
  || cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
# axe-core is for the browser tests only (accessibility scans); it is never served.
mkdir -p tests/e2e/vendor
cp node_modules/axe-core/axe.min.js tests/e2e/vendor/
echo "Front-end assets vendored into $dest (axe-core for tests into tests/e2e/vendor)"
