"""销号 and 不予受理 are final: the case page leads to a page that asks first, and only its POST moves the case."""

import pytest
from django.urls import reverse

from grievances import services
from grievances.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(assigned, intake, handler):
    services.case_start(actor=handler, case_id=assigned.pk)
    services.case_resolve(actor=handler, case_id=assigned.pk, outcome="solved", reply="已修好")
    return services.case_evaluate(actor=intake, case_id=assigned.pk, satisfaction="satisfied")


def state(case):
    case = Case.objects.get(pk=case.pk)
    return case.status, case.events.count()


def test_the_case_page_offers_closing_only_through_the_confirmation(client, evaluated, leader):
    client.force_login(leader)
    html = client.get(reverse("grievances:detail", args=[evaluated.pk])).content.decode()
    assert reverse("grievances:confirm-move", args=[evaluated.pk, "close"]) in html
    assert f'action="{reverse("grievances:move", args=[evaluated.pk, "close"])}"' not in html  # no one-click form
    assert f'action="{reverse("grievances:move", args=[evaluated.pk, "reopen"])}"' in html  # other moves keep theirs


def test_the_confirmation_page_asks_and_writes_nothing(client, evaluated, leader, django_assert_max_num_queries):
    client.force_login(leader)
    before = state(evaluated)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("grievances:confirm-move", args=[evaluated.pk, "close"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "确定要销号吗？" in html and "销号后" in html and "确认销号" in html
    assert f'href="{reverse("grievances:detail", args=[evaluated.pk])}"' in html  # 取消 leads back
    assert state(evaluated) == before


def test_confirming_closes_the_case(client, evaluated, leader):
    client.force_login(leader)
    page = client.post(reverse("grievances:move", args=[evaluated.pk, "close"]), {"close-note": "已化解"}, follow=True)
    assert "已完成：销号" in page.content.decode()
    assert Case.objects.get(pk=evaluated.pk).status == Case.Status.CLOSED


def test_not_accepting_asks_first_and_a_missing_reason_is_asked_again_there(client, case, intake):
    client.force_login(intake)
    html = client.get(reverse("grievances:confirm-move", args=[case.pk, "reject"])).content.decode()
    assert "确定要不予受理吗？" in html and "确认不予受理" in html
    before = state(case)
    page = client.post(reverse("grievances:move", args=[case.pk, "reject"]), {"reject-reason": ""})
    assert page.status_code == 200 and "确定要不予受理吗？" in page.content.decode()
    assert state(case) == before
    client.post(reverse("grievances:move", args=[case.pk, "reject"]), {"reject-reason": "不属于信访事项"})
    assert Case.objects.get(pk=case.pk).status == Case.Status.REJECTED


def test_the_confirmation_of_a_move_the_case_does_not_allow_goes_back_with_the_reason(client, assigned, leader):
    client.force_login(leader)
    page = client.get(reverse("grievances:confirm-move", args=[assigned.pk, "close"]), follow=True)
    assert page.redirect_chain[-1][0] == reverse("grievances:detail", args=[assigned.pk])
    assert "不能“销号”" in page.content.decode()


def test_the_confirmation_refuses_other_people_moves_and_methods(client, evaluated, handler, leader, unit_b):
    from accounts.roles import Role
    from tests.factories import UserFactory

    client.force_login(handler)
    assert client.get(reverse("grievances:confirm-move", args=[evaluated.pk, "close"])).status_code == 403
    client.force_login(leader)
    assert client.get(reverse("grievances:confirm-move", args=[evaluated.pk, "reopen"])).status_code == 404  # not a final move
    assert client.get(reverse("grievances:confirm-move", args=[evaluated.pk, "nonsense"])).status_code == 404
    assert client.post(reverse("grievances:confirm-move", args=[evaluated.pk, "close"])).status_code == 405
    client.force_login(UserFactory(unit=unit_b, roles=[Role.LEADER]))
    assert client.get(reverse("grievances:confirm-move", args=[evaluated.pk, "close"])).status_code == 404
    assert Case.objects.get(pk=evaluated.pk).status == Case.Status.EVALUATED
