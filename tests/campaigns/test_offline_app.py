"""The cadre app's manifest and service worker (campaigns/views/app.py); the browser test drives them offline."""

import datetime
import io
import uuid
from urllib.parse import urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEntry
from campaigns import services
from campaigns.models import CheckIn, Household, HouseholdEdit, Pairing, Visit
from grievances.models import Case
from tests.clock import DAY, NOW

from .test_fieldwork_pages import households, posted, visit_post  # noqa: F401 - fixtures


def test_the_worker_and_manifest_are_served_to_anyone_and_hold_no_data(client):
    worker = client.get(reverse("work:service-worker"))
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert "no-cache" in worker["Cache-Control"]  # the browser checks for a new worker on every visit
    body = worker.content.decode()
    assert 'const SCOPE = "/work/"' in body and '"/static/js/offline.' in body  # the shell, by its hashed names
    manifest = client.get(reverse("work:manifest")).json()
    assert manifest["name"] == "干部下基层" and manifest["start_url"] == "/work/" and manifest["display"] == "standalone"


def test_only_a_cadres_work_pages_register_the_worker(client, cadre, supervisor):
    client.force_login(cadre)
    assert b"data-service-worker=" in client.get(reverse("work:home")).content
    assert b"data-service-worker=" not in client.get(reverse("dashboards:home")).content
    client.force_login(supervisor)
    assert b"data-service-worker=" not in client.get(reverse("dashboards:home")).content


def test_logging_out_tells_the_browser_to_forget_what_it_kept(client, cadre):
    client.force_login(cadre)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Clear-Site-Data"] == '"cache", "storage"'


def test_logging_out_of_a_phone_holding_another_cadres_unsent_entries_keeps_the_stores(client, cadre):
    client.force_login(cadre)
    response = client.post(reverse("accounts:logout"), {"keep_others": "1"})  # the outbox deleted this cadre's own
    assert response["Clear-Site-Data"] == '"cache"' and not client.get(reverse("work:home")).wsgi_request.user.is_authenticated


def test_the_outbox_gets_json_a_resend_records_nothing_twice_and_a_refusal_says_why(client, posted, households):  # noqa: F811 - fixtures

    client.force_login(posted)
    session = client.get(reverse("work:outbox-session")).json()
    assert session["user"] == posted.pk and session["token"]
    entry = visit_post(households[0])
    sent = client.post(reverse("work:visit-new"), entry, headers={"X-Outbox": "sync"})
    assert sent.status_code == 201 and sent.json()["url"] == reverse("work:visit", args=[Visit.objects.get().pk])
    again = client.post(reverse("work:visit-new"), entry, headers={"X-Outbox": "sync"})  # the phone did not hear the answer
    assert again.status_code == 201 and again.json() == sent.json()
    assert Visit.objects.count() == 1 and Case.objects.count() == 2
    refused = client.post(reverse("work:visit-new"), visit_post(households[0], diary=""), headers={"X-Outbox": "sync"})
    assert refused.status_code == 422 and any(reason.startswith("民情日记：") for reason in refused.json()["errors"])
    assert Visit.objects.count() == 1


def test_an_outbox_entry_of_a_signed_out_phone_is_not_taken(client, posted, households):  # noqa: F811 - fixtures

    response = client.post(reverse("work:visit-new"), visit_post(households[0]), headers={"X-Outbox": "sync"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]  # kept on the phone
    assert client.get(reverse("work:outbox-session")).status_code == 302
    assert not Visit.objects.exists()


def _phone_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")  # as the phone's Date.toISOString()


def test_a_visit_kept_offline_keeps_the_phones_time_and_the_late_entry_rule_counts_from_it(client, posted, households):  # noqa: F811 - fixtures
    client.force_login(posted)
    entered = NOW - DAY  # written yesterday without signal (about the day before), uploaded now
    entry = visit_post(households[0], visited_on=(entered - DAY).date().isoformat(), phone_recorded_at=_phone_time(entered))
    assert client.post(reverse("work:visit-new"), entry, headers={"X-Outbox": "sync"}).status_code == 201
    visit = Visit.objects.get()
    assert visit.phone_recorded_at == entered and visit.synced_at == visit.recorded_at > entered and visit.days_late == 1
    page = client.get(reverse("work:visit", args=[visit.pk])).content.decode()
    assert f"离线录入，于 {timezone.localtime(visit.recorded_at):%m-%d %H:%M} 同步" in page
    assert "离线录入" in client.get(reverse("work:diary")).content.decode()
    assert "离线录入" in client.get(reverse("work:diary-print")).content.decode()


def test_a_supervisors_list_of_visits_says_which_were_entered_offline(client, posted, households, supervisor):  # noqa: F811 - fixtures
    client.force_login(posted)
    entered = NOW - DAY
    client.post(reverse("work:visit-new"), visit_post(households[0], visited_on=entered.date().isoformat(), phone_recorded_at=_phone_time(entered)),
                headers={"X-Outbox": "sync"})
    client.post(reverse("work:visit-new"), visit_post(households[1]), headers={"X-Outbox": "form"})  # sent as it was written
    client.force_login(supervisor)
    campaign = Visit.objects.first().assignment.target_village.campaign
    query = {"campaign": campaign.pk, "date_from": (NOW - 2 * DAY).date().isoformat()}
    page = client.get(reverse("dashboards:campaign-visits"), query).content.decode()
    assert page.count("<tr>") == 3 and page.count("离线录入") == 1

    export = reverse("dashboards:campaign-visits-export") + "?" + urlencode(query)
    assert "export-purpose" in client.get(export).content.decode()  # households' names: a stated purpose first
    response = client.post(export, {"purpose": "inspection"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    offline = {row[4]: row[-2] for row in rows[1:]}
    assert len(rows) == 3 and rows[0][-4:] == ("录入时间", "接收时间", "离线录入", "距村距离（米）")
    assert offline[households[1].head_name] is None
    assert offline[households[0].head_name] == f"离线录入，于 {timezone.localtime(NOW):%Y-%m-%d %H:%M} 同步"
    assert AuditEntry.objects.get(action="export").details["purpose"].startswith("督查")


def test_phone_times_in_the_future_or_older_than_the_rule_are_refused_with_the_reason(client, posted, households):  # noqa: F811 - fixtures
    client.force_login(posted)
    future = client.post(reverse("work:visit-new"), visit_post(households[0], phone_recorded_at=_phone_time(NOW + datetime.timedelta(hours=2))),
                         headers={"X-Outbox": "sync"})
    assert future.status_code == 422 and "晚于现在" in future.json()["errors"][0]
    old = NOW - 4 * DAY
    stale = client.post(reverse("work:visit-new"), visit_post(households[0], visited_on=old.date().isoformat(), phone_recorded_at=_phone_time(old)),
                        headers={"X-Outbox": "sync"})
    assert stale.status_code == 422 and "超过 3 天" in stale.json()["errors"][0]
    assert not Visit.objects.exists()


def test_a_check_in_kept_offline_counts_for_the_phones_day_and_a_resend_is_harmless(client, posted):  # noqa: F811 - fixtures
    client.force_login(posted)
    yesterday = NOW - DAY
    entry = {"phone_recorded_at": _phone_time(yesterday), "latitude": "30.1", "longitude": "120.2"}
    for _attempt in range(2):
        answer = client.post(reverse("work:check-in"), entry, headers={"X-Outbox": "sync"})
        assert answer.status_code == 201 and answer.json()["url"] == reverse("work:home")
    check = CheckIn.objects.get()
    assert check.day == timezone.localtime(yesterday).date() and check.phone_recorded_at == yesterday and check.synced_at == check.checked_at


def _household_post(household, **changes):
    data = {"number": household.number, "head_name": household.head_name, "members": household.members, "address": household.address,
            "family_situation": household.family_situation, "state_of_mind": "", "hardship_cause": "", "help_needed": "",
            "version": household.version, "client_id": str(uuid.uuid4()), "id_number": "", "phone": ""}
    return {**data, **changes}


def test_a_household_edit_kept_offline_is_saved_once_on_the_version_it_was_made_on(client, posted, households):  # noqa: F811 - fixtures
    client.force_login(posted)
    household = households[0]
    entry = _household_post(household, help_needed="需要化肥")
    url = reverse("work:household-edit", args=[household.pk])
    for _attempt in range(2):
        answer = client.post(url, entry, headers={"X-Outbox": "sync"})
        assert answer.status_code == 201 and answer.json()["url"] == reverse("work:household", args=[household.pk])
    household.refresh_from_db()
    assert (household.help_needed, household.version, household.phone) == ("需要化肥", 2, "13812345678")  # the phone was not sent: kept
    assert HouseholdEdit.objects.get().state == HouseholdEdit.State.APPLIED


def test_a_household_changed_meanwhile_keeps_the_servers_values_and_shows_both_to_choose(client, posted, households, campaign_admin):  # noqa: F811 - fixtures
    client.force_login(posted)
    household = households[0]
    entry = _household_post(household, help_needed="需要化肥", address="新地址 3 号")  # made offline on version 1
    services.household_save(actor=campaign_admin, village_code=household.village_id, household_id=household.pk,
                            data={"help_needed": "需要种子"})  # someone else, online, meanwhile
    answer = client.post(reverse("work:household-edit", args=[household.pk]), entry, headers={"X-Outbox": "sync"})
    edit = HouseholdEdit.objects.get()
    assert answer.status_code == 201 and answer.json()["url"] == reverse("work:household-conflict", args=[household.pk, edit.pk])
    household.refresh_from_db()
    assert (household.help_needed, household.address) == ("需要种子", households[0].address)  # nothing overwritten
    assert edit.state == HouseholdEdit.State.CONFLICT and set(edit.phone_values) == {"help_needed", "address"}
    assert "新地址 3 号" not in client.get(reverse("work:household", args=[household.pk])).content.decode()
    assert "请比较后选择" in client.get(reverse("work:household", args=[household.pk])).content.decode()
    page = client.get(answer.json()["url"]).content.decode()
    assert "需要种子" in page and "需要化肥" in page and "新地址 3 号" in page
    chosen = client.post(answer.json()["url"], {"help_needed": "phone", "address": "server"})
    assert chosen.status_code == 302
    household.refresh_from_db()
    assert (household.help_needed, household.address) == ("需要化肥", households[0].address)
    assert HouseholdEdit.objects.get().state == HouseholdEdit.State.RESOLVED
    assert client.post(reverse("work:household-edit", args=[household.pk]), entry, headers={"X-Outbox": "sync"}).status_code == 201  # resent: nothing
    household.refresh_from_db()
    assert household.address == households[0].address


def test_an_online_edit_of_an_older_version_is_refused_rather_than_saved_over_a_newer(client, posted, households, campaign_admin):  # noqa: F811 - fixtures
    client.force_login(posted)
    household = households[0]
    stale = _household_post(household, help_needed="需要化肥")
    services.household_save(actor=campaign_admin, village_code=household.village_id, household_id=household.pk, data={"help_needed": "需要种子"})
    page = client.post(reverse("work:household-edit", args=[household.pk]), stale)
    assert page.status_code == 200 and "在您打开此页后" in page.content.decode()
    assert Household.objects.get(pk=household.pk).help_needed == "需要种子"
    shown = page.context["form"]
    assert shown["help_needed"].value() == "需要化肥" and shown["version"].value() == 2  # what was typed, on the version there is now
    again = client.post(reverse("work:household-edit", args=[household.pk]), {**stale, "version": 2})
    assert again.status_code == 302 and Household.objects.get(pk=household.pk).help_needed == "需要化肥"


def test_pairing_and_a_refused_entry_from_the_outbox_answer_in_json(client, posted, households, campaign_admin):  # noqa: F811 - fixtures
    client.force_login(posted)
    paired = client.post(reverse("work:pair", args=[households[1].pk]), {"needs": "技术指导"}, headers={"X-Outbox": "sync"})
    assert paired.status_code == 201 and Pairing.objects.get().needs == "技术指导"
    posted.assignments.update(end_date=(NOW - DAY).date())  # taken off the team while the phone was offline
    refused = client.post(reverse("work:check-in"), {}, headers={"X-Outbox": "sync"})
    assert refused.status_code == 422 and refused.json()["errors"] == ["您今天没有驻村任务，无需签到。"]


def test_the_village_bundle_holds_every_household_of_todays_village_masked_with_its_latest_visits(
        client, posted, households, regions, django_assert_max_num_queries):  # noqa: F811 - fixtures
    households[0].set_id_number("430102199001011234")
    households[0].save()
    elsewhere = Household.objects.create(village=regions["village_b"], number="9", head_name="外村户主")
    client.force_login(posted)
    for diary in ["第一次走访的民情日记。", "第二次走访：水渠已清。"]:
        assert client.post(reverse("work:visit-new"), visit_post(households[0], diary=diary), headers={"X-Outbox": "sync"}).status_code == 201
    with django_assert_max_num_queries(15):  # the same for 3 households or 600: see the next test
        response = client.get(reverse("work:village-bundle"))
    assert response["Cache-Control"] == "private, no-cache" and response["ETag"]
    body = response.content.decode()
    assert "13812345678" not in body and "430102199001011234" not in body  # masked only
    bundle = response.json()
    assert bundle["village"] == regions["village_a"].name
    assert sorted(h["id"] for h in bundle["households"]) == sorted(h.pk for h in households)  # not the other village's
    assert elsewhere.pk not in {h["id"] for h in bundle["households"]}
    first = next(h for h in bundle["households"] if h["id"] == households[0].pk)
    assert first["phone"] == "138****5678" and first["id_number"].startswith("4301") and "*" in first["id_number"]
    assert [v["diary"] for v in first["visits"]] == ["第二次走访：水渠已清。", "第一次走访的民情日记。"]  # latest first
    assert first["recent"] == 0 and "number" in bundle["editable"] and "phone" not in bundle["editable"]


def test_the_bundle_costs_the_same_queries_whatever_the_size_of_the_village(client, posted, households, regions):  # noqa: F811 - fixtures
    client.force_login(posted)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("work:village-bundle"))
    for number in range(40):
        household = Household.objects.create(village=regions["village_a"], number=f"{100 + number}", head_name=f"户主{number}")
        client.post(reverse("work:visit-new"), visit_post(household), headers={"X-Outbox": "sync"})
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(reverse("work:village-bundle")).json()["households"]) == 43
    assert len(large) == len(small)


def test_the_phone_asks_again_for_the_bundle_and_gets_a_few_bytes_until_something_changed(client, posted, households):  # noqa: F811 - fixtures
    client.force_login(posted)
    first = client.get(reverse("work:village-bundle"))
    unchanged = client.get(reverse("work:village-bundle"), headers={"If-None-Match": first["ETag"]})
    assert unchanged.status_code == 304 and not unchanged.content
    households[1].address = "大坪村5组"
    households[1].save()
    changed = client.get(reverse("work:village-bundle"), headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert any(h["address"] == "大坪村5组" for h in changed.json()["households"])
    client.post(reverse("work:visit-new"), visit_post(households[2]), headers={"X-Outbox": "sync"})
    assert client.get(reverse("work:village-bundle"), headers={"If-None-Match": changed["ETag"]}).status_code == 200


def test_no_bundle_without_a_village_today_and_the_worker_shows_kept_pages_for_pages_not_kept(client, cadre, posted):  # noqa: F811 - fixtures
    client.force_login(cadre)
    body = client.get(reverse("work:service-worker")).content.decode()
    assert 'new RegExp("^/work/households/' in body and '"/work/households/offline/"' in body and '"/work/households/new/"' in body
    page = client.get(reverse("work:household-offline")).content.decode()
    assert "data-village-offline" in page and "/static/js/village." in page
    assert '"/work/village.json"' in client.get(reverse("work:home")).context["offline_app"]["pages"]
    posted.assignments.all().delete()
    assert client.get(reverse("work:village-bundle")).status_code == 404
