"""The signed-in user's start page: a little from every app, one section per role they hold."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.roles import Role
from campaigns import selectors as campaign_selectors
from grievances import selectors as case_selectors

from .. import home_figures as selectors

CASE_COUNT_LABELS = {
    "handled": gettext_lazy("I handle"), "unit": gettext_lazy("My unit's"), "to_accept": gettext_lazy("To accept or refuse"),
    "to_assign": gettext_lazy("To assign"), "to_rate": gettext_lazy("Rating to record"), "led": gettext_lazy("I lead"),
    "to_close": gettext_lazy("To close (销号)"), "overdue": gettext_lazy("Overdue"),
}


@require_GET
def home(request):
    """The signed-in user's start page, one section per role they hold."""
    user = request.user
    is_admin = user.is_superuser or user.has_role(Role.CAMPAIGN_ADMIN)
    is_case_worker = bool(user.roles & {Role.HANDLER, Role.LEADER})
    cases = case_selectors.home_cases(user) if is_case_worker else None
    case_list = reverse("grievances:list")
    context = {
        "roles": sorted(user.roles, key=list(Role).index),
        "is_cadre": user.has_role(Role.CADRE),
        "assignment": campaign_selectors.my_assignment(user) if user.has_role(Role.CADRE) else None,
        "is_case_worker": is_case_worker,
        "case_counts": [(key, CASE_COUNT_LABELS[key], count, f"{case_list}?{query}") for key, count, query in cases.counts] if cases else [],
        "waiting_cases": cases.waiting if cases else [],
        "reminders": cases.reminders if cases else [],
        "counts": selectors.jurisdiction_counts(user),
        "campaigns": selectors.home_campaigns(user),
        "show_celery": is_admin or user.is_staff,  # the status itself: outreach.context_processors.celery
    }
    return render(request, "home.html", context)
