"""Cross-cutting request checks."""

from django.http import HttpResponseBadRequest
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
