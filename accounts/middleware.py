"""Session limits and forced password changes, checked on every signed-in request."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import two_factor
from .passwords import password_expired

LOGIN_TIME = "login_at"
SEEN_TIME = "seen_at"
SEEN_WRITE_EVERY = 60  # seconds: the session is written at most once a minute for the idle clock


class SessionLimitsMiddleware:
    """Logs out after SESSION_IDLE_MINUTES without a request and SESSION_ABSOLUTE_HOURS after login,
    whichever comes first, and says why on the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            login_at = session.setdefault(LOGIN_TIME, now)
            seen_at = session.get(SEEN_TIME, login_at)
            if now - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                return self._expire(request, _("You were signed in for %(hours)d hours: please log in again.") % {
                    "hours": settings.SESSION_ABSOLUTE_HOURS})
            if now - seen_at > settings.SESSION_IDLE_MINUTES * 60:
                return self._expire(request, _("You were logged out after %(minutes)d minutes without activity.") % {
                    "minutes": settings.SESSION_IDLE_MINUTES})
            if now - seen_at > SEEN_WRITE_EVERY:
                session[SEEN_TIME] = now
        return self.get_response(request)

    @staticmethod
    def _expire(request, message):
        logout(request)
        messages.info(request, message)
        return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")


class TwoFactorRequiredMiddleware:
    """Administrators and supervisors go no further than the code pages until their second factor
    is verified in this session (set up first if they have none)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and two_factor.required_for(user) and not user.is_verified():
            if not _open_anyway(request, "accounts:otp-verify", "accounts:otp-setup", "accounts:logout"):
                return redirect(f"{reverse('accounts:otp-verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Imported accounts, passwords an administrator gave, and expired passwords: only the password
    change page (and logging out) until a new password is chosen."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and (user.must_change_password or password_expired(user)):
            # The second factor comes first: its pages stay open (else the two would send each other round).
            if not _open_anyway(request, "accounts:password-change", "accounts:logout", "accounts:otp-verify", "accounts:otp-setup"):
                messages.warning(request, _("Choose a new password before you go on."))
                return redirect("accounts:password-change")
        return self.get_response(request)


def stamp_login_time(sender, request, user, **kwargs):
    """user_logged_in: the absolute session limit counts from here."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_TIME] = request.session[SEEN_TIME] = time.time()


def _open_anyway(request, *url_names: str) -> bool:
    """The request is for one of these pages, or for a static file: a hold on the session lets it through."""
    return request.path in {reverse(name) for name in url_names} or request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
