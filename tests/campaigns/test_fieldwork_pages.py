"""The cadre's phone pages through the test client: scoping, idempotent forms, fixed query counts, page weight."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse

from campaigns.models import Pairing, PersonalDataView, Visit
from grievances.models import Case
from tests.factories import CampaignFactory, HouseholdFactory

from .conftest import assign


@pytest.fixture
def posted(campaign_admin, regions, cadre):
    today = datetime.date.today()
    campaign = CampaignFactory(name="本周活动", organiser_region=regions["county"], start_date=today - datetime.timedelta(days=2), end_date=today + datetime.timedelta(days=4))
    target = campaign.target_villages.create(village=regions["village_a"])
    assign(campaign_admin, target, cadre)
    return cadre


@pytest.fixture
def households(regions):
    return HouseholdFactory.create_batch(3, village=regions["village_a"], phone="13812345678")


def visit_post(household, **extra):
    data = {
        "client_id": str(uuid.uuid4()), "household": household.pk, "visited_on": datetime.date.today().isoformat(),
        "kinds": ["living", "production"], "stayed_overnight": "on", "diary": "与户主拉家常，了解到村道路灯坏了。",
        "deed": "帮助联系电工", "deed_value": "120",
        "demand-TOTAL_FORMS": "2", "demand-INITIAL_FORMS": "0", "demand-MIN_NUM_FORMS": "0", "demand-MAX_NUM_FORMS": "20",
        "demand-0-summary": "村道路灯损坏", "demand-0-type": "livelihood", "demand-0-head_count": "1",
        "demand-1-summary": "宅基地纠纷", "demand-1-type": "petition", "demand-1-head_count": "2",
    }
    return {**data, **extra}


def test_logging_a_visit_with_two_demands_makes_two_cases_and_a_resubmit_changes_nothing(client, posted, households):
    client.force_login(posted)
    data = visit_post(households[0])
    first = client.post(reverse("work:visit-new"), data, follow=True)
    assert "走访已记录，2 条诉求已登记为案件" in first.content.decode()
    again = client.post(reverse("work:visit-new"), data, follow=True)
    assert "这次走访已经记录过" in again.content.decode()
    assert Visit.objects.count() == 1
    assert sorted(Case.objects.values_list("summary", flat=True)) == ["宅基地纠纷", "村道路灯损坏"]


def test_a_visit_without_a_diary_gets_a_chinese_error_and_saves_nothing(client, posted, households):
    client.force_login(posted)
    page = client.post(reverse("work:visit-new"), visit_post(households[0], diary=""))
    assert "这个字段是必填项" in page.content.decode()
    assert not Visit.objects.exists() and not Case.objects.exists()


def test_the_cadre_sees_only_their_villages_households(client, posted, households, regions):
    elsewhere = HouseholdFactory(village=regions["village_b"], head_name="外村户")
    client.force_login(posted)
    listed = client.get(reverse("work:households")).context["page"].object_list
    assert set(listed) == set(households)
    assert client.get(reverse("work:household", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("work:visit-new"), visit_post(elsewhere)).status_code == 200  # the form refuses the choice
    assert not Visit.objects.exists()


def test_a_cadre_from_elsewhere_cannot_open_the_households(client, posted, households, other_cadre):
    client.force_login(other_cadre)
    assert client.get(reverse("work:household", args=[households[0].pk])).status_code == 404


def test_phones_are_masked_and_a_full_view_is_recorded(client, posted, households):
    client.force_login(posted)
    listing = client.get(reverse("work:households")).content.decode()
    assert "138****5678" in listing and "13812345678" not in listing
    shown = client.post(reverse("work:household", args=[households[0].pk]), {"field": "phone"}).content.decode()
    assert "13812345678" in shown
    assert PersonalDataView.objects.filter(viewer=posted, household=households[0], field="phone").count() == 1
    assert client.post(reverse("work:household", args=[households[0].pk]), {"field": "id_number"}).status_code == 403


def test_the_household_search_finds_by_name(client, posted, households):
    client.force_login(posted)
    found = client.get(reverse("work:households"), {"q": households[1].head_name}).context["page"].object_list
    assert list(found) == [households[1]]


def test_check_in_from_the_page(client, posted):
    client.force_login(posted)
    page = client.post(reverse("work:check-in"), {"latitude": "27.551234", "longitude": "109.981234", "accuracy": "25"}, follow=True)
    assert "已于" in page.content.decode() and "签到" in page.content.decode()
    assert client.post(reverse("work:check-in"), {}, follow=True).content.decode().count("今天已于") == 1
    assert posted.check_ins.get().latitude is not None


def test_my_work_and_diary_keep_a_fixed_number_of_queries(client, posted, households, django_assert_max_num_queries):
    client.force_login(posted)
    client.post(reverse("work:visit-new"), visit_post(households[0]))
    Pairing.objects.create(campaign=posted.assignments.get().target_village.campaign, cadre=posted, household=households[1], needs="就业")
    counts = {}
    urls = [reverse("work:home"), reverse("work:diary"), reverse("work:visit-new"), reverse("work:households"), reverse("work:diary-print")]
    for url in urls:
        with django_assert_max_num_queries(20) as few:
            assert client.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    for household in households * 8:
        client.post(reverse("work:visit-new"), visit_post(household))
    HouseholdFactory.create_batch(40, village=households[0].village)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)


def test_the_printable_diary_has_one_block_per_entry(client, posted, households):
    client.force_login(posted)
    for household in households:
        client.post(reverse("work:visit-new"), visit_post(household))
    html = client.get(reverse("work:diary-print")).content.decode()
    assert html.count('class="entry"') == 3
    assert "css/print" in html


def test_the_visit_form_weighs_under_300_kb_transferred(client, posted, households):
    """Measured as production serves it: whitenoise's compressed static files, gzip accepted."""
    client.force_login(posted)
    page = client.get(reverse("work:visit-new"), HTTP_ACCEPT_ENCODING="gzip")
    total = len(page.content)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.content.decode())
    assert assets
    for asset in assets:
        response = client.get(asset, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200, asset
        total += sum(len(chunk) for chunk in response.streaming_content) if response.streaming else len(response.content)
    print(f"visit form page: {total / 1024:.0f} KB transferred with {len(assets)} assets")
    assert total < 300 * 1024


def test_supervisors_see_visits_of_their_jurisdiction_only(client, posted, households, supervisor, other_supervisor):
    client.force_login(posted)
    client.post(reverse("work:visit-new"), visit_post(households[0]))
    visit = Visit.objects.get()
    client.force_login(supervisor)
    assert client.get(reverse("work:visit", args=[visit.pk])).status_code == 200
    client.force_login(other_supervisor)
    assert client.get(reverse("work:visit", args=[visit.pk])).status_code == 404


def test_a_household_can_be_added_with_an_id_number(client, posted, regions):
    client.force_login(posted)
    from tests.campaigns.roster_files import id_number

    response = client.post(reverse("work:household-new"), {"number": "0777", "head_name": "新户主", "id_number": id_number(7), "members": 4, "tags": ["poor", "dibao"]})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert id_number(7)[:6] + "********" + id_number(7)[-4:] in page and "生活贫困户" in page


def test_people_without_the_role_get_403(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("work:visit-new")).status_code == 403
    assert client.get(reverse("work:home")).status_code == 403


def test_photos_are_served_only_to_those_who_may_see_the_visit(client, posted, households, other_cadre):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(posted)
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 64
    client.post(reverse("work:visit-new"), {**visit_post(households[0]), "photos": [SimpleUploadedFile("x.html", jpeg)]})
    visit = Visit.objects.get()
    photo = visit.photos.get()
    assert photo.image.name.endswith(".jpeg") and "x.html" not in photo.image.name
    url = reverse("work:visit-photo", args=[visit.pk, photo.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    client.force_login(other_cadre)
    assert client.get(url).status_code == 404


def test_the_household_edit_form_never_shows_the_full_phone(client, posted, households):
    client.force_login(posted)
    html = client.get(reverse("work:household-edit", args=[households[0].pk])).content.decode()
    assert "13812345678" not in html and "138****5678" in html
    client.post(reverse("work:household-edit", args=[households[0].pk]), {"number": households[0].number, "head_name": "改名", "members": 3})
    households[0].refresh_from_db()
    assert households[0].head_name == "改名" and households[0].phone == "13812345678"
