"""Gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py outreach.wsgi`.

Every value can be overridden from the environment (GUNICORN_*), so one file serves a county's single
server and a city's several web hosts behind nginx.
"""

import multiprocessing
import os

# Loopback by default: nginx in front terminates TLS and serves /static/ and /media/.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

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
# (outreach/observability.py), so gunicorn's own is off unless GUNICORN_ACCESS_LOG names a file or "-".
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'  # no query strings: they can hold names

# Headers from nginx on the same host are trusted; the app counts proxies itself (NUM_PROXIES).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Each worker loads the app itself, so `systemctl reload outreach-web` (HUP) starts workers on the new
# code while the old ones finish their requests: upgrades without a gap. (preload_app would keep the
# old code in the master and hand it to every new worker.)
preload_app = False

# gunicorn's control socket is not used; it would go to $HOME/.gunicorn, read-only under systemd.
control_socket_disable = True
