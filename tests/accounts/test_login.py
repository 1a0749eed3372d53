import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD, HouseholdFactory


def test_the_login_page_is_in_chinese(client, db):
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "用户名" in html and "密码" in html


def test_a_browser_asking_for_english_still_gets_chinese(client, db):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "用户名" in page.content.decode()


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"


def test_a_wrong_password_gets_a_clear_chinese_message(client, cadre):
    page = client.post(reverse("accounts:login"), {"username": cadre.username, "password": "wrong-password"})
    assert page.status_code == 200
    assert "用户名或密码错误" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_disabled_account_cannot_log_in(client, cadre):
    cadre.is_active = False
    cadre.save()
    page = client.post(reverse("accounts:login"), {"username": cadre.username, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "用户名或密码错误" in page.content.decode()


def test_logging_in_lands_a_cadre_on_my_work_and_others_on_the_home_page(client, cadre, supervisor):
    response = client.post(reverse("accounts:login"), {"username": cadre.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("work:home")  # 签到 and 记录走访 first: no tap through the home page
    home = client.get(reverse("dashboards:home"))
    assert "李干部" in home.content.decode()
    client.post(reverse("accounts:logout"))
    response = client.post(reverse("accounts:login"), {"username": supervisor.username, "password": TEST_PASSWORD})
    assert response["Location"] == reverse("dashboards:home")


def test_logging_out_needs_a_post_and_ends_the_session(client, cadre):
    client.force_login(cadre)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboards:home")).status_code == 302


def test_home_refuses_other_methods(client, cadre):
    client.force_login(cadre)
    assert client.post(reverse("dashboards:home")).status_code == 405


def test_the_cadre_home_shows_the_village_work_section(client, cadre):
    client.force_login(cadre)
    html = client.get(reverse("dashboards:home")).content.decode()
    assert 'data-testid="cadre-section"' in html
    assert "下派干部" in html
    assert 'data-testid="jurisdiction-section"' not in html
    assert "/admin/" not in html


def test_case_workers_see_their_case_section(client, handler, leader):
    for user in (handler, leader):
        client.force_login(user)
        html = client.get(reverse("dashboards:home")).content.decode()
        assert 'data-testid="case-section"' in html
        assert 'data-testid="cadre-section"' not in html


def test_the_supervisor_home_counts_only_their_township(client, supervisor, regions, django_assert_max_num_queries):
    HouseholdFactory.create_batch(3, village=regions["village_a"])
    HouseholdFactory.create_batch(7, village=regions["village_b"])
    client.force_login(supervisor)

    with django_assert_max_num_queries(11):  # session, user, roles, bell, counts, campaigns
        page = client.get(reverse("dashboards:home"))

    counts = page.context["counts"]
    assert (counts.townships, counts.villages, counts.households) == (1, 1, 3)
    assert 'data-testid="count-households">3<' in page.content.decode()


def test_the_supervisor_home_query_count_does_not_grow_with_data(client, supervisor, regions, django_assert_max_num_queries):
    HouseholdFactory.create_batch(200, village=regions["village_a"])
    client.force_login(supervisor)
    with django_assert_max_num_queries(11):  # session, user, roles, bell, counts, campaigns
        client.get(reverse("dashboards:home"))


def test_the_admin_home_reports_whether_celery_runs(client, campaign_admin):
    client.force_login(campaign_admin)
    html = client.get(reverse("dashboards:home")).content.decode()
    assert 'data-testid="system-section"' in html
    assert "/admin/" in html  # staff get the administration entry


@pytest.mark.parametrize("fixture", ["cadre", "handler", "leader", "supervisor", "campaign_admin", "outsider"])
def test_every_role_reaches_a_home_page(client, request, fixture):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    page = client.get(reverse("dashboards:home"))
    assert page.status_code == 200
    assert user.real_name in page.content.decode()


@pytest.mark.django_db
def test_the_nightly_task_removes_expired_sessions_and_keeps_live_ones(client, cadre):
    import datetime

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.tasks import clear_expired_sessions

    client.force_login(cadre)
    live = Session.objects.get()
    Session.objects.create(session_key="expired" * 4, session_data="", expire_date=timezone.now() - datetime.timedelta(minutes=1))

    clear_expired_sessions()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
