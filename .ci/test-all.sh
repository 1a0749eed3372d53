#!/usr/bin/env bash
# The whole suite in two phases, so that 2 cores are kept busy without crowding the tests that time real
# processes (`make test` without PYTEST_ARGS; DATABASE_URL, REDIS_URL, … from the Makefile's test environment):
#   1. the in-process tests at tests/clock.py's NOW, and beside them the date-sensitive modules at each of
#      TEST_DATES (.ci/test-dates.sh) — each pytest with its own test database and Redis db;
#   2. then, on a quiet machine, the tests that drive real servers and workers (wall_clock) and Chromium (browser).
# Each pytest's summary is printed, and the whole log of one that failed.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=var/test-all
mkdir -p "$logs"
echo "== phase 1: the in-process tests, and the date-sensitive ones at $TEST_DATES, at once"
.venv/bin/python -m pytest -q -p no:cacheprovider --durations=15 -m "not browser and not wall_clock" > "$logs/in-process.log" 2>&1 &
in_process=$!
bash .ci/test-dates.sh "$@" & dates=$!
failed=0
wait "$in_process" || { cat "$logs/in-process.log"; failed=1; }
grep -A 16 "slowest" "$logs/in-process.log"
echo "== the in-process tests at tests/clock.py's NOW: $(tail -n 1 "$logs/in-process.log")"
wait "$dates" || failed=1
echo "== phase 1 took $SECONDS s"
[ "$failed" -eq 0 ] || exit 1
echo "== phase 2: the tests that drive real servers, workers and Chromium"
exec .venv/bin/python -m pytest -p no:cacheprovider --durations=30 -m "browser or wall_clock"
