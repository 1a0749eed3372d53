"""The request log during a database outage: every request that fails is logged, once, with the status it was
answered with. (It once lost ~396 of ~400: the log line looked up the signed-in user after the response, which
needs the session and the database, and the lookup raised before the line was written.)

A real gunicorn (deploy config) reaches the test database only through a TCP relay the test holds; cutting the
relay closes every connection and refuses new ones, as a stopped PostgreSQL does."""

import http.client
import json
import re
import socket
import threading
import uuid
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.roles import Role
from tests.celery_processes import Servers, free_port, log_tail, worker_database_url
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.wall_clock]


class Relay:
    """127.0.0.1:<port> → PostgreSQL. cut(): the port closes and every connection through it drops; restore(): it
    opens again on the same port."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port, self.sockets, self.listener = target, free_port(), [], None
        self.restore()

    def restore(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR: the same port again
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self):
        for sock in [self.listener, *self.sockets]:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() and the pipes
            except OSError:
                pass
            sock.close()
        self.sockets = []

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def relay():
    s = connection.settings_dict
    relay = Relay((s["HOST"] or "127.0.0.1", int(s["PORT"] or 5432)))
    yield relay
    relay.cut()


@pytest.fixture
def web(tmp_path, relay):
    database_url = re.sub(r"@[^/]+/", f"@127.0.0.1:{relay.port}/", worker_database_url())
    servers = Servers(tmp_path, database_url, "consolemail://")
    try:
        yield servers.web("web", REDIS_URL=settings.REDIS_URL), tmp_path / "web.log"
    finally:
        servers.stop()


def request_log(log_file) -> list[dict]:
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "outreach.requests"]


def test_every_request_that_fails_while_the_database_is_down_is_logged_once_with_its_status(web, relay, migration_data, unit_a):
    base, log_file = web
    cadre = UserFactory(real_name="李干部", unit=unit_a, roles=[Role.CADRE])
    signed_in = Client()
    signed_in.force_login(cadre)
    session = f"{settings.SESSION_COOKIE_NAME}={signed_in.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = int(base.rsplit(":", 1)[1])

    def ask(method, path, *, cookie="", form=None) -> tuple[str, int, str]:
        request_id = uuid.uuid4().hex
        headers = {"X-Request-ID": request_id, "Cookie": cookie}
        body = None
        if form is not None:
            body, headers["Content-Type"] = urlencode(form), "application/x-www-form-urlencoded"
        answer = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            answer.request(method, path, body=body, headers=headers)
            response = answer.getresponse()
            return request_id, response.status, response.read().decode()
        finally:
            answer.close()

    assert ask("GET", "/work/", cookie=session)[1] == 200  # up, and signed in
    # A CSRF cookie and token, so that the anonymous forms below get past the CSRF check to the database.
    request_id, _, page = ask("GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    csrf = f"{settings.CSRF_COOKIE_NAME}={token}"  # a form's masked token is also a valid cookie value

    relay.cut()
    needs_the_database, asked = [], []
    for _ in range(10):
        needs_the_database += [
            ask("GET", "/work/", cookie=session),
            ask("GET", "/cases/", cookie=session),
            ask("GET", "/work/visits/new/", cookie=session),
            ask("POST", "/work/visits/new/", cookie=f"{session}; {csrf}", form={"csrfmiddlewaretoken": token, "diary": "停电了"}),
            ask("POST", "/accounts/login/", cookie=csrf, form={"csrfmiddlewaretoken": token, "username": cadre.username, "password": "x"}),
            ask("POST", "/lookup/", cookie=csrf, form={"csrfmiddlewaretoken": token, "number": "XF-2026-000001", "phone_last4": "5678"}),
        ]
        asked += [ask("GET", "/accounts/login/"), ask("GET", "/readyz")]  # a page that needs no database, and the probe
    asked += needs_the_database
    assert [status for _, status, _ in needs_the_database] == [500] * 60, log_tail(log_file.parent)  # the outage is real

    logged = {}
    for line in request_log(log_file):
        logged.setdefault(line["request_id"], []).append(line["status"])
    assert {request_id: logged.get(request_id) for request_id, _, _ in asked} == {request_id: [status] for request_id, status, _ in asked}

    relay.restore()
    request_id, status, _ = ask("GET", "/work/", cookie=session)
    assert status == 200  # back by itself, without a restart
    assert [line["user_id"] for line in request_log(log_file) if line["request_id"] == request_id] == [cadre.pk]
