"""Pages for residents, without an account: rating the work team (群众评议)."""

import segno
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.ratelimit import allow, blocked, client_ip

from .. import services
from ..forms import RatingForm
from ..models import TargetVillage

_signer = signing.Signer(salt="campaigns.rating")
FAILURES_PER_ADDRESS = 10
FAILURES_PER_HOUSEHOLD = 5
WINDOW_SECONDS = 600


def rating_url(request, target: TargetVillage) -> str:
    """The short public link for a team, signed so that ids cannot be guessed."""
    return request.build_absolute_uri(reverse("rate", args=[_signer.sign(str(target.pk))]))


def rating_qr_svg(url: str, *, sized_by_css: bool = False) -> str:
    """180 px across on screen; for print, a viewBox instead of a size, so the stylesheet gives it millimetres."""
    size = {"omitsize": True} if sized_by_css else {"scale": 4}
    return mark_safe(segno.make(url, error="m").svg_inline(dark="#000", light="#fff", **size))  # nosec B308 B703 - segno's SVG of our own rating URL, no visitor text


@login_not_required
@require_http_methods(["GET", "POST"])
def rate(request, token):
    try:
        target_pk = int(_signer.unsign(token))
    except (signing.BadSignature, ValueError):
        raise Http404 from None
    target = get_object_or_404(TargetVillage.objects.select_related("village", "campaign"), pk=target_pk)
    form = RatingForm(request.POST or None)
    # Someone is signed in on this browser: a staff member's own phone, not a resident's. Said on the page,
    # and kept on the rating so that the figures can tell it apart.
    signed_in = request.user if request.user.is_authenticated else None
    context = {"target": target, "form": form, "signed_in": signed_in}
    if request.method == "POST":
        # Failed attempts are counted per address and per household, so guessing a code is hopeless
        # while residents sharing one network can all rate.
        address = client_ip(request)
        household_key = f"{target.pk}:{request.POST.get('household_number', '')[:20]}"
        if blocked("rating-ip", address, limit=FAILURES_PER_ADDRESS) or blocked("rating-household", household_key, limit=FAILURES_PER_HOUSEHOLD):
            context["notice"] = _("Too many attempts. Please try again in ten minutes.")
            return render(request, "public/rate.html", context, status=429)
        if form.is_valid():
            try:
                services.evaluation_submit(target=target, signed_in_account=signed_in, address=address, **form.cleaned_data)
            except services.AlreadyRated as already:
                context["notice"] = already.messages[0]
            except ValidationError as error:
                form.add_error(None, error)
                allow("rating-ip", address, limit=FAILURES_PER_ADDRESS, window_seconds=WINDOW_SECONDS)
                allow("rating-household", household_key, limit=FAILURES_PER_HOUSEHOLD, window_seconds=WINDOW_SECONDS)
            else:
                return render(request, "public/thanks.html", {"target": target})
    return render(request, "public/rate.html", context)
