"""What operators read when something goes wrong: JSON log lines that carry the request id and the
user id, a line per request, slow queries, Celery tasks tied to the request that queued them, and
optional error reports to Sentry.

Log lines never carry ID numbers or phone numbers: requests are logged by path without the query
string, queries by their SQL without parameters, users by their numeric id.
"""

import contextvars
import logging
import re
import time
import uuid

from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject, empty

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
task_var: contextvars.ContextVar[str] = contextvars.ContextVar("task", default="")

requests_log = logging.getLogger("outreach.requests")
slow_queries_log = logging.getLogger("outreach.slow_queries")

# nginx passes its $request_id; anything else a client sends is replaced, so logs cannot be forged.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


class ContextFilter(logging.Filter):
    """Adds request_id, user_id and task to every record, empty outside a request or a task."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or request_id_var.get()
        record.user_id = getattr(record, "user_id", None) or user_id_var.get()
        record.task = getattr(record, "task", None) or task_var.get()
        return True


class PlainFormatter(logging.Formatter):
    """The demo's readable lines: the context only where known, e.g. "[request=3f2a… user=7] message"."""

    def formatMessage(self, record):  # noqa: N802 - logging's name
        known = [f"{key}={value}" for key, value in
                 (("request", getattr(record, "request_id", "")), ("user", getattr(record, "user_id", None)),
                  ("task", getattr(record, "task", ""))) if value]
        return f"{record.asctime} {record.levelname} {record.name} {'[' + ' '.join(known) + '] ' if known else ''}{record.message}"


class RequestLogMiddleware:
    """First in the chain: gives the request its id (X-Request-ID in and out) and logs one line when
    it is answered, with status, duration and user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        # Not reset afterwards: Django logs a failed request's error after the middleware has returned.
        # The next request (or Celery task) on this thread sets its own.
        request_id_var.set(request.id)
        user_id_var.set(None)
        started = time.monotonic()
        status = 500  # what Django's outer handler answers should anything below raise past it
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request.id
        finally:
            # Exactly one line per request, whatever failed: nothing here may need the database.
            if user_id_var.get() is None:  # answered by a middleware before any view (a 2FA or password redirect)
                _remember_user(request)
            requests_log.info(
                "%s %s %s", request.method, request.path, status,
                extra={"method": request.method, "path": request.path, "status": status,
                       "duration_ms": round((time.monotonic() - started) * 1000, 1)},
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        _remember_user(request)  # before the view, so that its log lines carry the user too


def _remember_user(request) -> None:
    """The signed-in user's id for the log lines from here on, when something has already loaded the user
    (the session and login checks do, before any view). It is never loaded here: that takes the session and
    the database, and with the database down it raised after the response, so the failing request went
    unlogged — during an outage, nearly every one."""
    user = getattr(request, "user", None)
    while isinstance(user, SimpleLazyObject):  # AuthenticationMiddleware's (and django-otp's around it)
        if user._wrapped is empty:
            return
        user = user._wrapped
    if user is not None and user.is_authenticated:
        user_id_var.set(user.pk)


def log_slow_queries(execute, sql, params, many, context):
    """Database execute wrapper: a statement slower than SLOW_QUERY_MS is logged, without its parameters."""
    started = time.monotonic()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed_ms = (time.monotonic() - started) * 1000
        if elapsed_ms >= settings.SLOW_QUERY_MS:
            slow_queries_log.warning("slow query %.0f ms: %s", elapsed_ms, sql[:2000],
                                     extra={"duration_ms": round(elapsed_ms, 1), "database": context["connection"].alias})


@receiver(connection_created)
def _watch_for_slow_queries(sender, connection, **kwargs):
    if settings.SLOW_QUERY_MS > 0 and log_slow_queries not in connection.execute_wrappers:
        connection.execute_wrappers.append(log_slow_queries)


def init_sentry(dsn: str, environment: str, traces_sample_rate: float) -> None:
    """Error reports without personal data: no request bodies, cookies, local variables or addresses."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Nothing a person typed or carries: no user details, cookies, bodies, query strings, SQL
        # parameters, task arguments or local variables (a household's ID number may be in any).
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": ["user-agent", "x-request-id", "content-type"]}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=_tag_with_request_id,
    )


def _tag_with_request_id(event, hint):
    event.setdefault("tags", {})
    if request_id_var.get():
        event["tags"]["request_id"] = request_id_var.get()
    if user_id_var.get():
        event["user"] = {"id": str(user_id_var.get())}
    request = event.get("request") or {}
    request.pop("query_string", None)  # a search for a name or a phone
    request.pop("cookies", None)
    return event
