"""The demo's group robot: a stand-in for a unit's 企业微信 / 钉钉 webhook on this machine (`make run`).

The demo units' robots (demo/county.py, ROBOT_UNITS) post their reminders here through the real
delivery code (grievances/reminders.py), so robot deliveries can be watched without anything leaving the
machine: each message is written to the log, and the answer is the robots' own `{"errcode": 0}`.
It exists only with DEBUG on; otherwise it answers 404 like any unknown address.
"""

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import Unit

log = logging.getLogger(__name__)


@csrf_exempt  # a robot's caller holds no session and no CSRF token
@login_not_required
@require_POST
def receive(request, unit_id: int):
    """Log one robot message for the unit's group; reads only, writes nothing."""
    if not settings.DEBUG:
        raise Http404
    try:
        content = json.loads(request.body)["text"]["content"]
    except (ValueError, KeyError, TypeError):
        # What 企业微信 answers a body it cannot read.
        return JsonResponse({"errcode": 40008, "errmsg": "invalid message type"})
    unit = Unit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or unit_id
    log.info("demo robot of %s received: %s", unit, content, extra={"unit_id": unit_id})
    return JsonResponse({"errcode": 0, "errmsg": "ok"})
