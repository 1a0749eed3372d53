#!/usr/bin/env bash
# Validates the deployment files without deploying anything: the compose file with `docker compose
# config`, the nginx site with `nginx -t`, the systemd units with `systemd-analyze verify`.
# Each runs in a scratch folder with throwaway certificates and paths rewritten to this checkout.
# Used by `make prod-check` and tests/test_deployment.py.
set -euo pipefail
deploy=$(cd "$(dirname "$0")" && pwd)
app=$(dirname "$deploy")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
say() { printf 'check-config: %s\n' "$*"; }

check_compose() {
  local compose
  if docker compose version >/dev/null 2>&1; then compose=(docker compose)
  elif command -v docker-compose >/dev/null; then compose=(docker-compose)
  else say "no docker compose (apt-get install docker-compose)"; return 1; fi
  OUTREACH_ENV_FILE=production.env.example POSTGRES_PASSWORD=check-only \
    "${compose[@]}" -f "$deploy/docker-compose.yml" config --quiet
  say "deploy/docker-compose.yml is valid (${compose[*]} config)"
}

check_nginx() {
  command -v nginx >/dev/null || { say "nginx is not installed (apt-get install nginx-light)"; return 1; }
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout "$scratch/privkey.pem" -out "$scratch/fullchain.pem" 2>/dev/null
  cp "$deploy/nginx/outreach_proxy.conf" "$scratch/"
  sed -e "s#/etc/ssl/outreach/#$scratch/#g" -e "s#/etc/nginx/outreach_proxy.conf#$scratch/outreach_proxy.conf#g" \
    "$deploy/nginx/outreach.conf" > "$scratch/site.conf"
  printf 'pid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp {\n  include /etc/nginx/mime.types;\n  include %s/site.conf;\n}\n' \
    "$scratch" "$scratch" "$scratch" > "$scratch/nginx.conf"
  nginx -t -q -c "$scratch/nginx.conf" -e "$scratch/error.log"
  say "deploy/nginx/ is valid (nginx -t)"
}

check_systemd() {
  command -v systemd-analyze >/dev/null || { say "systemd-analyze is not installed"; return 1; }
  mkdir "$scratch/units"
  for unit in "$deploy"/systemd/*; do
    sed -e "s#/srv/outreach/app#$app#g" "$unit" > "$scratch/units/$(basename "$unit")"
  done
  # A template is verified through one of its instances.
  mv "$scratch/units/outreach-worker@.service" "$scratch/units/outreach-worker@reminders.service"
  local out
  out=$(cd "$scratch/units" && systemd-analyze verify --man=no ./*.service ./*.target 2>&1 | grep -v "outreach-worker@.*\.service: .*not found" || true)
  if [ -n "$out" ]; then printf '%s\n' "$out"; return 1; fi
  say "deploy/systemd/ is valid (systemd-analyze verify)"
}

check_compose
check_nginx
check_systemd
