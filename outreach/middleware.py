"""Cross-cutting request checks."""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404, HttpResponseBadRequest
from django.urls import get_resolver, get_urlconf
from django.utils.translation import gettext as _


class RejectNullBytesMiddleware:
    """A NUL byte in a form or query value is never typed by a person, and PostgreSQL cannot store it:
    answer 400 before any view (or a raw request.POST read in one) meets it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for data in [request.GET, *([request.POST] if request.method == "POST" else [])]:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return HttpResponseBadRequest(_("The request holds a NUL character."))
        return self.get_response(request)


class NotFoundPageWithDebugMiddleware:
    """With DEBUG on (`make run`), a page that does not exist answers the project's Chinese 404 page, the one
    production serves, instead of Django's English debug page; tracebacks of errors stay. Not loaded
    with DEBUG off, where Django itself renders the project's page."""

    def __init__(self, get_response):
        if not settings.DEBUG:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No URL matched: Django answered its debug page before any view or process_exception ran.
        if response.status_code == 404 and request.resolver_match is None:
            return self.not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        """A view raised Http404 (get_object_or_404, an outsider's request)."""
        if isinstance(exception, Http404):
            return self.not_found(request, exception)
        return None

    @staticmethod
    def not_found(request, exception):
        return get_resolver(get_urlconf()).resolve_error_handler(404)(request, exception)
