#!/usr/bin/env bash
# The whole suite in two phases, so that 2 cores are kept busy without crowding the tests that time real
# processes (`make test` without PYTEST_ARGS; DATABASE_URL, REDIS_URL, … from the Makefile's test environment):
#   1. the in-process tests at tests/clock.py's NOW in two halves, and beside them the date-sensitive modules at
#      each of TEST_DATES (.ci/test-dates.sh) — each pytest with its own test database and Redis db;
#   2. then the tests that drive real servers and workers (wall_clock) beside those that drive Chromium (browser)
#      and build the whole demo (demo_build), each with its own database and Redis db: the server tests mostly
#      wait (a lease to lapse, a killed worker's message to come back), so the others fill the other core.
# Each pytest's summary is printed, and the whole log of one that failed.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=var/test-all
mkdir -p "$logs"
# Every pytest below starts from a copy of one migrated database (--reuse-db finds it) instead of migrating its own.
bash .ci/test-databases.sh "${DATABASE_URL##*/}" "${DATABASE_URL##*/}_rest" "${DATABASE_URL##*/}_servers" "${DATABASE_URL##*/}_browser" \
  $(n=0; for _ in $TEST_DATES; do n=$((n + 1)); echo "outreach_dates_$n"; done) || exit 1
echo "== phase 1: the in-process tests in two halves, and the date-sensitive ones at $TEST_DATES, at once"
# Two halves, each with its own test database and Redis db (the date runs use 7–9, the real-process tests 12–13).
half() {  # name, database, Redis db, pytest arguments…
  local name=$1 database=$2 redis_db=$3; shift 3
  DATABASE_URL="${DATABASE_URL%/*}/$database" REDIS_URL="${REDIS_URL%/*}/$redis_db" \
    .venv/bin/python -m pytest -q -p no:cacheprovider --reuse-db --durations=10 -m "not browser and not wall_clock and not demo_build" "$@" \
    > "$logs/$name.log" 2>&1
}
# The first half is the cases and the field work; the demo builds went to phase 2, so the admin walk and the
# replica tests are in the second half now, which would otherwise finish a minute before the first.
first_half=(tests/campaigns tests/grievances)
half cases-and-field-work "${DATABASE_URL##*/}" "${REDIS_URL##*/}" "${first_half[@]}" & first=$!
half the-rest "${DATABASE_URL##*/}_rest" 5 tests "${first_half[@]/#/--ignore=}" & second=$!
TEST_DATABASES_READY=1 bash .ci/test-dates.sh "$@" & dates=$!
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
echo "== phase 2: the tests that drive real servers and workers, beside those that drive Chromium"
SECONDS=0
# The browser tests that also run a real worker go with the browser ones: a test runs once, in one of the two.
# The demo's login tests (three builds) follow the server tests, which finish a minute before the browser ones.
server() {
  DATABASE_URL="${DATABASE_URL%/*}/${DATABASE_URL##*/}_servers" \
    .venv/bin/python -m pytest -p no:cacheprovider --reuse-db --durations=15 -m "wall_clock and not browser" > "$logs/servers.log" 2>&1 \
  && DATABASE_URL="${DATABASE_URL%/*}/${DATABASE_URL##*/}_servers" \
    .venv/bin/python -m pytest -p no:cacheprovider --reuse-db -m demo_build tests/test_demo_logins.py >> "$logs/servers.log" 2>&1
}
chromium() {
  DATABASE_URL="${DATABASE_URL%/*}/${DATABASE_URL##*/}_browser" REDIS_URL="${REDIS_URL%/*}/6" \
    .venv/bin/python -m pytest -p no:cacheprovider --reuse-db --durations=15 -m "browser or demo_build" --ignore=tests/test_demo_logins.py \
    > "$logs/browser.log" 2>&1
}
server & servers=$!
chromium & browsers=$!
failed=0
for run in "servers $servers" "browser $browsers"; do
  read -r name pid <<< "$run"
  wait "$pid" || { cat "$logs/$name.log"; failed=1; }
  grep -A 16 "slowest" "$logs/$name.log"
  echo "== the $name tests: $(tail -n 1 "$logs/$name.log")"
done
echo "== phase 2 took $SECONDS s"
exit "$failed"
