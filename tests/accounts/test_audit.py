"""The audit trail: what is recorded, that it cannot be changed, searching, exporting and pruning."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import audit
from accounts.models import AuditEntry
from accounts.roles import Role
from campaigns import services as campaign_services
from tests.factories import (
    TEST_PASSWORD,
    CampaignFactory,
    HouseholdFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"

Action = AuditEntry.Action


def last(action):
    return AuditEntry.objects.filter(action=action).order_by("-id").first()


def test_logins_failed_logins_and_logouts_are_recorded_with_the_address(client, cadre):
    client.post(reverse("accounts:login"), {"username": cadre.username, "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    failed = last(Action.LOGIN_FAILED)
    assert (failed.actor, failed.actor_name, failed.address) == (cadre, cadre.username, "10.1.2.3")
    client.post(reverse("accounts:login"), {"username": "Secret-typed-here-1", "password": "x"}, REMOTE_ADDR="10.1.2.3")
    typo = last(Action.LOGIN_FAILED)
    assert typo.actor is None and "Secret" not in typo.actor_name + typo.summary  # what was typed is not kept
    client.post(reverse("accounts:login"), {"username": cadre.username, "password": TEST_PASSWORD}, REMOTE_ADDR="10.1.2.3")
    assert (last(Action.LOGIN).actor, last(Action.LOGIN).address) == (cadre, "10.1.2.3")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.1.2.3")
    assert last(Action.LOGOUT).actor == cadre


def test_a_full_view_of_an_id_number_is_recorded(client, supervisor, regions):
    supervisor.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
    household = HouseholdFactory.build(village=regions["village_a"])
    household.set_id_number(ID_NUMBER)
    household.save()
    client.force_login(supervisor)
    client.post(reverse("work:household", args=[household.pk]), {"field": "id_number"}, REMOTE_ADDR="10.9.9.9")
    entry = last(Action.PERSONAL_DATA)
    assert (entry.actor, entry.object_id, entry.address, entry.details["field"]) == (supervisor, str(household.pk), "10.9.9.9", "id_number")
    assert ID_NUMBER not in entry.summary + str(entry.details)  # the log never holds the number itself


def test_an_export_is_recorded_with_its_row_count(client, county_supervisor, regions):
    client.force_login(county_supervisor)
    client.get(reverse("dashboards:cases") + "?export=regions")
    entry = last(Action.EXPORT)
    assert entry.actor == county_supervisor and entry.details["rows"] == 3 and entry.summary.endswith(".xlsx")  # two townships + total


def test_case_moves_campaign_changes_roles_and_jurisdictions_are_recorded(campaign_admin, cadre, regions):
    from grievances import services as case_services

    office = UserFactory(unit=cadre.unit, roles=[Role.HANDLER])
    case = case_services.case_register(actor=office, type="livelihood", source="phone", summary="路灯坏了", petitioner_name="王建国",
                                       village_id=regions["village_a"].code)
    assert last(Action.CASE).summary.startswith(f"{case.number} register")
    campaign = CampaignFactory(organiser_region=regions["county"])
    campaign_services.campaign_update(actor=campaign_admin, campaign_id=campaign.pk, data={"theme": "新的主题"})
    assert (last(Action.CAMPAIGN).actor, last(Action.CAMPAIGN).object_id) == (campaign_admin, str(campaign.pk))
    cadre.jurisdiction = regions["township_b"]
    cadre.save()
    entry = last(Action.JURISDICTION)
    assert entry.object_id == str(cadre.pk) and entry.details["changes"]["jurisdiction_id"] == [None, regions["township_b"].code]
    from django.contrib.auth.models import Group

    cadre.groups.add(Group.objects.get(name=Role.SUPERVISOR.value))
    assert last(Action.ROLES).details == {"change": "add", "roles": [Role.SUPERVISOR.value]}


def test_changes_in_the_admin_are_recorded(client, campaign_admin):
    from dashboards.models import RankingWeight

    client.force_login(campaign_admin)
    url = reverse("admin:dashboards_rankingweight_change", args=["coverage"])
    client.post(url, {"indicator": "coverage", "weight": "55", "minimum": "10"})
    assert RankingWeight.objects.get(indicator="coverage").weight == 55
    entry = last(Action.CONFIGURATION)
    assert entry.actor == campaign_admin and "走访覆盖率" in entry.summary


def test_entries_cannot_be_changed_or_deleted_before_the_retention(cadre):
    entry = audit.record(Action.LOGIN, actor=cadre)
    entry.summary = "篡改"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    # Not even with SQL: the PostgreSQL triggers refuse.
    for sql in (f"UPDATE accounts_auditentry SET summary = 'x' WHERE id = {entry.pk}", f"DELETE FROM accounts_auditentry WHERE id = {entry.pk}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).summary == ""


@pytest.mark.wall_clock  # the append-only trigger compares with PostgreSQL's own clock, which no test can move
def test_pruning_removes_only_entries_past_the_retention(cadre, settings):
    settings.AUDIT_RETENTION_DAYS = 200
    old = AuditEntry.objects.create(action=Action.LOGIN, actor=cadre, at=timezone.now() - datetime.timedelta(days=201))
    kept = AuditEntry.objects.create(action=Action.LOGIN, actor=cadre, at=timezone.now() - datetime.timedelta(days=190))
    assert audit.prune() == 1
    assert AuditEntry.objects.filter(pk=old.pk).count() == 0 and AuditEntry.objects.filter(pk=kept.pk).exists()
    # Past a (misconfigured) retention of 30 days but under the legal minimum of 180: the trigger refuses.
    AuditEntry.objects.create(action=Action.LOGIN, actor=cadre, at=timezone.now() - datetime.timedelta(days=100))
    settings.AUDIT_RETENTION_DAYS = 30
    with pytest.raises(DatabaseError), transaction.atomic():
        audit.prune()


def test_roles_given_from_the_roles_side_are_recorded_too(cadre):
    from django.contrib.auth.models import Group

    Group.objects.get(name=Role.SUPERVISOR.value).user_set.add(cadre)  # as the roster import does
    entry = last(Action.ROLES)
    assert entry.object_id == str(cadre.pk) and entry.details == {"change": "add", "roles": [Role.SUPERVISOR.value]}


def test_system_administrators_search_and_export_it_others_cannot(client, cadre, campaign_admin):
    audit.record(Action.LOGIN, actor=cadre, address="10.7.7.7")
    root = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(root)
    page = client.get(reverse("admin:accounts_auditentry_changelist") + "?q=10.7.7.7")
    assert page.status_code == 200 and cadre.username in page.content.decode()
    ids = [str(e.pk) for e in AuditEntry.objects.all()]
    response = client.post(reverse("admin:accounts_auditentry_changelist"), {"action": "export", "_selected_action": ids})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == len(ids) + 1 and any(r[2] == "10.7.7.7" for r in rows)
    client.force_login(campaign_admin)
    assert client.get(reverse("admin:accounts_auditentry_changelist")).status_code == 403


def test_a_personal_data_export_asks_its_purpose_and_the_trail_keeps_it(client, intake_like_handler, regions):
    client.force_login(intake_like_handler)
    asked = client.get(reverse("grievances:export"), {"tab": "all"})
    assert asked.status_code == 200 and "导出目的" in asked.content.decode()
    assert client.get(reverse("grievances:export"), {"tab": "all", "purpose": "report"})["Content-Type"].startswith("text/html")  # not by a link
    vague = client.post(reverse("grievances:export") + "?tab=all", {"purpose": "other"})
    assert vague.context["form"].errors["detail"]
    done = client.post(reverse("grievances:export") + "?tab=all", {"purpose": "other", "detail": "向市信访局报送月报"})
    assert done["Content-Type"].startswith("application/vnd.openxmlformats")
    assert last(Action.EXPORT).details["purpose"] == "其他（请说明）：向市信访局报送月报"
    assert last(Action.EXPORT).details["filters"] == {"tab": "all"}


def test_without_the_permission_personal_data_is_not_exported(client, cadre):
    client.force_login(cadre)
    assert client.post(reverse("grievances:export"), {"purpose": "report"}).status_code == 403


@pytest.fixture
def intake_like_handler(unit_a):
    return UserFactory(real_name="何经办", unit=unit_a, roles=[Role.HANDLER])


def test_a_roster_import_is_recorded_with_its_uploader(campaign_admin, regions, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaigns.models import ImportJob
    from campaigns.services.import_jobs import run_import

    csv = "区划代码,名称\n431299100202,新村\n".encode()
    job = campaign_services.roster_import_start(actor=campaign_admin, kind=ImportJob.Kind.REGIONS, upload=SimpleUploadedFile("村.csv", csv))
    run_import(job.pk)
    job.refresh_from_db()
    entry = last(Action.IMPORT)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert (entry.actor, entry.object_id, entry.details["created"]) == (campaign_admin, str(job.pk), 1)


def test_the_applications_database_role_cannot_get_round_the_append_only_trigger(app_role):
    import psycopg

    name, url = app_role
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as app:
        app.execute("SELECT count(*) FROM accounts_auditentry")  # it reads and writes rows as usual
        for statement in ("ALTER TABLE accounts_auditentry DISABLE TRIGGER ALL", "TRUNCATE accounts_auditentry",
                          "DROP TABLE accounts_auditentry"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
