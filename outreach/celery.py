"""The Celery app, configured from Django settings (keys prefixed CELERY_).

Queues and routes are in settings (CELERY_TASK_QUEUES, CELERY_TASK_ROUTES). A task carries the id of
the request that queued it, so its log lines can be found beside the request's.
"""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outreach.settings")

app = Celery("outreach")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@before_task_publish.connect
def _carry_the_request_id(headers=None, **kwargs):
    from core.observability import request_id_var

    if headers is not None and request_id_var.get():
        headers["request_id"] = request_id_var.get()


@task_prerun.connect
def _log_with_the_task(task_id=None, task=None, **kwargs):
    from core.observability import request_id_var, task_var, user_id_var

    request_id_var.set(getattr(task.request, "request_id", None) or "")
    user_id_var.set(None)
    task_var.set(f"{task.name}[{task_id}]")


@task_postrun.connect
def _log_without_the_task(**kwargs):
    from core.observability import request_id_var, task_var

    request_id_var.set("")
    task_var.set("")

