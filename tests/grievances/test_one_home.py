"""One home per rule (#17): the status sets, the overdue rule, the rates, the actions a timeline records and
the case types a move applies to are each defined once, and every page that counts or lists with them agrees."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core.numbers import percent
from dashboards import case_figures as dashboard
from grievances import rates, reminders, selectors, services, workflow
from grievances.models import Case, CaseEvent, MediationSession, Reminder
from grievances.templatetags.cases import move_label
from tests.clock import TODAY

from .test_dashboard import dashboard_url

pytestmark = pytest.mark.django_db

S = Case.Status


def test_the_status_sets_split_the_statuses():
    everything = set(S.values)
    assert set(Case.OPEN_STATUSES) | set(Case.RESOLVED_STATUSES) | {S.REJECTED} == everything
    assert len(Case.OPEN_STATUSES) + len(Case.RESOLVED_STATUSES) + 1 == len(everything)  # and none in two
    assert set(Case.RUNNING_STATUSES) == set(Case.OPEN_STATUSES) - {S.REGISTERED}
    assert set(Case.ACCEPTED_STATUSES) == everything - {S.REGISTERED, S.REJECTED}
    assert set(Case.RESPONDED_STATUSES) == everything - {S.REGISTERED}
    assert set(Case.IN_WORK_STATUSES) < set(Case.RUNNING_STATUSES)


def test_the_overdue_cases_are_the_same_on_every_page_and_in_the_reminders(client, worked_cases, county_supervisor, intake):
    today = timezone.localdate()
    overdue = {worked_cases["c4"].pk, worked_cases["c6"].pk}  # waiting past its acceptance limit; past its resolution limit
    numbers = set(Case.objects.filter(pk__in=overdue).values_list("number", flat=True))
    assert set(Case.objects.overdue(today).values_list("pk", flat=True)) == overdue
    for case in Case.objects.all():  # the Python side of the rule (the case page's "days left")
        assert (case.days_left(today) is not None and case.days_left(today) < 0) == (case.pk in overdue)

    client.force_login(county_supervisor)
    page = client.get(dashboard_url())
    assert page.context["headline"][2] == ("已超期", 2)
    assert {row[0].value for row in page.context["tables"]["overdue"].rows} == numbers
    listed = client.get(page.context["tables"]["overdue"].more_url)  # the dashboard's "more" link: the list's overdue tab
    assert {case.number for case in listed.context["page"]} == numbers
    assert {case.number for case in client.get(reverse("grievances:list"), {"tab": "overdue"}).context["page"]} == numbers
    assert sum(group["overdue"] for group in client.get(reverse("grievances:rectification")).context["groups"]) == 2

    counts = {key: count for key, count, _query in selectors.home_cases(intake).counts}
    assert counts["overdue"] == 2
    reminders.sweep()
    assert set(Reminder.objects.filter(threshold=Reminder.OVERDUE).values_list("case_id", flat=True)) == overdue


def test_the_case_list_shows_the_dashboards_rates_for_the_same_cases(client, worked_cases, county_supervisor):
    client.force_login(county_supervisor)
    table = client.get(dashboard_url()).context["tables"]["regions"]
    for row in [*table.rows, table.total]:
        on_dashboard = [cell.value for cell in row[5:12]]
        listed = client.get(row[1].url)  # the row's case count links to the case list of the same cases
        shown = listed.context["rates"]
        assert [shown.on_time_acceptance, shown.resolution, shown.on_time_resolution, shown.satisfaction, shown.self_satisfaction,
                shown.mediation_success, shown.village_share] == on_dashboard, row[0].value
        html = listed.content.decode()
        for value in (shown.on_time_acceptance, shown.resolution, shown.satisfaction):
            assert percent(value) in html
        ledger = client.get(reverse("grievances:rectification") + "?" + row[1].url.split("?", 1)[1]).context["rates"]
        assert ledger == shown
    township_a = client.get(table.rows[0][1].url)
    assert (township_a.context["rates"].answered_on_time, township_a.context["rates"].due_for_answer) == (3, 5)  # the hand count
    assert "60.0%" in township_a.content.decode()


def test_the_dashboard_figures_take_the_rates_from_grievances():
    assert issubclass(dashboard.CaseFigures, rates.CaseRates)
    for name in ("on_time_acceptance", "resolution", "on_time_resolution", "satisfaction", "mediation_success", "village_share"):
        assert name not in vars(dashboard.CaseFigures)  # no second formula


@pytest.mark.parametrize("case_type", [Case.Type.PETITION, Case.Type.LIVELIHOOD])
def test_a_mediation_on_a_case_that_is_no_dispute_is_refused_by_the_service(assigned, handler, case_type):
    Case.objects.filter(pk=assigned.pk).update(type=case_type)
    with pytest.raises(workflow.InvalidMove) as refused:
        services.case_mediate(actor=handler, case_id=assigned.pk, kind="peoples", held_on=TODAY, mediator="村调委会", result="agreed")
    assert refused.value.messages == ["此操作只适用于矛盾纠纷类案件。"]
    assigned.refresh_from_db()
    assert not assigned.was_mediated and not MediationSession.objects.exists()
    assert not assigned.events.filter(action=CaseEvent.Action.MEDIATE).exists()
    assert "mediate" not in workflow.available(handler, assigned)


def test_the_type_of_case_is_the_first_reason_given(case):
    """A move that never applies to the case's type says so, whatever the status."""
    assert case.type == Case.Type.PETITION and case.status == S.REGISTERED
    assert workflow.refusal("mediate", case) == "此操作只适用于矛盾纠纷类案件。"


def test_every_move_records_an_action_of_its_own_with_its_label():
    assert set(workflow.MOVES) <= set(CaseEvent.Action.values)
    assert set(CaseEvent.Action.values) - set(workflow.MOVES) == {"register", "request_review", "recompute_limits", "callback", "link_repeat", "repeat_received"}  # callback: the 回访 queue (views.callbacks); the repeats: grievances/repeats.py
    assert set(services.MOVE_SERVICES) == set(workflow.MOVES)
    for action, move in workflow.MOVES.items():
        assert move.label == CaseEvent.Action(action).label
        assert move_label(action) == str(move.label)
    assert move_label("register") == "登记" and move_label("something_old") == "something_old"


def test_every_recorded_action_is_one_of_the_choices(worked_cases, intake):
    done = worked_cases["c1"]
    services.case_request_review(actor=intake, case_id=done.pk, note="不服答复")
    actions = set(CaseEvent.objects.values_list("action", flat=True))
    assert {"register", "accept", "reject", "assign", "start", "resolve", "evaluate", "supervise", "mediate", "request_review"} <= actions
    for event in CaseEvent.objects.all():
        event.full_clean()  # the action is one of the choices
        assert event.get_action_display() != event.action
