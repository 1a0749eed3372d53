import base64

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from outreach.ratelimit import allow

from . import audit, two_factor
from .forms import OneTimeCodeForm, PasswordChangeForm


class PasswordChange(auth_views.PasswordChangeView):
    """Choosing a new password; it also lifts a forced change (first login, administrator's password, expiry)."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["must_change_password", "password_changed_at"])
        messages.success(self.request, _("Your password has been changed."))
        return response


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()) else reverse("home")


def _check_code(request, form, device) -> bool:
    """Whether the form's code is right; if not, the form says why (wrong, too soon after a wrong one, too many)."""
    if not allow("otp", str(request.user.pk), limit=two_factor.WRONG_CODES_ALLOWED, window_seconds=two_factor.WRONG_CODES_WINDOW):
        form.add_error(None, _("Too many wrong codes: wait 15 minutes, or ask an administrator."))
        return False
    allowed, _data = device.verify_is_allowed()  # django-otp waits longer after each wrong code
    if not allowed:
        form.add_error("code", _("Wait a few seconds after a wrong code before trying again."))
        return False
    if device.verify_token(form.cleaned_data["code"].strip()):
        return True
    audit.record(audit.Action.LOGIN_FAILED, actor=request.user, summary=_("wrong authenticator code"))
    form.add_error("code", _("That code is wrong or has expired. Codes change every 30 seconds."))
    return False


@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """The second factor at login: the six digits of the authenticator app."""
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:otp-setup')}?next={_next_url(request)}")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_code(request, form, device):
        otp_login(request, device)
        audit.record(audit.Action.LOGIN, actor=request.user, summary=_("second factor verified"))
        return redirect(_next_url(request))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Setting up the authenticator app once: scan the QR code (or type the key), then confirm a code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if two_factor.confirmed_device(request.user) is not None:
        return redirect("accounts:otp-verify")
    device, _created = TOTPDevice.objects.get_or_create(user=request.user, confirmed=False, defaults={"name": "authenticator"})
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_code(request, form, device):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        audit.record(audit.Action.JURISDICTION, actor=request.user, obj=request.user, summary=_("authenticator app set up"))
        messages.success(request, _("Two-factor login is set up. You will be asked for a code at each login."))
        return redirect(_next_url(request))
    return render(request, "accounts/otp_setup.html", {
        "form": form, "next": _next_url(request), "key": base64.b32encode(device.bin_key).decode(),
        "qr": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")),  # nosec B308 B703 - segno's SVG of our own otpauth URL, no visitor text
    })
