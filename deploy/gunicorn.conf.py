"""Gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py outreach.wsgi`.

Every value can be overridden from the environment (GUNICORN_*), so one file serves a county's single
server and a city's several web hosts behind nginx.
"""

import ipaddress
import multiprocessing
import os
import sys

# gunicorn never faces the network: nginx in front terminates TLS, serves /static/, buffers slow
# request bodies (five slow bodies sent straight to gunicorn stall the site for a minute) and appends
# the client's address to X-Forwarded-For, which the app trusts NUM_PROXIES deep. Reached directly,
# anyone could write that header and escape the rate limits. So gunicorn listens on loopback (the
# default) or a unix socket (`unix:/run/outreach/gunicorn.sock`, as in docker-compose.yml); any other
# address is refused at start-up unless GUNICORN_ALLOW_NETWORK_BIND=true says a firewall lets only the
# nginx hosts reach it (docs/deployment.md).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")


def off_the_network(address: str) -> bool:
    """Whether a bind address is reachable only from this host (or this container's socket volume)."""
    if address.startswith(("unix:", "fd://")):
        return True
    host = address.rsplit(":", 1)[0] if ":" in address else address
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def _refuse_network_binds(addresses) -> None:
    if os.environ.get("GUNICORN_ALLOW_NETWORK_BIND", "").lower() == "true":
        return
    exposed = [a for a in addresses if not off_the_network(a)]
    if exposed:
        sys.exit(f"gunicorn: refusing to listen on {', '.join(exposed)}: bind to loopback or a unix socket behind nginx, "
                 "or set GUNICORN_ALLOW_NETWORK_BIND=true when a firewall lets only the nginx hosts reach it (docs/deployment.md)")


_refuse_network_binds([bind])


def on_starting(server):
    """The same check on the addresses gunicorn will really use (a --bind on the command line wins over this file)."""
    _refuse_network_binds(server.cfg.bind)

# Sync workers: every request is short database work. (2 × cores) + 1 keeps the cores busy while
# some workers wait on PostgreSQL; more only adds memory and database connections.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"

# An export of a township's ledger takes seconds; nothing legitimate takes 60.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5  # nginx keeps upstream connections open

# Recycle workers now and then so a slow leak cannot grow without bound. The workers share the load
# evenly, so a jitter of half the limit is needed to keep them from all restarting in the same seconds.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "4000"))
max_requests_jitter = max_requests // 2

# The access log: the app writes one JSON line per request with its request id and user id
# (core/observability.py), so gunicorn's own is off unless GUNICORN_ACCESS_LOG names a file or "-".
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'  # no query strings: they can hold names

# Headers from nginx on the same host are trusted (and always over a unix socket); the app counts
# proxies itself (NUM_PROXIES).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Each worker loads the app itself, so `systemctl reload outreach-web` (HUP) starts workers on the new
# code while the old ones finish their requests: upgrades without a gap. (preload_app would keep the
# old code in the master and hand it to every new worker.)
preload_app = False

# gunicorn's control socket is not used; it would go to $HOME/.gunicorn, read-only under systemd.
control_socket_disable = True
