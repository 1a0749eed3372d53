"""Small pieces every page module uses."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render

PAGE_SIZE = 20


def param(request, name: str) -> str:
    """A query-string value, stripped. (A NUL byte never gets here: RejectNullBytesMiddleware answers 400.)"""
    return request.GET.get(name, "").strip()


def id_param(request, name: str) -> int | None:
    """A row id from the query string; None when it is missing or not a plain number of at most 9 digits."""
    value = param(request, name)
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else None


def page(request, items, size=PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("page"))


def confirm(request, *, title, message, button, cancel_url, danger=False):
    return render(
        request, "confirm.html",
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
