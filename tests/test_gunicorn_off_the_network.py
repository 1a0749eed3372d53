"""gunicorn never faces the network: every shipped set-up binds it to loopback or a unix socket behind
nginx, and deploy/gunicorn.conf.py refuses any other address. Reached directly, anyone could write the
X-Forwarded-For the rate limits trust (NUM_PROXIES=1) and stall it with slow bodies."""

import grp
import os
import pwd
import re
import runpy
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.celery_processes import ROOT, free_port, stop, wait_until, worker_database_url

DEPLOY = ROOT / "deploy"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
SITE = "outreach.example.gov.cn"


def clean_env(**extra):
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    return {**env, "ENV_FILE": str(DEPLOY / "production.env.example"), **extra}


def compose():
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


@pytest.mark.parametrize("address", ["0.0.0.0:8000", "10.0.0.5:8000", "[::]:8000", "web:8000"])
def test_gunicorn_refuses_to_listen_where_the_network_reaches_it(address):
    result = subprocess.run([GUNICORN, "-c", "deploy/gunicorn.conf.py", "--check-config", "outreach.wsgi"], cwd=ROOT,
                            env=clean_env(GUNICORN_BIND=address), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "refusing to listen" in result.stderr


def test_a_bind_given_on_the_command_line_is_refused_too():
    port = free_port()
    process = subprocess.Popen([GUNICORN, "-c", "deploy/gunicorn.conf.py", "--bind", f"0.0.0.0:{port}", "--workers", "1", "outreach.wsgi"],
                               cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: this gunicorn and its workers only
        process.communicate()
        pytest.fail(f"gunicorn started on 0.0.0.0:{port}")
    assert process.returncode != 0 and f"refusing to listen on 0.0.0.0:{port}" in err


def test_a_network_address_is_taken_only_when_declared_firewalled():
    result = subprocess.run([GUNICORN, "-c", "deploy/gunicorn.conf.py", "--check-config", "outreach.wsgi"], cwd=ROOT,
                            env=clean_env(GUNICORN_BIND="10.0.0.5:8000", GUNICORN_ALLOW_NETWORK_BIND="true"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_every_shipped_set_up_keeps_gunicorn_on_loopback_or_a_socket(monkeypatch):
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["bind"] == "127.0.0.1:8000"
    unit = (DEPLOY / "systemd" / "outreach-web.service").read_text()
    assert "Environment=GUNICORN_BIND=127.0.0.1:8000" in unit
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "GUNICORN_BIND=unix:/run/outreach/gunicorn.sock" in dockerfile and "EXPOSE" not in dockerfile

    services = compose()["services"]
    assert [name for name, service in services.items() if service.get("ports")] == ["nginx"]
    assert services["web"]["environment"]["GUNICORN_BIND"] == "unix:/run/outreach/gunicorn.sock"
    socket_volume = [name for name, service in services.items() if any(str(v).startswith("gunicorn-socket:") for v in service.get("volumes", []))]
    assert sorted(socket_volume) == ["nginx", "web"]
    assert not any("GUNICORN_FORWARDED_ALLOW_IPS" in str(service) for service in services.values())


def listening_tcp_ports(pids: set[int]) -> list[str]:
    """The TCP ports these processes listen on (ss -ltnp)."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if any(f"pid={pid}," in line for pid in pids)]


def process_tree(pid: int) -> set[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return {pid, *(int(child) for child in children)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.wall_clock
def test_the_compose_set_up_serves_through_nginx_over_the_socket_and_nothing_else(tmp_path):
    socket_path = tmp_path / "gunicorn.sock"
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "ALLOWED_HOSTS": f"{SITE},127.0.0.1", "NUM_PROXIES": "1",
           "SECURE_COOKIES": "false", "GUNICORN_WORKERS": "2", "GUNICORN_BIND": f"unix:{socket_path}"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    running = []
    try:
        with open(tmp_path / "web.log", "w") as log:
            web = subprocess.Popen([GUNICORN, "-c", "deploy/gunicorn.conf.py", "outreach.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        running.append(web)
        healthcheck = [sys.executable, str(DEPLOY / "healthcheck.py")]
        assert wait_until(lambda: subprocess.run(healthcheck, env=env, capture_output=True).returncode == 0, 30), (tmp_path / "web.log").read_text()
        assert wait_until(lambda: len(process_tree(web.pid)) == 3, 10)  # master and its two workers
        assert listening_tcp_ports(process_tree(web.pid)) == []  # no port at all: only the socket

        # nginx as the compose file starts it: the host site with the upstream rewritten by its own sed.
        command = " ".join(compose()["services"]["nginx"]["command"])
        old, new = re.search(r"sed 's#([^#]+)#([^#]+)#'", command).groups()
        assert new == compose()["services"]["web"]["environment"]["GUNICORN_BIND"]
        scratch = tmp_path / "nginx"
        scratch.mkdir()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={SITE}",
                        "-keyout", str(scratch / "privkey.pem"), "-out", str(scratch / "fullchain.pem")], check=True, capture_output=True)
        (scratch / "outreach_proxy.conf").write_text((DEPLOY / "nginx" / "outreach_proxy.conf").read_text())
        http_port, https_port = free_port(), free_port()
        site = (DEPLOY / "nginx" / "outreach.conf").read_text().replace(old, f"unix:{socket_path}")
        for before, after in [("/etc/ssl/outreach/", f"{scratch}/"), ("/etc/nginx/outreach_proxy.conf", f"{scratch}/outreach_proxy.conf"),
                              ("listen 80;", f"listen 127.0.0.1:{http_port};"), ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")]:
            site = site.replace(before, after)
        site = re.sub(r"\n\s*listen \[::\].*", "", site)
        (scratch / "site.conf").write_text(site)
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n" if os.geteuid() == 0 else ""
        temp_paths = "".join(f" {kind}_temp_path {scratch}/{kind}_temp;\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (scratch / "nginx.conf").write_text(f"{user}pid {scratch}/nginx.pid;\nerror_log {scratch}/error.log;\nevents {{}}\n"
                                            f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n{temp_paths} include {scratch}/site.conf;\n}}\n")
        running.append(subprocess.Popen(["nginx", "-c", str(scratch / "nginx.conf"), "-e", str(scratch / "error.log"), "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

        def healthz():
            try:
                with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{http_port}/healthz", headers={"Host": SITE}), timeout=3) as answer:  # nosec B310 - loopback test server
                    return answer.status
            except OSError:
                return None

        assert wait_until(lambda: healthz() == 200, 30), (scratch / "error.log").read_text()
    finally:
        stop(*running)
