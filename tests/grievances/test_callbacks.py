"""#20: the petition office's 回访 queue — answered cases not rated by their call-back day, cases rated 不满意 — with
reminders through the usual channels, and each call recorded on the timeline."""

import datetime

import pytest
from django.urls import reverse

from grievances import reminders, selectors, services
from grievances.models import Case, CaseEvent, Reminder
from tests.clock import DAY, NOW, TODAY


@pytest.fixture
def answered(assigned, handler):
    services.case_start(actor=handler, case_id=assigned.pk)
    return services.case_resolve(actor=handler, case_id=assigned.pk, outcome=Case.Outcome.SOLVED, reply="已重新丈量", now=NOW)


def test_an_answer_not_rated_is_due_for_a_call_back_after_the_categorys_days_and_the_office_is_reminded(answered, intake, handler):
    assert answered.callback_due == TODAY + 7 * DAY
    assert not selectors.callback_queue(intake, today=TODAY + 6 * DAY).exists()
    assert list(selectors.callback_queue(intake, today=TODAY + 7 * DAY)) == [answered]
    reminders.sweep(now=NOW + 7 * DAY)
    (reminder,) = Reminder.objects.filter(deadline=Reminder.Deadline.CALLBACK, threshold=0)
    assert reminder.recipient == intake  # the petition office that registered it, not the handlers
    assert "回访" in reminders.message(reminder)


def test_a_call_that_reached_the_petitioner_records_their_rating_and_leaves_the_queue(client, answered, intake):
    client.force_login(intake)
    with_queue = client.get(reverse("grievances:callbacks"))
    assert not with_queue.context["page"].object_list  # not due yet (the clock is at the answer)
    services.case_callback(actor=intake, case_id=answered.pk, reached=False, note="无人接听", now=NOW + 7 * DAY)
    case = services.case_callback(actor=intake, case_id=answered.pk, reached=True, satisfaction="satisfied", note="已回访，表示满意",
                                  now=NOW + 8 * DAY)
    assert (case.satisfaction, case.status, case.rated_by_petitioner) == ("satisfied", Case.Status.EVALUATED, False)
    calls = list(answered.events.filter(action=CaseEvent.Action.CALLBACK).values_list("data", flat=True))
    assert [c["reached"] for c in calls] == [False, True]
    assert answered.events.get(action=CaseEvent.Action.EVALUATE).data["callback"] is True  # no flag: satisfaction with a 回访
    assert not selectors.callback_queue(intake, today=TODAY + 9 * DAY).exists()


def test_a_dissatisfied_case_waits_for_a_call_after_its_rating(client, answered, intake):
    services.case_evaluate(actor=intake, case_id=answered.pk, satisfaction="dissatisfied")
    assert list(selectors.callback_queue(intake, today=TODAY)) == [answered]
    client.force_login(intake)
    page = client.get(reverse("grievances:callbacks")).content.decode()
    assert "不满意" in page and answered.number in page and "138****5678" in page and "13812345678" not in page
    response = client.post(reverse("grievances:callbacks"), {"case": answered.pk, "reached": "on", "note": "解释了复查途径"}, follow=True)
    assert response.redirect_chain and not response.context["page"].object_list


def test_only_the_petition_office_records_calls_and_another_townships_staff_see_none(client, answered, leader, other_supervisor):
    with pytest.raises(services.PermissionDenied):
        services.case_callback(actor=leader, case_id=answered.pk, reached=True, note="x", now=NOW + 7 * DAY)
    assert not selectors.callback_queue(other_supervisor, today=TODAY + 30 * DAY).exists()
    client.force_login(other_supervisor)
    assert client.post(reverse("grievances:callbacks"), {"case": answered.pk, "note": "x"}).status_code == 404


def test_a_call_needs_a_note_and_a_rating_needs_the_petitioner_reached(answered, intake):
    with pytest.raises(services.ValidationError):
        services.case_callback(actor=intake, case_id=answered.pk, reached=True, note=" ", now=NOW + 7 * DAY)
    with pytest.raises(services.ValidationError):
        services.case_callback(actor=intake, case_id=answered.pk, reached=False, satisfaction="satisfied", note="x",
                               now=NOW + 7 * DAY + datetime.timedelta(hours=1))
