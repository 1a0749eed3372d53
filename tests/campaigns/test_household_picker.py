"""The visit form's household picker: the form lists a page of the village (paired, recent, the chosen one),
a JSON endpoint searches the rest with masked data only, and a posted choice is checked against every
household the cadre may see — whatever the page offered."""

import re
import uuid

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import Campaign, Household, Visit
from tests.clock import DAY, TODAY
from tests.factories import CampaignFactory, HouseholdFactory

from .conftest import assign, visit
from .roster_files import id_number


@pytest.fixture
def posted(campaign_admin, regions, cadre):
    campaign = CampaignFactory(name="本周活动", organiser_region=regions["county"], status=Campaign.Status.ACTIVE,
                               start_date=TODAY - 2 * DAY, end_date=TODAY + 4 * DAY)
    assign(campaign_admin, campaign.target_villages.create(village=regions["village_a"]), cadre)
    return cadre


def village(regions, size: int, start: int = 1, key: str = "village_a") -> list[Household]:
    """`size` households numbered from `start`, each with a phone and an ID number (encrypted)."""
    rows = []
    for n in range(start, start + size):
        household = Household(village=regions[key], number=f"{n:04d}", head_name=f"户主{n:04d}", address=f"大坪村{(n - 1) // 30 + 1}组{n}号",
                              phone=f"138{n:08d}")
        household.set_id_number(id_number(n))
        rows.append(household)
    return Household.objects.bulk_create(rows)


def offered(html: str) -> list[str]:
    """The household ids the visit form's drop-down lists (its empty choice left out)."""
    select = re.search(r'<select name="household".*?</select>', html, re.DOTALL).group(0)
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def picker(client, **params):
    response = client.get(reverse("work:household-picker"), params)
    assert response.status_code == 200, response.status_code
    return response.json()


def test_the_visit_form_lists_a_page_of_a_large_village_not_every_household(client, posted, regions):
    households = village(regions, 650)
    services.pairing_save(cadre=posted, household=households[400], needs="就业")
    visit(posted, TODAY, households[300])
    visit(posted, TODAY, households[500])
    client.force_login(posted)
    listed = offered(client.get(reverse("work:visit-new")).content.decode())
    # paired first, then the latest visit first, then by number
    assert listed[:5] == [str(h.pk) for h in (households[400], households[500], households[300], households[0], households[1])]
    assert len(listed) == 20


def test_the_household_linked_from_its_page_is_listed_and_chosen(client, posted, regions):
    households = village(regions, 100)
    client.force_login(posted)
    html = client.get(reverse("work:visit-new"), {"household": households[80].pk}).content.decode()
    assert offered(html)[0] == str(households[80].pk)
    assert re.search(rf'<option value="{households[80].pk}" selected>', html)


def test_the_visit_form_costs_the_same_queries_for_a_village_of_50_and_of_650(client, posted, regions, django_assert_max_num_queries):
    households = village(regions, 50)
    services.pairing_save(cadre=posted, household=households[3], needs="就业")
    visit(posted, TODAY, households[7])
    client.force_login(posted)
    url = reverse("work:visit-new")
    with django_assert_max_num_queries(30) as small:
        assert client.get(url, {"household": households[40].pk}).status_code == 200
    village(regions, 600, start=51)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url, {"household": households[40].pk})
    assert len(offered(page.content.decode())) == 21  # a page of 20, and the chosen one


def test_a_household_not_on_the_page_is_accepted_from_the_picker(client, posted, regions):
    households = village(regions, 300)
    client.force_login(posted)
    chosen = households[-1]
    assert str(chosen.pk) not in offered(client.get(reverse("work:visit-new")).content.decode())
    response = client.post(reverse("work:visit-new"), {
        "client_id": str(uuid.uuid4()), "household": chosen.pk, "visited_on": TODAY.isoformat(), "diary": "到户了解情况",
        "demand-TOTAL_FORMS": "0", "demand-INITIAL_FORMS": "0", "demand-MIN_NUM_FORMS": "0", "demand-MAX_NUM_FORMS": "20",
    })
    assert response.status_code == 302
    assert Visit.objects.get().household == chosen


def test_a_posted_household_the_cadre_may_not_see_is_refused(client, posted, regions):
    village(regions, 30)
    [elsewhere] = village(regions, 1, start=900, key="village_b")
    client.force_login(posted)
    response = client.post(reverse("work:visit-new"), {
        "client_id": str(uuid.uuid4()), "household": elsewhere.pk, "visited_on": TODAY.isoformat(), "diary": "到户了解情况",
        "demand-TOTAL_FORMS": "0", "demand-INITIAL_FORMS": "0", "demand-MIN_NUM_FORMS": "0", "demand-MAX_NUM_FORMS": "20",
    })
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert str(elsewhere.pk) not in offered(response.content.decode())  # not even echoed back into the list
    assert not Visit.objects.exists()


def test_the_picker_searches_by_number_name_and_address_in_pages_of_20(client, posted, regions):
    households = village(regions, 650)
    client.force_login(posted)
    assert [r["number"] for r in picker(client, q="0123")["results"]] == ["0123"]
    assert [r["head_name"] for r in picker(client, q="户主0456")["results"]] == ["户主0456"]
    by_address = picker(client, q="大坪村3组")  # households 61–90
    assert len(by_address["results"]) == 20 and by_address["more"]
    second = picker(client, q="大坪村3组", page=2)
    assert [r["number"] for r in by_address["results"] + second["results"]] == [f"{n:04d}" for n in range(61, 91)]
    assert not second["more"]
    assert picker(client, q="没有这户")["results"] == []
    everyone = picker(client)
    assert len(everyone["results"]) == 20 and everyone["more"] and everyone["results"][0]["id"] == households[0].pk


def test_the_picker_puts_paired_and_recent_households_first(client, posted, regions):
    households = village(regions, 100)
    services.pairing_save(cadre=posted, household=households[70], needs="就业")
    visit(posted, TODAY, households[20])
    visit(posted, TODAY, households[90])
    client.force_login(posted)
    results = picker(client)["results"]
    assert [(r["number"], r["paired"], r["recent"]) for r in results[:4]] == [
        ("0071", True, False), ("0091", False, True), ("0021", False, True), ("0001", False, False),
    ]
    assert [r["number"] for r in picker(client, q="大坪村3组")["results"][:2]] == ["0071", "0061"]


def test_the_picker_shows_masked_data_only(client, posted, regions):
    [household] = village(regions, 1, start=7)
    client.force_login(posted)
    response = client.get(reverse("work:household-picker"), {"q": "0007"})
    [result] = response.json()["results"]
    assert result == {"id": household.pk, "label": "户主0007（0007） 大坪村1组7号", "number": "0007", "head_name": "户主0007",
                      "address": "大坪村1组7号", "phone": "138****0007", "paired": False, "recent": False}
    body = response.content.decode()
    assert "13800000007" not in body and id_number(7) not in body and id_number(7)[-4:] not in body
    assert "private" in response["Cache-Control"]


def test_the_picker_lists_only_the_village_the_cadre_is_posted_to(client, posted, regions, other_cadre):
    village(regions, 5)
    village(regions, 5, start=100, key="village_b")
    client.force_login(posted)
    assert {r["number"] for r in picker(client)["results"]} == {"0001", "0002", "0003", "0004", "0005"}
    assert picker(client, q="0100")["results"] == []
    client.force_login(other_cadre)  # posted nowhere today
    assert client.get(reverse("work:household-picker")).status_code == 404


def test_the_picker_is_for_cadres_and_answers_get_only(client, posted, supervisor):
    client.force_login(posted)
    assert client.post(reverse("work:household-picker")).status_code == 405
    client.force_login(supervisor)
    assert client.get(reverse("work:household-picker")).status_code == 403
    client.logout()
    assert client.get(reverse("work:household-picker")).status_code == 302  # to the login page


def test_the_picker_costs_the_same_queries_for_any_village_size(client, posted, regions, django_assert_max_num_queries):
    households = village(regions, 30)
    services.pairing_save(cadre=posted, household=households[3], needs="就业")
    visit(posted, TODAY, households[7])
    client.force_login(posted)
    with django_assert_max_num_queries(12) as small:
        picker(client, q="户主")
    village(regions, 600, start=31)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(picker(client, q="户主", page=3)["results"]) == 20


def test_a_household_of_the_factory_is_found_by_its_head(client, posted, regions):
    HouseholdFactory(village=regions["village_a"], number="0031", head_name="王建国", address="大坪村3组12号", phone="13812345678")
    client.force_login(posted)
    [result] = picker(client, q="建国")["results"]
    assert result["phone"] == "138****5678" and result["label"] == "王建国（0031） 大坪村3组12号"


def test_seed_demo_sizes_villages_like_a_county_and_the_picker_reaches_every_household(db, client):
    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_demo", "--allow-production", "--households-per-village", "120", "--no-flag-pass", stdout=open("/dev/null", "w"))
    cadre = User.objects.get(username="gb001")
    village_code = cadre.assignments.get().target_village.village_id
    assert Household.objects.filter(village_id=village_code).count() == 120
    assert Household.objects.count() == 100 * 120
    client.force_login(cadre)
    assert len(offered(client.get(reverse("work:visit-new")).content.decode())) == 20
    [last] = picker(client, q="0120")["results"]
    assert last["address"].endswith("10组120号")  # 村民小组 of 12 households: a tenth of the village


def test_seed_demo_refuses_a_village_size_out_of_range(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="每村户数须在 20 到 2000 之间"):
        call_command("seed_demo", "--allow-production", "--households-per-village", "5", "--no-flag-pass", stdout=open("/dev/null", "w"))
