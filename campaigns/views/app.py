"""The cadre pages as an installable app that opens without signal: its manifest, its service worker, and
the page shown for a page the phone has not kept.

The worker (templates/fieldwork/sw.js) keeps the static files and, as the cadre opens them online, the
cadre pages under /work/ (GET only, never a redirect or a `no-store` answer, so never a revealed ID number
or phone: those come only in the answer to a POST). Logging out clears what it kept (accounts.views.Logout).
"""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# What every cadre page loads: kept when the worker installs.
SHELL = ["css/app.css", "vendor/bootstrap-5.3.9/css/bootstrap.min.css", "js/nav.js", "js/fieldwork.js", "js/household-picker.js",
         "js/offline.js", "js/outbox.js", "vendor/idb-keyval-6.3.0/idb-keyval.umd.js",
         "vendor/browser-image-compression-2.0.2/browser-image-compression.js", "img/app-icon.svg"]


def worker_version() -> str:
    """Changes whenever a static file does (their hashed names change), so a new worker replaces the old one
    and drops its caches."""
    return hashlib.sha256(json.dumps([static(path) for path in SHELL]).encode()).hexdigest()[:12] + ("" if settings.STATIC_HASHED else "-plain")


@login_not_required  # holds no data; the browser fetches it to check for an update whether signed in or not
@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    body = render(request, "fieldwork/sw.js", {
        "version": worker_version(), "shell": [static(path) for path in SHELL], "static_prefix": settings.STATIC_URL,
        "scope": reverse("work:home"), "offline_page": reverse("work:offline"), "hashed": settings.STATIC_HASHED,
    }).content
    return HttpResponse(body, content_type="text/javascript; charset=utf-8")


@login_not_required
@require_GET
def manifest(request):
    return JsonResponse({
        "name": _("Cadres to the grassroots"), "short_name": _("Field work"), "lang": "zh-CN",
        "start_url": reverse("work:home"), "scope": reverse("work:home"), "display": "standalone",
        "background_color": "#f8f9fa", "theme_color": "#b22222",
        "icons": [{"src": staticfiles_storage.url("img/app-icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@login_not_required
@require_GET
def offline(request):
    """What the worker shows for a cadre page it has not kept while there is no connection."""
    return render(request, "fieldwork/offline.html")
