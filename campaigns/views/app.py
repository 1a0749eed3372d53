"""The cadre pages as an installable app that opens without signal: its manifest, its service worker, and
the page shown for a page the phone has not kept.

The worker (templates/fieldwork/sw.js) keeps the static files and, as the cadre opens them online, the
cadre pages under /work/ (GET only, never a redirect or a `no-store` answer, so never a revealed ID number
or phone: those come only in the answer to a POST). Logging out clears what it kept (accounts.views.Logout).

A village has hundreds of households, so their pages are not kept one by one: the worker keeps one village
bundle (masked, `village_bundle`), and a household page it has not kept is shown by `household_offline`,
which static/js/village.js fills from the bundle — the list with its search, each household's page, and
the household form for an edit.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag, require_GET

from .. import selectors
from ..forms import household_label
from ..models import PHONE_EDITABLE_FIELDS
from ..services.fieldwork import can_edit_households

# What every cadre page loads: kept when the worker installs.
SHELL = ["css/app.css", "vendor/bootstrap-5.3.9/css/bootstrap.min.css", "js/nav.js", "js/fieldwork.js", "js/household-picker.js",
         "js/offline.js", "js/village.js", "js/outbox.js", "vendor/idb-keyval-6.3.0/idb-keyval.umd.js",
         "vendor/browser-image-compression-2.0.2/browser-image-compression.js", "img/app-icon.svg"]


def stand_ins() -> list[tuple[str, str]]:
    """Which kept page shows, without signal, a cadre page the worker has not kept (templates/fieldwork/sw.js)."""
    scope = reverse("work:home")
    return [
        (rf"^{scope}households/([0-9]+/)?$", reverse("work:household-offline")),  # the list searched or paged, a household
        (rf"^{scope}households/[0-9]+/edit/$", reverse("work:household-new")),  # the form, filled from the bundle
        (rf"^{scope}visits/new/$", reverse("work:visit-new")),  # ?household=: the picker chooses it from the bundle
    ]


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
        "stand_ins": stand_ins(),
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


def _bundle_etag(request):
    assignment = selectors.my_assignment(request.user)
    return hashlib.sha256(selectors.village_bundle_version(request.user, assignment).encode()).hexdigest()[:20] if assignment else None


@require_GET
@permission_required("campaigns.view_household", raise_exception=True)
@cache_control(private=True, no_cache=True)  # the phone asks again each time, and a 304 costs a few bytes
@etag(_bundle_etag)
def village_bundle(request):
    """Today's village for the phone to keep: every household with masked phone and ID number (never the full
    ones), its 四个清楚 and latest visits, and the picker's order (paired, then recently visited)."""
    assignment = selectors.my_assignment(request.user)
    if assignment is None:
        raise Http404
    bundle = selectors.village_bundle(request.user, assignment)
    village = assignment.target_village.village
    return JsonResponse({
        "village": village.name, "at": timezone.localtime().isoformat(timespec="minutes"),
        "can_edit": can_edit_households(request.user, village.pk), "can_pair": request.user.has_perm("campaigns.add_pairing"),
        "editable": [*PHONE_EDITABLE_FIELDS, "version"],  # what village.js fills into the household form for an edit
        "households": [{
            "id": h.pk, "label": household_label(h), "number": h.number, "head_name": h.head_name, "address": h.address,
            "phone": h.masked_phone, "id_number": h.masked_id_number, "members": h.members, "tags": h.tags, "tag_labels": h.tag_labels,
            "family_situation": h.family_situation, "state_of_mind": h.state_of_mind, "hardship_cause": h.hardship_cause,
            "help_needed": h.help_needed, "version": h.version, "paired": h.pk in bundle.paired,
            "recent": bundle.recent.index(h.pk) if h.pk in bundle.recent else None,
            "visits": [{"on": v.visited_on.isoformat(), "cadre": v.cadre.real_name, "diary": Truncator(v.diary).chars(80)}
                       for v in bundle.visits.get(h.pk, [])],
        } for h in bundle.households],
    }, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


@require_GET
@permission_required("campaigns.view_household", raise_exception=True)
def household_offline(request):
    """The page the worker shows, without signal, for a household page it has not kept: village.js fills it
    from the village bundle (the list, or one household)."""
    return render(request, "fieldwork/household_offline.html")
