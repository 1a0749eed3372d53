"""Residents' rating without an account, pairing, the absent list and the people's ledger."""

import datetime
import io
import uuid

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import CheckIn, Evaluation, Pairing
from campaigns.services.fieldwork import rating_cards_issue
from tests.factories import CampaignFactory, HouseholdFactory

from .conftest import assign


@pytest.fixture
def team(campaign_admin, regions, cadre):
    today = datetime.date.today()
    campaign = CampaignFactory(name="本周活动", organiser_region=regions["county"], start_date=today - datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=5))
    target = campaign.target_villages.create(village=regions["village_a"])
    assign(campaign_admin, target, cadre)
    return target


@pytest.fixture
def household(regions):
    return HouseholdFactory(village=regions["village_a"], number="0007", head_name="王大伯", phone="13912348765")


@pytest.fixture(autouse=True)
def _own_rate_limit_counts(settings):
    # The real Redis cache, under a key prefix of this test's own: counts never carry over between tests or runs.
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


def card_codes(admin, team) -> dict[str, str]:
    """The campaign office prints the village's rating cards: each waiting household's code by its number."""
    return {card.household.number: card.code for card in rating_cards_issue(actor=admin, target=team, purpose="入户发放")}


def rating_url(client, cadre, team):
    client.force_login(cadre)
    page = client.get(reverse("work:rating-link", args=[team.pk]))
    assert "<svg" in page.content.decode()  # the QR code
    url = page.context["url"]
    client.logout()
    return url.replace("http://testserver", "")


def test_a_resident_rates_once_and_a_second_try_is_refused_kindly(client, cadre, team, household, campaign_admin):
    code = card_codes(campaign_admin, team)["0007"]
    url = rating_url(client, cadre, team)
    form = {"household_number": "0007", "rating_code": code, "rating": "satisfied", "comment": "干部很实在"}
    thanks = client.post(url, form)
    assert "评议已记录" in thanks.content.decode()
    again = client.post(url, {**form, "rating": "dissatisfied"})
    assert again.status_code == 200 and "您家已经评议过本次活动了" in again.content.decode()
    assert list(Evaluation.objects.values_list("rating", flat=True)) == ["satisfied"]


def test_the_public_page_shows_no_personal_data(client, cadre, team, household):
    html = client.get(rating_url(client, cadre, team)).content.decode()
    assert "王大伯" not in html and cadre.real_name not in html and "13912348765" not in html


def test_a_wrong_rating_code_is_refused(client, cadre, team, household, campaign_admin):
    card_codes(campaign_admin, team)
    url = rating_url(client, cadre, team)
    page = client.post(url, {"household_number": "0007", "rating_code": "AAAAAA", "rating": "satisfied"})
    assert "不符" in page.content.decode() and not Evaluation.objects.exists()


def test_a_guessed_link_is_404(client, team):
    assert client.get(f"/rate/{team.pk}/").status_code == 404
    assert client.get(f"/rate/{team.pk}:forged/").status_code == 404


def test_guessing_a_households_rating_code_is_stopped(client, cadre, team, household, campaign_admin):
    code = card_codes(campaign_admin, team)["0007"]
    url = rating_url(client, cadre, team)
    statuses = [client.post(url, {"household_number": "0007", "rating_code": f"{n:06d}", "rating": "satisfied"}).status_code for n in range(7)]
    assert statuses == [200] * 5 + [429, 429]
    # Even the right code waits now: the household is locked for the window.
    assert client.post(url, {"household_number": "0007", "rating_code": code, "rating": "satisfied"}).status_code == 429
    assert not Evaluation.objects.exists()


def test_many_failures_from_one_address_are_stopped(client, cadre, team, household):
    url = rating_url(client, cadre, team)
    statuses = [client.post(url, {"household_number": f"{9000 + n}", "rating_code": "000000", "rating": "satisfied"}).status_code for n in range(11)]
    assert statuses == [200] * 10 + [429]


def test_residents_sharing_a_network_can_all_rate(client, cadre, team, regions, campaign_admin):
    url = rating_url(client, cadre, team)
    for n in range(12):
        HouseholdFactory(village=regions["village_a"], number=f"{100 + n:04d}", phone=f"1390000{n:04d}")
    codes = card_codes(campaign_admin, team)
    for n in range(12):
        response = client.post(url, {"household_number": f"{100 + n:04d}", "rating_code": codes[f"{100 + n:04d}"], "rating": "satisfied"})
        assert "评议已记录" in response.content.decode()
    assert Evaluation.objects.count() == 12


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(client, cadre, team, household, settings):
    settings.NUM_PROXIES = 1  # one nginx in front: it appends the real client address last
    url = rating_url(client, cadre, team)
    statuses = [
        client.post(url, {"household_number": f"{9000 + n}", "rating_code": "000000", "rating": "satisfied"},
                    HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.9").status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429


def test_a_cadre_pairs_with_a_household_of_their_village(client, cadre, team, household):
    client.force_login(cadre)
    client.post(reverse("work:pair", args=[household.pk]), {"needs": "子女就学"})
    pairing = Pairing.objects.get()
    assert (pairing.cadre, pairing.household, pairing.needs) == (cadre, household, "子女就学")
    assert "王大伯" in client.get(reverse("work:home")).content.decode()


def test_the_absent_list_shows_posted_cadres_without_a_check_in(client, campaign_admin, supervisor, other_supervisor, team, cadre, other_cadre, regions):
    other_target = team.campaign.target_villages.create(village=regions["village_b"])
    assign(campaign_admin, other_target, other_cadre)
    client.force_login(supervisor)
    absent = [a.cadre for a in client.get(reverse("work:absent")).context["page"]]
    assert absent == [cadre]  # township A only
    CheckIn.objects.create(cadre=cadre, assignment=cadre.assignments.get(), day=datetime.date.today())
    assert list(client.get(reverse("work:absent")).context["page"]) == []


def test_the_ledger_exports_what_the_screen_shows_with_formulas_neutralised(client, campaign_admin, team, household, regions):
    HouseholdFactory(village=regions["village_a"], number="0008", head_name="=HYPERLINK(\"http://x\")")
    client.force_login(campaign_admin)
    screen = client.get(reverse("work:ledger", args=[team.pk])).context["page"].object_list
    response = client.post(reverse("work:ledger-export", args=[team.pk]), {"purpose": "fieldwork"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("户编号", "户主", "住址")
    assert [r[0] for r in rows[1:]] == [h.number for h in screen]
    assert rows[2][1] == "'=HYPERLINK(\"http://x\")"
    assert rows[1][3] == "139****8765"


def test_a_cadre_whose_posting_ended_cannot_read_the_ledger(client, campaign_admin, cadre, team):
    assignment = cadre.assignments.get()
    assignment.start_date = assignment.end_date = datetime.date.today() - datetime.timedelta(days=1)
    assignment.save()
    client.force_login(cadre)
    assert client.get(reverse("work:ledger", args=[team.pk])).status_code == 404
    assert client.get(reverse("work:ledger-export", args=[team.pk])).status_code == 404
    assert client.get(reverse("work:rating-link", args=[team.pk])).status_code == 404


def test_the_ledger_is_scoped(client, other_supervisor, team):
    client.force_login(other_supervisor)
    assert client.get(reverse("work:ledger", args=[team.pk])).status_code == 404
    assert client.get(reverse("work:ledger-export", args=[team.pk])).status_code == 404
