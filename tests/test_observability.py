"""What operators read: JSON log lines with request and user ids, slow queries, task logs tied to their
request, and error reports to Sentry — none of them carrying ID numbers or phone numbers."""

import io
import json
import logging
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import connection
from pythonjsonlogger.json import JsonFormatter

from core.observability import ContextFilter, init_sentry

PHONE = "13812345678"


@pytest.fixture
def json_log():
    """The production console handler (JSON formatter and context filter from settings), into a buffer."""
    options = {key: value for key, value in settings.LOGGING["formatters"]["json"].items() if key != "()"}
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.mark.django_db
def test_each_request_is_one_json_line_with_its_request_id_and_user_id(client, supervisor, json_log):
    client.force_login(supervisor)
    response = client.get(f"/cases/?q={PHONE}")

    lines = [line for line in json_log() if line["logger"] == "outreach.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32
    assert line["user_id"] == supervisor.pk
    assert (line["method"], line["path"], line["status"]) == ("GET", "/cases/", 200)
    assert PHONE not in json.dumps(lines)  # the query string is left out


@pytest.mark.django_db
def test_the_proxys_request_id_is_kept_and_a_forged_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="0f3c2a9e5d7b4c1a")["X-Request-ID"] == "0f3c2a9e5d7b4c1a"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='x" injected\n{"level": "ERROR"}')["X-Request-ID"]
    assert len(forged) == 32 and "injected" not in forged


@pytest.mark.django_db
def test_a_slow_statement_is_logged_without_its_parameters(settings, json_log):
    settings.SLOW_QUERY_MS = 50
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.1), %s", [PHONE])
        cursor.execute("SELECT %s", [PHONE])  # fast: not logged

    slow = [line for line in json_log() if line["logger"] == "outreach.slow_queries"]
    assert len(slow) == 1
    assert "pg_sleep" in slow[0]["message"] and slow[0]["duration_ms"] >= 100
    assert PHONE not in json.dumps(slow)


@pytest.mark.django_db(transaction=True)
def test_a_task_logs_with_the_id_of_the_request_that_queued_it(client, campaign_admin, regions, celery_worker):
    from campaigns.models import ImportJob
    from tests.campaigns.roster_files import HOUSEHOLD_HEADER, households, xlsx
    from tests.celery_processes import log_tail, wait_until

    client.force_login(campaign_admin)
    rows = households("431299100201", 3)
    response = client.post("/campaigns/imports/new/", {"kind": "households", "file": xlsx(HOUSEHOLD_HEADER, rows)})
    assert response.status_code == 302
    assert wait_until(lambda: ImportJob.objects.get().is_finished), log_tail(celery_worker)

    worker_lines = [json.loads(line) for line in (celery_worker / "worker.log").read_text().splitlines() if line.startswith("{")]
    mine = [line for line in worker_lines if line["request_id"] == response["X-Request-ID"]]
    assert mine and all(line["task"].startswith("campaigns.tasks.run_roster_import[") for line in mine)
    id_numbers = [value for row in rows for value in row if isinstance(value, str) and len(value) == 18]
    assert id_numbers and not any(number in json.dumps(worker_lines) for number in id_numbers)


class SentryServer:
    """A stand-in for a Sentry project on loopback: keeps every envelope posted to it."""

    def __init__(self):
        self.envelopes, server = [], self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                encoding = self.headers.get("Content-Encoding")
                if encoding == "gzip":
                    body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
                elif encoding == "br":  # sentry-sdk prefers brotli when the module is installed
                    import brotli

                    body = brotli.decompress(body)
                server.envelopes.append(body.decode())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.dsn = f"http://public@127.0.0.1:{self.http.server_address[1]}/1"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def events(self):
        return [json.loads(part) for envelope in self.envelopes for part in envelope.splitlines()[1:] if '"exception"' in part]


@pytest.fixture
def sentry():
    import sentry_sdk

    server = SentryServer()
    init_sentry(server.dsn, "test", 0.0)
    yield server
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)
    server.http.shutdown()


@pytest.mark.django_db
def test_an_error_reaches_sentry_with_the_request_id_and_without_personal_data(client, supervisor, monkeypatch, sentry):
    import sentry_sdk

    from grievances import views

    def broken(*args, **kwargs):
        raise RuntimeError("the case list broke")

    monkeypatch.setattr(views, "_filtered", broken)
    client.raise_request_exception = False
    client.force_login(supervisor)
    response = client.get(f"/cases/?q={PHONE}")
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)

    events = sentry.events()
    assert len(events) == 1
    event = events[0]
    assert event["exception"]["values"][-1]["value"] == "the case list broke"
    assert event["tags"]["request_id"] == response["X-Request-ID"] and event["user"] == {"id": str(supervisor.pk)}
    sent = json.dumps(event, ensure_ascii=False)
    assert PHONE not in sent and supervisor.real_name not in sent and "sessionid" not in sent
