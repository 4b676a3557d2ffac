#!/usr/bin/env bash
# Fetch the NHS.UK frontend, htmx and Swagger UI from npm and vendor them into the package's static folder.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --silent --include=dev
dest=src/joinedup/web/static/vendor
rm -rf "$dest"
mkdir -p "$dest/nhsuk" "$dest/htmx"
src=node_modules/nhsuk-frontend/dist/nhsuk
cp "$src/nhsuk-frontend.min.js" "$dest/nhsuk/"
# The stylesheet names its icons under /assets/: point them at where this site serves them.
sed 's#url(/assets/#url(/static/vendor/nhsuk/assets/#g' "$src/nhsuk-frontend.min.css" > "$dest/nhsuk/nhsuk-frontend.min.css"
cp -r "$src/assets" "$dest/nhsuk/assets"
cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/dist/ext/sse.js "$dest/htmx/" 2>/dev/null \
  || cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
# Swagger UI for the API docs page (/api/v1/docs), served from here under the site's own policy.
mkdir -p "$dest/swagger-ui"
src=node_modules/swagger-ui-dist
cp "$src/swagger-ui-bundle.js" "$src/swagger-ui.css" "$src/LICENSE" "$src/NOTICE" "$dest/swagger-ui/"
# axe-core is for the browser tests only (accessibility scans); it is never served.
mkdir -p tests/e2e/vendor
cp node_modules/axe-core/axe.min.js tests/e2e/vendor/
echo "Front-end assets vendored into $dest (axe-core for tests into tests/e2e/vendor)"
