#!/usr/bin/env bash
# The test suite's streaming replica of the test PostgreSQL (DATABASE_URL), on loopback at REPLICA_DATABASE_URL's
# port: made with pg_basebackup -R (a hot standby that streams from the primary), in /var/lib/postgresql.
#
#   bash .ci/replica.sh start    # start it, making it first if there is none (root: it runs as the postgres user)
#   bash .ci/replica.sh stop     # stop it (the fallback test, tests/test_replica.py)
#
# The primary must let loopback replication connections in: a pg_hba.conf line is added if missing.
set -euo pipefail
: "${DATABASE_URL:?}" "${REPLICA_DATABASE_URL:?}"
PY=${PY:-.venv/bin/python}

say() { printf 'replica: %s\n' "$*"; }
die() { printf 'replica: error: %s\n' "$*" >&2; exit 1; }
host_port() { "$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or sys.argv[2])' "$1" "$2"; }

read -r primary_host primary_port < <(host_port "$DATABASE_URL" 5432)
read -r host port < <(host_port "$REPLICA_DATABASE_URL" 5433)
primary() { psql -h "$primary_host" -p "$primary_port" -U postgres -d postgres -Atqc "$1"; }
version=$(primary "SHOW server_version_num")
bin="/usr/lib/postgresql/$((version / 10000))/bin"
dir="/var/lib/postgresql/outreach-replica-$port"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

answers() {
  "$PY" - "$host" "$port" <<'PYEOF' 2>/dev/null
import sys, psycopg
with psycopg.connect(host=sys.argv[1], port=int(sys.argv[2]), user="postgres", dbname="postgres", connect_timeout=2) as c:
    assert c.execute("SELECT pg_is_in_recovery()").fetchone()[0]
PYEOF
}

make_replica() {
  hba=$(primary "SHOW hba_file")
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    [ -w "$hba" ] || die "$hba does not let loopback replication in, and cannot be written here"
    printf 'host replication all 127.0.0.1/32 trust  # the test suite'"'"'s streaming replica (.ci/replica.sh)\n' >> "$hba"
    primary "SELECT pg_reload_conf()" >/dev/null
  fi
  as_postgres "$bin/pg_ctl" -D "$dir" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$dir"
  say "copying the primary on $primary_port (pg_basebackup -R)"
  as_postgres "$bin/pg_basebackup" -h "$primary_host" -p "$primary_port" -U postgres -D "$dir" -R -X stream -c fast
  # A standby needs at least the primary's limits; Debian keeps the primary's settings in /etc, not in its data directory.
  {
    printf "port = %s\nlisten_addresses = '%s'\nunix_socket_directories = '/tmp'\nhot_standby = on\n" "$port" "$host"
    for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
      printf '%s = %s\n' "$name" "$(primary "SHOW $name")"
    done
  } | as_postgres tee "$dir/postgresql.conf" >/dev/null
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_postgres tee "$dir/pg_hba.conf" >/dev/null
}

case "${1:-start}" in
  start)
    if answers; then say "answers on $port"; exit 0; fi
    [ -f "$dir/standby.signal" ] || make_replica
    as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null || { make_replica; as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null; }
    for _ in $(seq 1 60); do answers && { say "answers on $port"; exit 0; }; sleep 0.5; done
    die "the replica did not come up (see $dir/server.log)"
    ;;
  stop)
    as_postgres "$bin/pg_ctl" -D "$dir" -w stop -m fast >/dev/null
    say "stopped"
    ;;
  *) die "usage: $0 start|stop" ;;
esac
