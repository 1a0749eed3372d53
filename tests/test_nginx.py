"""The nginx site in deploy/nginx/, for real: nginx with TLS in front of gunicorn, as installed on a
server (only ports, certificate and file paths are rewritten for the test)."""

import grp
import json
import os
import pwd
import re
import ssl
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import AuditEntry
from accounts.roles import Role
from tests.celery_processes import (
    ROOT,
    Servers,
    free_port,
    log_tail,
    wait_until,
    worker_database_url,
)
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.wall_clock]

SITE = "outreach.example.gov.cn"  # the site file's server_name


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def site(tmp_path, broker):
    """nginx on two free loopback ports (HTTP, HTTPS) in front of one gunicorn with production settings.
    nginx connects to gunicorn from 127.0.0.3, so the app can tell the proxy from the client (127.0.0.1).
    (`broker` empties the Redis database the server's cache uses, before and after.)"""
    processes = Servers(tmp_path, worker_database_url(), "consolemail://")
    scratch = tmp_path / "nginx"
    scratch.mkdir()
    try:
        upstream = processes.web("web", ALLOWED_HOSTS=f"{SITE},127.0.0.1", NUM_PROXIES="1", SECURE_COOKIES="true",
                                 GUNICORN_FORWARDED_ALLOW_IPS="127.0.0.3")
        http_port, https_port = free_port(), free_port()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={SITE}",
                        "-keyout", str(scratch / "privkey.pem"), "-out", str(scratch / "fullchain.pem")], check=True, capture_output=True)
        (scratch / "outreach_proxy.conf").write_text((ROOT / "deploy" / "nginx" / "outreach_proxy.conf").read_text())
        site_conf = (ROOT / "deploy" / "nginx" / "outreach.conf").read_text()
        for old, new in [("/etc/ssl/outreach/", f"{scratch}/"), ("/etc/nginx/outreach_proxy.conf", f"{scratch}/outreach_proxy.conf"),
                         ("/srv/outreach/static/", f"{settings.STATIC_ROOT}/"), ("127.0.0.1:8000", upstream.split("//")[1]),
                         ("listen 80;", f"listen 127.0.0.1:{http_port};"), ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")]:
            assert old in site_conf, old
            site_conf = site_conf.replace(old, new)
        site_conf = re.sub(r"\n\s*listen \[::\].*", "", site_conf)  # no IPv6 in the sandbox
        (scratch / "site.conf").write_text(site_conf)
        # The workers run as this test's own user, who can read the checkout wherever it lives (a clone in a
        # 0700 folder from `mktemp -d` is closed to nginx's default `nobody`), and keep their buffers here.
        worker_user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n" if os.geteuid() == 0 else ""
        temp_paths = "".join(f" {kind}_temp_path {scratch}/{kind}_temp;\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (scratch / "nginx.conf").write_text(
            f"{worker_user}pid {scratch}/nginx.pid;\nerror_log {scratch}/error.log;\nevents {{}}\n"
            f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n{temp_paths} proxy_bind 127.0.0.3;\n include {scratch}/site.conf;\n}}\n")
        processes.start("nginx", "nginx", "-c", str(scratch / "nginx.conf"), "-e", str(scratch / "error.log"), "-g", "daemon off;")
        https = f"https://127.0.0.1:{https_port}"
        assert wait_until(lambda: fetch(opener(), f"http://127.0.0.1:{http_port}/healthz")[0] == 200, 30), log_tail(tmp_path)
        yield {"http": f"http://127.0.0.1:{http_port}", "https": https, "logs": tmp_path}
    finally:
        processes.stop()


def opener():
    """A browser that trusts the throwaway certificate, keeps cookies and does not follow redirects."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                       urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirects())


def fetch(browser, url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers={"Host": SITE, **(headers or {})})
    try:
        with browser.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode(errors="replace")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read().decode(errors="replace")
    except OSError:
        return None, {}, ""


def test_plain_http_goes_to_https_but_probes_by_address_are_answered(site):
    browser = opener()
    status, headers, _ = fetch(browser, site["http"] + "/cases/")
    assert status == 301 and headers["Location"] == f"https://{SITE}/cases/"

    # A load balancer probing by address: passed on under the site's name, so Django answers.
    status, _, body = fetch(browser, site["http"] + "/healthz", headers={"Host": "10.0.0.7"})
    assert status == 200 and json.loads(body) == {"status": "ok"}


def test_static_files_come_from_nginx_with_a_long_cache(site):
    manifest = json.loads((Path(str(settings.STATIC_ROOT)) / "staticfiles.json").read_text())["paths"]
    status, headers, body = fetch(opener(), f"{site['https']}/static/{manifest['css/app.css']}")
    assert status == 200 and body, (status, (site["logs"] / "nginx" / "error.log").read_text())
    assert "public, immutable" in headers.get_all("Cache-Control") and headers["Expires"]  # nginx's expires 1y
    assert "GET /static/" not in (site["logs"] / "web.log").read_text()  # gunicorn never saw it


@pytest.fixture
def cadre(settings, unit_a):
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # what gunicorn checks passwords with
    return UserFactory(real_name="李干部", unit=unit_a, roles=[Role.CADRE])


def test_sign_in_over_tls_with_secure_cookies_and_the_real_client_address(site, cadre):
    browser = opener()
    _, _, form = fetch(browser, site["https"] + "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode({"username": cadre.username, "password": TEST_PASSWORD, "csrfmiddlewaretoken": token}).encode()
    # The client claims another address; nginx appends the real one (127.0.0.1) and NUM_PROXIES=1 takes
    # that: not the forged first entry, nor nginx's own address (127.0.0.3).
    status, headers, _ = fetch(browser, site["https"] + "/accounts/login/", data=body,
                               headers={"Referer": f"https://{SITE}/accounts/login/", "X-Forwarded-For": "6.6.6.6"})
    assert status == 302, "login refused"
    assert "secure" in headers["Set-Cookie"].lower()
    assert AuditEntry.objects.get(action=AuditEntry.Action.LOGIN, actor=cadre).address == "127.0.0.1"

    status, headers, page = fetch(browser, site["https"] + "/work/")
    assert status == 200 and cadre.real_name in page
    request_id = headers["X-Request-ID"]  # nginx's $request_id, carried through to the app's log line
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = [json.loads(line) for line in (site["logs"] / "web.log").read_text().splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == request_id and line.get("user_id") == cadre.pk and line.get("path") == "/work/" for line in lines)
