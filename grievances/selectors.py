"""Reads for the case pages: one place decides the joins, so each page's query count is fixed."""

import datetime

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.regions import prefix_of

from .models import Case

OPEN = [Case.Status.REGISTERED, Case.Status.ACCEPTED, Case.Status.ASSIGNED, Case.Status.IN_PROGRESS]
TABS = ["all", "mine", "unit", "led", "supervised", "overdue"]


def case_list(user, *, tab: str = "all", status: str = "", type: str = "", category: str = "", level: str = "",
              region: str = "", due_within: str = "", search: str = "", today: datetime.date | None = None):
    """The cases the user may see, narrowed by the list's tab and filters."""
    today = today or timezone.localdate()
    cases = Case.objects.visible_to(user).select_related("village__parent", "category", "unit", "leader")
    if tab == "mine":
        cases = cases.filter(handlers=user)
    elif tab == "unit":
        cases = cases.filter(unit=user.unit_id) if user.unit_id else cases.none()
    elif tab == "led":
        cases = cases.filter(leader=user)
    elif tab == "supervised":
        cases = cases.filter(supervised=True)
    elif tab == "overdue":
        cases = cases.filter(overdue_q(today))
    if status:
        cases = cases.filter(status=status)
    if type:
        cases = cases.filter(type=type)
    if category:
        cases = cases.filter(category_id=category)
    if level:
        cases = cases.filter(level=level)
    if region:
        cases = cases.filter(village__code__startswith=prefix_of(region))
    if due_within.isdigit():
        limit = today + datetime.timedelta(days=int(due_within))
        cases = cases.filter(Q(status=Case.Status.REGISTERED, accept_due__lte=limit) | Q(status__in=OPEN[1:], resolve_due__lte=limit))
    if search:
        cases = cases.filter(Q(number__icontains=search) | Q(petitioner_name__icontains=search))
    return cases.order_by("-registered_at", "-pk")


def overdue_q(today: datetime.date) -> Q:
    """Past the limit that runs now: acceptance before acceptance, resolution after."""
    return Q(status=Case.Status.REGISTERED, accept_due__lt=today) | Q(status__in=OPEN[1:], resolve_due__lt=today)


def case_for(user, pk: int) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(user).select_related(
            "village__parent", "category", "unit", "pending_unit", "leader", "supervising_leader", "registered_by", "parent", "household"
        ),
        pk=pk,
    )


def timeline(case: Case):
    return case.events.select_related("actor").order_by("at", "id")


def public_case(number: str, phone_last4: str) -> Case | None:
    """The case behind a number, only if the petitioner's phone ends with these digits."""
    case = Case.objects.filter(number=number.strip().upper()).first()
    if case is None or not case.petitioner_phone or case.petitioner_phone[-4:] != phone_last4:
        return None
    return case
