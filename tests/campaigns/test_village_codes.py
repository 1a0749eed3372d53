"""The 村代码 the roster templates ask for: shown wherever villages are picked, and a downloadable list of
the villages of the admin's jurisdiction (campaigns:village-codes)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEntry
from accounts.roles import Role
from campaigns.models import TargetVillage
from tests.clock import DAY, TODAY
from tests.factories import CampaignFactory, UserFactory, region

HEADER = ("村代码", "村（社区）", "乡镇代码", "乡镇")


@pytest.fixture
def villages(regions):
    """Township A holds 大坪村 and 石门村, township B holds 小溪村; another county holds 远山村."""
    return {
        "a": [regions["village_a"], region("431299100202", "石门村")],
        "b": [regions["village_b"]],
        "elsewhere": [region("431202100201", "远山村")],
    }


@pytest.fixture
def township_admin(regions, unit_a):
    return UserFactory(real_name="甲管理", unit=unit_a, jurisdiction=regions["township_a"], is_staff=True, roles=[Role.CAMPAIGN_ADMIN])


def downloaded_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = sheet.iter_rows(values_only=True)
    assert header == HEADER
    return rows


def test_the_village_list_holds_exactly_the_villages_of_the_admins_jurisdiction(client, township_admin, villages, regions):
    client.force_login(township_admin)
    rows = downloaded_rows(client.get(reverse("campaigns:village-codes")))
    assert rows == [
        ("431299100201", "大坪村", "431299100000", "城关镇"),
        ("431299100202", "石门村", "431299100000", "城关镇"),
    ]
    # Recorded in the audit trail as an export, with its row count.
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).latest("pk")
    assert entry.actor == township_admin and entry.details["rows"] == 2


def test_a_county_admin_gets_every_village_of_the_county_and_none_outside(client, campaign_admin, villages):
    client.force_login(campaign_admin)
    rows = downloaded_rows(client.get(reverse("campaigns:village-codes")))
    assert [row[0] for row in rows] == ["431299100201", "431299100202", "431299101201"]
    assert "远山村" not in {row[1] for row in rows}
    assert {row[3] for row in rows} == {"城关镇", "河西镇"}


def test_the_village_list_takes_a_fixed_number_of_queries(client, campaign_admin, villages, django_assert_max_num_queries):
    client.force_login(campaign_admin)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("campaigns:village-codes"))
    for n in range(30):
        region(f"431299101{n + 210:03d}", f"新村{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = downloaded_rows(client.get(reverse("campaigns:village-codes")))
    assert len(rows) == 33


def test_the_village_list_is_for_those_who_import_rosters(client, supervisor, villages):
    client.force_login(supervisor)
    assert client.get(reverse("campaigns:village-codes")).status_code == 403


def test_the_village_list_answers_get_only(client, campaign_admin, villages):
    client.force_login(campaign_admin)
    assert client.post(reverse("campaigns:village-codes")).status_code == 405


def test_the_import_page_links_the_village_list_beside_the_templates(client, campaign_admin):
    client.force_login(campaign_admin)
    url = reverse("campaigns:village-codes")
    assert f'href="{url}"' in client.get(reverse("campaigns:imports")).content.decode()
    assert f'href="{url}"' in client.get(reverse("campaigns:import-new")).content.decode()


def test_every_page_where_villages_are_picked_shows_their_codes(client, campaign_admin, villages, regions):
    campaign = CampaignFactory(name="冬季三同四民", organiser_region=regions["county"], start_date=TODAY + DAY, end_date=TODAY + 7 * DAY)
    target = TargetVillage.objects.create(campaign=campaign, village=regions["village_a"])
    client.force_login(campaign_admin)
    picker = client.get(reverse("campaigns:villages-add", args=[campaign.pk])).content.decode()
    for village in [*villages["a"], *villages["b"]]:
        assert village.code in picker
    assert "431202100201" not in picker
    detail = client.get(campaign.get_absolute_url()).content.decode()
    assert "<th>村代码</th>" in detail and "431299100201" in detail
    assert "431299100201" in client.get(target.get_absolute_url()).content.decode()
