# Two commands: `make run` (the demo, no servers needed) and `make test` (the suite on PostgreSQL + Redis).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Re-install only when the dependency list changes.
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

# The test suite's services; override DATABASE_URL / REDIS_URL to use others.
TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/outreach
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
# A streaming replica of the test server, started by .ci/replica.sh; the suite reads it only in tests/test_replica.py.
TEST_REPLICA_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5433/outreach

.PHONY: install run lint test test-dates messages clean prod-check backup restore bench-db bench-import bench-sweep bench-dashboard bench-load bench-field bench-flags bench-repeats

install: $(STAMP)

$(STAMP):
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

# The demo: SQLite in var/, Celery with an embedded file broker, worker and beat in the background.
# Reminders are swept every minute so the demo's inboxes fill soon after start. Static files are served
# as in production: hashed names and compressed copies (collectstatic), cached by browsers for a year.
run: export DEBUG = true
run: export STATIC_HASHED = true
run: export REMINDER_SWEEP_SECONDS = 60
run: export DELIVERY_DISPATCH_SECONDS = 30
run: export ROLLUP_REFRESH_SECONDS = 60
run: export TWO_FACTOR_REQUIRED = false
run: install
	mkdir -p var/log
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) manage.py seed_demo --robot-url http://127.0.0.1:$(PORT)/demo/robot/
	@trap 'kill $$(jobs -p) 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/celery -A outreach worker --pool solo --loglevel INFO > var/log/worker.log 2>&1 & \
	$(VENV)/bin/celery -A outreach beat --loglevel INFO > var/log/beat.log 2>&1 & \
	echo ""; \
	echo "  Open http://$(HOST):$(PORT)/ and log in with a demo account above (worker and beat logs in var/log/)."; \
	echo "  Reminder e-mails are printed in var/log/worker.log, group-robot messages below (demo robot of …);"; \
	echo "  xitong sees every delivery at http://$(HOST):$(PORT)/admin/grievances/delivery/"; \
	echo ""; \
	$(PY) manage.py runserver $(HOST):$(PORT)

TEST_ENV = DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
	REPLICA_DATABASE_URL="$${REPLICA_DATABASE_URL:-$(TEST_REPLICA_DATABASE_URL)}" REPLICA_READS=false \
	SECRET_KEY=test-only-secret-key-not-for-production DEBUG=false SECURE_SSL_REDIRECT=false \
	PII_ENCRYPTION_KEYS=dGVzdC1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24= PII_HASH_KEY=test-only-hash-key

# The suite runs with the clock frozen at tests/clock.py's NOW, and the modules whose answers depend on the
# date run again frozen at each of TEST_DATES (Spring Festival week, a year far ahead; `make test-dates` adds
# just after National Day) — in-process tests only: real server processes keep the real clock. Without
# PYTEST_ARGS, .ci/test-all.sh runs the in-process tests and the dates at once, then the real-process and
# browser tests on their own. (tests/accounts is left out: logins, lockouts and two-factor count minutes and
# hours, not calendar days.) Two dates, not three, in `make test`: on a 2-core machine a third run cost 100 s.
TEST_DATES ?= 2027-02-10 2030-06-30
ALL_TEST_DATES ?= 2027-02-10 2027-10-08 2030-06-30
# Left out of the dates: pages that only count and list rows (their dates are relative to NOW already), the
# picker's 600-household county, which is about size, not the calendar, the fifty cases registered at once
# (fifty connections: two runs of it at the same moment would pass PostgreSQL's 100), the demo built twice to
# compare the builds (the date runs build it once, for its content), and what has no calendar in it: roster
# files and their limits, the offline bundle and page weights, ID-number, village-code and rating-code checks,
# household edits, the SMS providers and the online form, the lookup's waits (the real clock), the random
# workflow walk (its moves are dated from NOW) and the one-home and confirmation pages.
DATE_SENSITIVE ?= tests/campaigns tests/grievances tests/test_rankings.py tests/test_isolation.py tests/test_seed_demo.py \
	--ignore=tests/campaigns/test_dashboard_drilldowns.py --ignore=tests/campaigns/test_flag_pages.py \
	--deselect=tests/campaigns/test_household_picker.py::test_seed_demo_sizes_villages_like_a_county_and_the_picker_reaches_every_household \
	--deselect=tests/grievances/test_properties.py::test_fifty_cases_registered_at_once_get_fifty_numbers \
	--deselect=tests/test_seed_demo.py::test_the_demo_is_the_same_county_every_time --deselect=tests/test_seed_demo.py::test_seeding_twice_changes_nothing \
	--ignore=tests/grievances/test_sms.py --ignore=tests/grievances/test_online.py \
	--ignore=tests/campaigns/test_roster_import.py --ignore=tests/campaigns/test_roster_limits.py --ignore=tests/campaigns/test_import_faults.py \
	--ignore=tests/campaigns/test_offline_app.py --ignore=tests/campaigns/test_cadre_page_weight.py --ignore=tests/campaigns/test_diary_bands.py \
	--ignore=tests/campaigns/test_duplicate_check.py --ignore=tests/campaigns/test_village_codes.py --ignore=tests/campaigns/test_rating_secret.py \
	--ignore=tests/campaigns/test_household_history.py --ignore=tests/grievances/test_lookup_lockout.py --ignore=tests/grievances/test_properties.py \
	--ignore=tests/grievances/test_one_home.py --ignore=tests/grievances/test_confirm_moves.py

# ruff (pyproject.toml [tool.ruff]) and the layering contracts (pyproject.toml [tool.importlinter]).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

test: install lint
	$(TEST_ENV) bash .ci/services.sh
	$(TEST_ENV) $(PY) manage.py collectstatic --no-input -v0
	@if [ -n "$(PYTEST_ARGS)" ]; then $(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS); \
	else $(TEST_ENV) TEST_DATES="$(TEST_DATES)" bash .ci/test-all.sh $(DATE_SENSITIVE); fi

test-dates: install
	@$(TEST_ENV) bash .ci/services.sh >/dev/null
	@$(TEST_ENV) TEST_DATES="$(ALL_TEST_DATES)" bash .ci/test-dates.sh $(DATE_SENSITIVE)

# The production configuration: Django's deployment checks with the documented environment
# (deploy/production.env.example), then the compose file, the nginx site and the systemd units.
prod-check: install
	ENV_FILE=deploy/production.env.example $(PY) manage.py check --deploy --fail-level WARNING
	bash deploy/check-config.sh

# Backups of a server's database and uploads (outreach/backup.py), read with its environment file.
# PostgreSQL: run as the role that owns the tables (DATABASE_URL=postgres://owner@… make backup wins
# over the file). Stop web, workers and beat before a restore; it asks before replacing anything.
#   make backup [OUTPUT=/srv/backups]        make restore ARCHIVE=/srv/backups/outreach-YYYYmmdd-HHMMSS.tar
PROD_ENV_FILE ?= /etc/outreach/outreach.env
backup:
	ENV_FILE=$(PROD_ENV_FILE) $(PY) manage.py backup $(if $(OUTPUT),--output "$(OUTPUT)")

restore:
	@test -n "$(ARCHIVE)" || { echo "usage: make restore ARCHIVE=/srv/backups/outreach-YYYYmmdd-HHMMSS.tar"; exit 2; }
	ENV_FILE=$(PROD_ENV_FILE) $(PY) manage.py restore "$(ARCHIVE)"

# Refresh the zh-hans catalogue after changing source strings, then translate the new entries.
messages: install
	DEBUG=true $(PY) manage.py makemessages -l zh_Hans --no-obsolete --add-location file --ignore=var --ignore=tests
	DEBUG=true $(PY) manage.py compilemessages -l zh_Hans --ignore=.venv --ignore=var

clean:
	rm -rf var $(VENV)

# Benchmarks print figures; they never run in the test suite. They use their own database.
BENCH_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/outreach_bench
BENCH_ENV = DATABASE_URL="$(BENCH_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" DEBUG=true

bench-db: install
	$(BENCH_ENV) bash .ci/services.sh
	psql "$(subst /outreach_bench,/postgres,$(BENCH_DATABASE_URL))" -qtc "SELECT 1 FROM pg_database WHERE datname='outreach_bench'" | grep -q 1 || \
	  psql "$(subst /outreach_bench,/postgres,$(BENCH_DATABASE_URL))" -qc "CREATE DATABASE outreach_bench"
	$(BENCH_ENV) $(PY) manage.py migrate --no-input -v0

bench-import: bench-db
	$(BENCH_ENV) $(PY) bench/import_households.py

bench-sweep: bench-db
	$(BENCH_ENV) $(PY) bench/sweep.py

# The fabrication flags on the scale city with 1,000,000 visits: the nightly pass and the check after one visit
# (several minutes on 2 cores; BENCH_SCALE=0.1 for a quick try). With DEBUG off, as production runs it.
bench-flags: bench-db
	$(BENCH_ENV) DEBUG=false SECRET_KEY=bench-only-secret-key SECURE_SSL_REDIRECT=false \
	  PII_ENCRYPTION_KEYS=dGVzdC1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24= PII_HASH_KEY=bench-only-hash-key $(PY) bench/flags.py

# Repeat detection at registration over 50,000 cases (grievances/repeats.py), with DEBUG off as production runs it.
bench-repeats: bench-db
	$(BENCH_ENV) DEBUG=false SECRET_KEY=bench-only-secret-key SECURE_SSL_REDIRECT=false \
	  PII_ENCRYPTION_KEYS=dGVzdC1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24= PII_HASH_KEY=bench-only-hash-key $(PY) bench/repeats.py

# Builds a city of 100,000 households twice (about 5 minutes on 2 cores); BENCH_SCALE=0.1 for a quick try.
bench-dashboard: bench-db
	$(BENCH_ENV) $(PY) bench/dashboard.py

# Cadres, handlers and supervisors of the demo county (locust, bench/locustfile.py) against gunicorn
# with deploy/gunicorn.conf.py on loopback: 50, then 200 users, 60 s each (about 6 minutes with the seeding),
# in villages of LOAD_HOUSEHOLDS_PER_VILLAGE households (600, like a real county; 50 is the small demo).
# It builds its own database (LOAD_DATABASE, default outreach_load) and sets its own production-like
# environment; it prints the load average and CPU steal beside the figures. E.g.
#   make bench-load LOAD_USERS=200 LOAD_SECONDS=120 [GUNICORN_WORKERS=5] [CONN_MAX_AGE=60]
LOAD_HOUSEHOLDS_PER_VILLAGE ?= 600
bench-load: install
	$(PY) -m pip install -q -e ".[bench]"
	$(TEST_ENV) bash .ci/services.sh
	LOAD_HOUSEHOLDS_PER_VILLAGE=$(LOAD_HOUSEHOLDS_PER_VILLAGE) $(PY) bench/load.py

# A cadre's phone on slow 3G (400 kbit/s, 400 ms): bytes, requests and time to usable of 我的工作 and the visit
# form, cold, warm (service worker installed) and offline, in headless Chromium against gunicorn behind the
# production nginx site (deploy/nginx/) on loopback; its own database (FIELD_DATABASE, default outreach_bench_field)
# and Redis db 11 (FIELD_REDIS_URL). About a minute with the seeding (docs/field-bench.md).
bench-field: install
	$(PY) -m pip install -q -e ".[bench]"
	$(TEST_ENV) bash .ci/services.sh
	$(PY) bench/field.py
