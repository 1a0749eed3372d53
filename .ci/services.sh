#!/usr/bin/env bash
# Make sure what the test suite talks to is there: PostgreSQL (and its streaming replica) and Redis answering
# on loopback, and Debian's Chromium with a Chinese font for the browser tests.
# Reuses running servers, starts installed ones, installs missing ones with apt-get (as root).
set -euo pipefail
: "${DATABASE_URL:?}" "${REDIS_URL:?}"
PY=${PY:-.venv/bin/python}
apt_updated=""

say() { printf 'services: %s\n' "$*"; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

apt_install() {
  [ "$(id -u)" = 0 ] || die "$* missing and not root: install with 'sudo apt-get install $*'"
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Prints host and port of a URL.
host_port() { "$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or sys.argv[2])' "$1" "$2"; }

pg_answers() {
  "$PY" - "$DATABASE_URL" <<'PYEOF' 2>/dev/null
import sys, urllib.parse as u, psycopg
p = u.urlsplit(sys.argv[1])
# The server's own "postgres" database: the project's database need not exist yet.
psycopg.connect(host=p.hostname, port=p.port or 5432, user=p.username or "postgres",
                password=p.password or None, dbname="postgres", connect_timeout=3).close()
PYEOF
}

redis_answers() { "$PY" -c 'import sys, redis; redis.from_url(sys.argv[1], socket_timeout=3).ping()' "$REDIS_URL" 2>/dev/null; }

wait_for() {  # wait_for NAME CHECK
  for _ in $(seq 1 60); do "$2" && return 0; sleep 0.5; done
  die "$1 did not come up"
}

is_loopback() { case "$1" in 127.*|localhost|::1) return 0;; *) return 1;; esac; }

ensure_postgres() {
  pg_answers && { say "PostgreSQL answers"; return; }
  read -r host port < <(host_port "$DATABASE_URL" 5432)
  is_loopback "$host" || die "PostgreSQL at $host:$port does not answer (DATABASE_URL)"
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    pg_createcluster "$version" main -p "$port" >/dev/null
  fi
  if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  for _ in $(seq 1 30); do runuser -u postgres -- psql -p "$port" -Atqc 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done
  if ! pg_answers; then
    # A fresh cluster asks loopback clients for a password: give postgres the one in DATABASE_URL.
    password=$("$PY" -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).password or "")' "$DATABASE_URL")
    [ -n "$password" ] && runuser -u postgres -- psql -p "$port" -qc "ALTER USER postgres PASSWORD '$password'" >/dev/null
  fi
  wait_for PostgreSQL pg_answers
  say "PostgreSQL answers"
}

ensure_redis() {
  redis_answers && { say "Redis answers"; return; }
  read -r host port < <(host_port "$REDIS_URL" 6379)
  is_loopback "$host" || die "Redis at $host:$port does not answer (REDIS_URL)"
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting Redis on $port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null
  wait_for Redis redis_answers
  say "Redis answers"
}

ensure_tools() {
  local wanted=()
  [ -x /usr/bin/chromium ] || wanted+=(chromium)
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || wanted+=(fonts-wqy-microhei)
  command -v xgettext >/dev/null || wanted+=(gettext)  # the catalogue completeness test extracts strings
  # The deployment files' validation (deploy/check-config.sh) and the backup round trip.
  command -v nginx >/dev/null || wanted+=(nginx-light)
  docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || wanted+=(docker-compose)
  command -v systemd-analyze >/dev/null || wanted+=(systemd)
  command -v pg_dump >/dev/null || wanted+=(postgresql-client)
  [ ${#wanted[@]} -eq 0 ] || apt_install "${wanted[@]}"
  say "Chromium, gettext and the deployment checkers ready"
}

ensure_postgres
ensure_redis
ensure_tools
# The streaming replica of that PostgreSQL (tests/test_replica.py), when REPLICA_DATABASE_URL names one.
if [ -n "${REPLICA_DATABASE_URL:-}" ]; then PY="$PY" bash "$(dirname "$0")/replica.sh" start; fi
