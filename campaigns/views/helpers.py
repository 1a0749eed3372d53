"""Small pieces every page module uses."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render

PAGE_SIZE = 20


def param(request, name: str) -> str:
    """A query-string value with NUL bytes removed (PostgreSQL refuses them in text)."""
    return request.GET.get(name, "").replace("\x00", "").strip()


def page(request, items, size=PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("page"))


def confirm(request, *, title, message, button, cancel_url, danger=False):
    return render(
        request, "campaigns/confirm.html",
        {"title": title, "message": message, "button": button, "cancel_url": cancel_url, "danger": danger},
    )


def attempt(request, action, success_message=None):
    """Call a service. Returns (True, its result), or (False, None) after turning the broken rule into messages."""
    try:
        result = action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False, None
    if success_message:
        messages.success(request, success_message)
    return True, result
