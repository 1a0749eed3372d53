"""The container's health check (deploy/docker-compose.yml): GET /healthz from inside the container,
where gunicorn listens (GUNICORN_BIND: its unix socket, or a loopback address).

Django answers only to a name in ALLOWED_HOSTS, so the request carries the first one: ".example.gov.cn"
(any subdomain) is asked as "example.gov.cn", and "*" as "localhost". Exit status 0 when healthy."""

import http.client
import os
import socket
import sys


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
if bind.startswith("unix:"):
    connection = UnixConnection(bind.removeprefix("unix:"), timeout=3)
else:
    address, _, port = bind.rpartition(":")
    connection = http.client.HTTPConnection(address.strip("[]") or "127.0.0.1", int(port or 8000), timeout=3)
try:
    connection.request("GET", "/healthz", headers={"Host": host if host not in ("", "*") else "localhost"})
    status = connection.getresponse().status
except OSError as error:
    sys.exit(f"unhealthy: {error}")
sys.exit(0 if status == 200 else 1)
