#!/usr/bin/env bash
# The test databases of the pytest runs of test-all.sh and test-dates.sh, each a copy of one database migrated
# here once (CREATE DATABASE … TEMPLATE): pytest --reuse-db then finds its database ready instead of running
# every migration again (12 s of CPU each, seven times over, on a 2-core machine).
#   bash .ci/test-databases.sh NAME…   # makes test_NAME for each database NAME of the runs (Django's test name)
set -euo pipefail
: "${DATABASE_URL:?}"
cd "$(dirname "$0")/.."
server="${DATABASE_URL%/*}/postgres"
template="${DATABASE_URL##*/}_template"
sql() { PGOPTIONS="-c client_min_messages=warning" psql "$server" -v ON_ERROR_STOP=1 -qc "$1" >/dev/null; }
sql "DROP DATABASE IF EXISTS $template WITH (FORCE)"
sql "CREATE DATABASE $template"
DATABASE_URL="${DATABASE_URL%/*}/$template" .venv/bin/python manage.py migrate --no-input -v0
for name in "$@"; do
  sql "DROP DATABASE IF EXISTS test_$name WITH (FORCE)"
  sql "CREATE DATABASE test_$name TEMPLATE $template"
done
echo "test databases: ${*/#/test_} copied from $template"
