#!/usr/bin/env bash
# The date-sensitive tests (args) at each date of TEST_DATES at once, one pytest per date, each with its own
# test database and Redis db so they cannot meet; prints each run's summary, and the whole log of a failed one.
# Called by `make test-dates` with the test environment (DATABASE_URL, REDIS_URL, …) set.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=var/test-dates
mkdir -p "$logs"
base_db="${DATABASE_URL%/*}" base_redis="${REDIS_URL%/*}"
# Called alone (make test-dates), it makes its databases; test-all.sh made them already.
[ -n "${TEST_DATABASES_READY:-}" ] || bash .ci/test-databases.sh $(n=0; for _ in $TEST_DATES; do n=$((n + 1)); echo "outreach_dates_$n"; done) || exit 1
n=0 pids=()
for day in $TEST_DATES; do
  n=$((n + 1))
  DATABASE_URL="$base_db/outreach_dates_$n" REDIS_URL="$base_redis/$((6 + n))" TEST_NOW="$day" \
    .venv/bin/python -m pytest -q -p no:cacheprovider --reuse-db -m "not browser and not wall_clock" "$@" > "$logs/$day.log" 2>&1 &
  pids+=($!)
done
failed=0 n=0
for day in $TEST_DATES; do
  wait "${pids[$n]}"; status=$?; n=$((n + 1))
  echo "== the date-sensitive tests with the clock at $day: $(tail -n 1 "$logs/$day.log")"
  if [ "$status" -ne 0 ]; then cat "$logs/$day.log"; failed=1; fi
done
exit "$failed"
