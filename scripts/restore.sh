#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an empty PostgreSQL database, all or nothing.
#
#   createdb -h db -U postgres -O joinedup joinedup_restored
#   JOINEDUP_DATABASE_URL=postgresql+psycopg://joinedup@db:5432/joinedup_restored scripts/restore.sh FILE
#
# Then run `joinedup migrate` (a backup from an older version is brought up to date) and point
# the service at the restored database.
set -euo pipefail
file=${1:-}
[ -f "$file" ] || { echo "usage: scripts/restore.sh FILE (a backup made by scripts/backup.sh)" >&2; exit 2; }
url=${JOINEDUP_DATABASE_URL:-}
case $url in
  postgresql*) ;;
  *) echo "JOINEDUP_DATABASE_URL must name the empty PostgreSQL database to restore into" >&2; exit 2 ;;
esac
libpq=postgresql:${url#*:}
tables=$(psql --no-psqlrc -Atc "select count(*) from pg_tables where schemaname = 'public'" "$libpq")
if [ "$tables" != "0" ]; then
  echo "JOINEDUP_DATABASE_URL's database is not empty ($tables tables): restore into a new database (createdb) instead" >&2
  exit 2
fi
pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --dbname="$libpq" "$file"
revision=$(psql --no-psqlrc -Atc "select version_num from alembic_version" "$libpq")
echo "restored $file (schema revision $revision)"
