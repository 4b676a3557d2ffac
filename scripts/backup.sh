#!/usr/bin/env bash
# Back up joinedup's PostgreSQL database to one file: pg_dump's custom format (compressed,
# consistent as of one moment while the service keeps running, restorable with scripts/restore.sh).
#
#   JOINEDUP_DATABASE_URL=postgresql+psycopg://joinedup@db:5432/joinedup scripts/backup.sh [FILE]
#
# FILE defaults to backups/joinedup-<UTC time>.dump. Give the password through ~/.pgpass or
# PGPASSWORD rather than in the URL (a URL's password is visible to other local users).
set -euo pipefail
url=${JOINEDUP_DATABASE_URL:-}
case $url in
  postgresql*) ;;
  *) echo "JOINEDUP_DATABASE_URL must name the PostgreSQL database to back up (an SQLite demo: sqlite3 joinedup.db \".backup joinedup-backup.db\")" >&2; exit 2 ;;
esac
libpq=postgresql:${url#*:}  # the URL without SQLAlchemy's driver name (postgresql+psycopg:)
file=${1:-backups/joinedup-$(date -u +%Y%m%dT%H%M%SZ).dump}
mkdir -p "$(dirname "$file")"
pg_dump --format=custom --no-owner --no-privileges --file="$file.partial" "$libpq"
mv "$file.partial" "$file"  # a file by this name is always a whole backup
echo "$file"
