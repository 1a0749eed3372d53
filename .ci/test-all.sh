#!/usr/bin/env bash
# The whole suite in two phases, so that 2 cores are kept busy without crowding the tests that time real
# processes (`make test` without PYTEST_ARGS; DATABASE_URL, REDIS_URL, … from the Makefile's test environment):
#   1. the in-process tests at tests/clock.py's NOW in two halves, and beside them the date-sensitive modules at
#      each of TEST_DATES (.ci/test-dates.sh) — each pytest with its own test database and Redis db;
#   2. then, on a quiet machine, the tests that drive real servers and workers (wall_clock) and Chromium (browser).
# Each pytest's summary is printed, and the whole log of one that failed.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=var/test-all
mkdir -p "$logs"
echo "== phase 1: the in-process tests in two halves, and the date-sensitive ones at $TEST_DATES, at once"
# Two halves, each with its own test database and Redis db (the date runs use 7–9, the real-process tests 12–13).
half() {  # name, database, Redis db, pytest arguments…
  local name=$1 database=$2 redis_db=$3; shift 3
  DATABASE_URL="${DATABASE_URL%/*}/$database" REDIS_URL="${REDIS_URL%/*}/$redis_db" \
    .venv/bin/python -m pytest -q -p no:cacheprovider --durations=10 -m "not browser and not wall_clock" "$@" > "$logs/$name.log" 2>&1
}
half cases-and-field-work "${DATABASE_URL##*/}" "${REDIS_URL##*/}" tests/campaigns tests/grievances & first=$!
half the-rest "${DATABASE_URL##*/}_rest" 5 tests --ignore=tests/campaigns --ignore=tests/grievances & second=$!
bash .ci/test-dates.sh "$@" & dates=$!
failed=0
for run in "cases-and-field-work $first" "the-rest $second"; do
  read -r name pid <<< "$run"
  wait "$pid" || { cat "$logs/$name.log"; failed=1; }
  grep -A 11 "slowest" "$logs/$name.log"
  echo "== the in-process tests at tests/clock.py's NOW, $name: $(tail -n 1 "$logs/$name.log")"
done
wait "$dates" || failed=1
echo "== phase 1 took $SECONDS s"
[ "$failed" -eq 0 ] || exit 1
echo "== phase 2: the tests that drive real servers, workers and Chromium"
exec .venv/bin/python -m pytest -p no:cacheprovider --durations=30 -m "browser or wall_clock"
