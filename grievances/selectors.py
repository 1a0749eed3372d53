"""Reads for the case pages: one place decides the joins, so each page's query count is fixed."""

import datetime
import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.regions import prefix_of
from accounts.roles import Role

from .models import Case, CaseEvent, Reminder
from .rates import BASES, MARKS, CaseRates, conditions, rates_of
from .workflow import INTAKE_UNIT_KINDS

TABS = ["all", "mine", "unit", "led", "supervised", "overdue"]


def case_list(user, *, tab: str = "all", status: str = "", type: str = "", category: str = "", level: str = "", source: str = "",
              region: str = "", due_within: str = "", search: str = "", registered_from: datetime.date | None = None,
              registered_to: datetime.date | None = None, counted: str = "", mark: str = "", today: datetime.date | None = None):
    """The cases the user may see, narrowed by the list's tab and filters (the dashboard links here with
    region and registration dates, and the list keeps them)."""
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
        cases = cases.overdue(today)
    if status == "open":
        cases = cases.open()
    elif status:
        cases = cases.filter(status=status)
    if type:
        cases = cases.filter(type=type)
    if category:
        cases = cases.filter(category_id=category)
    if level:
        cases = cases.filter(level=level)
    if source:
        cases = cases.filter(source=source)
    if region:
        cases = cases.filter(village__code__startswith=prefix_of(region))
    if re.fullmatch(r"[0-9]{1,3}", due_within or ""):
        limit = today + datetime.timedelta(days=int(due_within))
        cases = cases.filter(Case.due_by_q(limit))
    if registered_from:
        cases = cases.filter(registered_at__gte=start_of(registered_from))
    if registered_to:
        cases = cases.filter(registered_at__lt=start_of(registered_to + datetime.timedelta(days=1)))
    if search:
        cases = cases.filter(Q(number__icontains=search) | Q(petitioner_name__icontains=search))
    if counted in BASES:
        cases = cases.filter(conditions(today)[counted])
    if mark in MARKS:
        cases = cases.filter(MARKS[mark][1])
    return cases.order_by("-registered_at", "-pk")


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of a day, local time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def case_for(user, pk: int) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(user).select_related(
            "village__parent", "category", "unit", "pending_unit", "leader", "supervising_leader", "registered_by", "parent", "household", "duplicate_of"
        ),
        pk=pk,
    )


def timeline(case: Case):
    """The case's moves, each with its attachments and the text it owed the petitioner (PetitionerNotice), if any."""
    return case.events.select_related("actor", "notice").prefetch_related("attachments", "notice__deliveries").order_by("at", "id")


def public_case(number: str, phone_last4: str) -> Case | None:
    """The case behind a number, only if the petitioner's phone ends with these digits."""
    case = Case.objects.filter(number=number.strip().upper()).first()
    if case is None or not case.petitioner_phone or case.petitioner_phone[-4:] != phone_last4:
        return None
    return case


def rates(cases, today: datetime.date | None = None) -> CaseRates:
    """The case rates over the listed cases (grievances/rates.py: the dashboards' definitions), in one query."""
    return rates_of(cases, today)


def rectification_ledger(cases, today: datetime.date | None = None):
    """整改台账, 分层级、分类别、分时限: per level and category, how many are overdue, due within 7 days,
    running, and closed (销号)."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=7)
    return (
        cases.order_by()
        .values("level", "category__name")
        .annotate(
            total=Count("pk", distinct=True),
            overdue=Count("pk", filter=Case.overdue_q(today), distinct=True),
            due_soon=Count("pk", filter=Case.due_by_q(soon) & ~Case.overdue_q(today), distinct=True),
            open=Count("pk", filter=Q(status__in=Case.OPEN_STATUSES), distinct=True),
            closed=Count("pk", filter=Q(status=Case.Status.CLOSED), distinct=True),
        )
        .order_by("level", "category__name")
    )


@dataclass(frozen=True)
class HomeCases:
    """What a handler's or leader's home page shows: counts of their cases, each linking to the list
    filtered the same way, the cases waiting for them nearest their limit, and their unread reminders."""

    counts: list[tuple[str, int, str]]  # (key, count, the case list's query for the same cases)
    waiting: list[Case]
    reminders: list[Reminder]


HOME_WAITING = 8
HOME_REMINDERS = 5


def home_cases(user, *, today: datetime.date | None = None) -> HomeCases:
    """The cases of a handler (theirs, their unit's, and for a petition office or township the intake:
    to accept, to assign, to record the rating) and of a 包案领导 (led, to close, extensions asked).
    Three queries whatever the number of cases, all through `Case.objects.visible_to(user)`."""
    today = today or timezone.localdate()
    visible = Case.objects.visible_to(user)
    handled = Q(pk__in=Case.handlers.through.objects.filter(user=user).values("case_id"))
    running = Q(status__in=Case.OPEN_STATUSES)
    work = Q(status__in=Case.IN_WORK_STATUSES)
    wanted: dict[str, tuple[Q, str]] = {}  # key: (the cases, the case list's query)
    waiting: list[Q] = []  # the cases with a move waiting for this person
    if user.has_role(Role.HANDLER):
        wanted["handled"] = (handled & running, "tab=mine&status=open")
        waiting.append(handled & work)
        if user.unit_id:
            wanted["unit"] = (Q(unit=user.unit_id) & running, "tab=unit&status=open")
            waiting.append(Q(unit=user.unit_id) & work)
            if user.unit.kind in INTAKE_UNIT_KINDS:
                # Every case the office sees in its region is its intake: visible_to already narrows to it.
                intake = Q(village__code__startswith=prefix_of(user.unit.region_id))
                for key, status in (("to_accept", Case.Status.REGISTERED), ("to_assign", Case.Status.ACCEPTED),
                                    ("to_rate", Case.Status.RESOLVED)):
                    wanted[key] = (intake & Q(status=status), f"status={status}")
                    waiting.append(intake & Q(status=status))
    if user.has_role(Role.LEADER):
        led = Q(leader=user)
        wanted["led"] = (led & running, "tab=led&status=open")
        wanted["to_close"] = (led & Q(status=Case.Status.EVALUATED), f"tab=led&status={Case.Status.EVALUATED}")
        waiting.append(led & (Q(status=Case.Status.EVALUATED) | (work & Q(extension_requested_days__gt=0))))
    if not wanted:
        return HomeCases([], [], [])
    wanted["overdue"] = (Case.overdue_q(today), "tab=overdue")
    totals = visible.order_by().aggregate(**{key: Count("pk", filter=q) for key, (q, _query) in wanted.items()})
    cases = list(
        visible.filter(reduce(or_, waiting)).select_related("village__parent").annotate(due=Case.running_due())
        .order_by(F("due").asc(nulls_last=True), "registered_at", "pk")[:HOME_WAITING]
    )
    reminders = list(
        Reminder.objects.filter(recipient=user, read_at__isnull=True, case__in=visible.values("pk"))
        .select_related("case__village").order_by("-created_at", "-pk")[:HOME_REMINDERS]
    )
    return HomeCases([(key, totals[key], query) for key, (_q, query) in wanted.items()], cases, reminders)


def callback_queue(user, today: datetime.date | None = None):
    """回访 due: answered cases the petitioner has not rated by their callback day, and cases rated 不满意 not called
    back since — the cases the user sees, the longest waiting first, each with its last call-back (`last_callback`)."""
    today = today or timezone.localdate()
    calls = CaseEvent.objects.filter(case=OuterRef("pk"), action=CaseEvent.Action.CALLBACK)
    unrated = Q(status=Case.Status.RESOLVED, callback_due__lte=today)
    dissatisfied = Q(satisfaction=Case.Satisfaction.DISSATISFIED) & ~Exists(calls.filter(at__gte=OuterRef("evaluated_at")))
    return (Case.objects.visible_to(user).filter(unrated | dissatisfied)
            .annotate(last_callback=Subquery(calls.order_by("-at").values("at")[:1]))
            .select_related("village__parent").order_by("callback_due", "resolved_at", "pk"))
