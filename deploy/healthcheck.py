"""The container's health check (deploy/docker-compose.yml): GET /healthz from inside the container.

Django answers only to a name in ALLOWED_HOSTS, so the request carries the first one: ".example.gov.cn"
(any subdomain) is asked as "example.gov.cn", and "*" as "localhost". Exit status 0 when healthy."""

import os
import sys
import urllib.request

host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
request = urllib.request.Request("http://127.0.0.1:8000/healthz", headers={"Host": host if host not in ("", "*") else "localhost"})
try:
    with urllib.request.urlopen(request, timeout=3) as response:  # nosec B310 - fixed loopback address
        sys.exit(0 if response.status == 200 else 1)
except OSError as error:
    sys.exit(f"unhealthy: {error}")
