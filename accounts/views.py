import base64
from urllib.parse import urlencode

import segno
from axes.utils import reset as reset_login_failures
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from core.ratelimit import allow, blocked, client_ip

from . import audit, two_factor
from .forms import LoginForm, OneTimeCodeForm, PasswordChangeForm, UnlockForm
from .roles import Role

WRONG_PASSWORDS_ALLOWED = 5  # wrong current passwords on the password-change page, per account per 15 minutes
WRONG_PASSWORDS_WINDOW = 15 * 60


class Login(auth_views.LoginView):
    """Signing in. A cadre with no other role who would land on the home page (no other page to return to)
    lands on 我的工作 instead: check in and log a visit are its first two buttons."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        url = super().get_success_url()
        if url == reverse("dashboards:home") and self.request.user.roles == {Role.CADRE}:
            return reverse("work:home")
        return url


class Logout(auth_views.LogoutView):
    """Signing out also tells the browser to drop what it kept for this account: the cadre app's kept pages
    and files (its service worker's caches, campaigns/views/app.py) and every store of this site.

    Unless another account's entries still wait in the phone's outbox (a shared phone): then the outbox
    (static/js/outbox.js) has deleted this account's entries and kept pages itself and says `keep_others`,
    and only the HTTP cache is cleared, so that the other cadre's unsent work is not lost."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache"' if request.POST.get("keep_others") else '"cache", "storage"'
        return response


class PasswordChange(auth_views.PasswordChangeView):
    """Choosing a new password; it also lifts a forced change (first login, administrator's password, expiry)."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("dashboards:home")

    def post(self, request, *args, **kwargs):
        # The current password is asked so that a session left open cannot take the account: guessing it
        # here is limited per account (all its sessions together), and each wrong guess is in the audit trail.
        if blocked("password-change", str(request.user.pk), limit=WRONG_PASSWORDS_ALLOWED):
            audit.record(audit.Action.LOGIN_FAILED, actor=request.user, summary=_("password change refused: too many wrong current passwords"))
            context = self.get_context_data(form=self.get_form_class()(user=request.user), too_many_guesses=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.has_error("old_password", "password_incorrect"):
            allow("password-change", str(self.request.user.pk), limit=WRONG_PASSWORDS_ALLOWED, window_seconds=WRONG_PASSWORDS_WINDOW)
            audit.record(audit.Action.LOGIN_FAILED, actor=self.request.user, summary=_("wrong current password when changing the password"))
        return super().form_invalid(form)

    def form_valid(self, form):
        form.user.must_change_password = False  # saved with the new password (set_password stamps its time)
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()) else reverse("dashboards:home")


def _too_many_wrong_codes(request, form) -> bool:
    if blocked("otp", str(request.user.pk), limit=two_factor.WRONG_CODES_ALLOWED):
        form.add_error(None, _("Too many wrong codes: wait 15 minutes, or ask an administrator."))
        audit.record(audit.Action.TWO_FACTOR, actor=request.user, summary=_("refused: too many wrong codes"))
        return True
    return False


def _wrong_code(request, form) -> None:
    """Only wrong codes count towards the limit: a person logging in often is never refused."""
    allow("otp", str(request.user.pk), limit=two_factor.WRONG_CODES_ALLOWED, window_seconds=two_factor.WRONG_CODES_WINDOW)
    audit.record(audit.Action.LOGIN_FAILED, actor=request.user, summary=_("wrong authenticator code"))
    form.add_error("code", _("That code is wrong or has expired. Codes change every 30 seconds."))


def _verified(request, device) -> None:
    otp_login(request, device)
    request.session.cycle_key()  # a new session id once both factors are proven


@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """The second factor at login: the six digits of the authenticator app."""
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:otp-setup')}?{urlencode({'next': _next_url(request)})}")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _too_many_wrong_codes(request, form):
        allowed, _data = device.verify_is_allowed()  # django-otp waits longer after each wrong code
        if not allowed:
            form.add_error("code", _("Wait a few seconds after a wrong code before trying again."))
        elif device.verify_token(form.cleaned_data["code"].strip()):
            _verified(request, device)
            audit.record(audit.Action.TWO_FACTOR, actor=request.user, summary=_("second factor verified"))
            return redirect(_next_url(request))
        else:
            _wrong_code(request, form)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


SETUP_KEY = "otp_setup_key"


@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Setting up the authenticator app once: scan the QR code (or type the key), then confirm a code.

    The key lives in this session only until a code from it is confirmed; then the device is saved.
    Another session (someone else with the password) gets another key, which the real user never scans."""
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp.util import random_hex

    if two_factor.confirmed_device(request.user) is not None:
        return redirect("accounts:otp-verify")
    if request.method == "GET" or SETUP_KEY not in request.session:
        request.session[SETUP_KEY] = random_hex(20)
    device = TOTPDevice(user=request.user, name="authenticator", key=request.session[SETUP_KEY], confirmed=True)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _too_many_wrong_codes(request, form):
        enrolled = two_factor.enrol(request.user, request.session[SETUP_KEY], form.cleaned_data["code"].strip())
        if enrolled is not None:
            del request.session[SETUP_KEY]
            _verified(request, enrolled)
            audit.record(audit.Action.TWO_FACTOR, actor=request.user, obj=request.user, summary=_("authenticator app set up"))
            messages.success(request, _("Two-factor login is set up. You will be asked for a code at each login."))
            return redirect(_next_url(request))
        if two_factor.confirmed_device(request.user) is not None:
            return redirect("accounts:otp-verify")  # another session set one up meanwhile
        _wrong_code(request, form)
    return render(request, "accounts/otp_setup.html", {
        "form": form, "next": _next_url(request), "key": base64.b32encode(device.bin_key).decode(),
        "qr": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")),  # nosec B308 B703 - segno's SVG of our own otpauth URL, no visitor text
    })


UNLOCKS_PER_ACCOUNT = 5  # wrong tries on the unlock page per 15 minutes, per account and per address
UNLOCKS_PER_ADDRESS = 20
UNLOCK_WINDOW = 15 * 60


@login_not_required
@require_http_methods(["GET", "POST"])
def unlock(request):
    """Logging in while the login is locked (django-axes: this account, or this office's address, after
    failed logins), for someone with an authenticator app: the password and a fresh code prove both
    factors, which the lock exists to protect. The lock stays for everyone else; this account's own failed
    logins are forgotten. Wrong tries are limited per account and per address and are in the audit trail."""
    form = UnlockForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username, address = form.cleaned_data["username"], client_ip(request)
        if blocked("unlock", username, limit=UNLOCKS_PER_ACCOUNT) or blocked("unlock-address", address, limit=UNLOCKS_PER_ADDRESS):
            form.add_error(None, _("Too many attempts: wait 15 minutes, or ask an administrator."))
            status = 429
        else:
            proven = two_factor.prove_both_factors(username, form.cleaned_data["password"], form.cleaned_data["code"].strip())
            if proven is None:
                allow("unlock", username, limit=UNLOCKS_PER_ACCOUNT, window_seconds=UNLOCK_WINDOW)
                allow("unlock-address", address, limit=UNLOCKS_PER_ADDRESS, window_seconds=UNLOCK_WINDOW)
                # As for failed logins: the account tried, if there is one; other text typed there is not kept.
                audit.record(audit.Action.LOGIN_FAILED, actor=two_factor.active_account(username), summary=_("unlock with the authenticator app refused"))
                form.add_error(None, _("The username, password or code is wrong, or the account has no authenticator app set up."))
            else:
                user, device = proven
                reset_login_failures(username=user.username)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                _verified(request, device)
                audit.record(audit.Action.TWO_FACTOR, actor=user, summary=_("logged in past the login lock with the authenticator app"))
                return redirect(_next_url(request))
    return render(request, "accounts/unlock.html", {"form": form, "next": _next_url(request)}, status=status)
