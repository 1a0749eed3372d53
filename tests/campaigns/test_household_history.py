"""#20 part 7: a household's whole history on its page — visits, cases with their status, pairings, ratings, and who
changed which profile field, when (django-simple-history) — each within the viewer's scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Unit
from accounts.roles import Role
from campaigns import services
from grievances import services as case_services
from tests.factories import UnitFactory, UserFactory


@pytest.fixture
def home(field, regions):
    """大坪村's first household: two visits, a demand turned into a case, rated the team satisfied."""
    return regions["village_a"].households.order_by("pk").first()


def edit(actor, household, **data):
    values = {name: getattr(household, name) for name in ["number", "head_name", "members", "address", "tags", "family_situation",
                                                          "state_of_mind", "hardship_cause", "help_needed"]}
    return services.household_save(actor=actor, village_code=household.village_id, data={**values, **data}, household_id=household.pk,
                                   base_version=household.version)


def test_the_page_shows_who_changed_which_profile_field_and_when(client, home, cadre, campaign_admin):
    home = edit(cadre, home, family_situation="三口人，儿子在外务工", help_needed="技术培训")
    home = edit(campaign_admin, home, phone="13811112222", help_needed="技术培训；申请小额贷款")
    client.force_login(cadre)
    page = client.get(reverse("work:household", args=[home.pk])).content.decode()
    history = page[page.index('data-testid="household-history"'):]
    # The latest first: the administrator's change of the phone (masked) and of the help needed, then the cadre's.
    assert history.index("周管理") < history.index("李干部")
    assert "138****2222" in history and "13811112222" not in history
    assert "技术培训 → 技术培训；申请小额贷款" in history.replace("</del>", "").replace('<del class="text-body-secondary">', "")
    assert "三口人，儿子在外务工" in history and "家庭情况" in history


def test_cases_pairings_and_ratings_are_those_the_viewer_may_see(client, home, cadre, supervisor, regions):
    office = UnitFactory(name="县信访局", region=regions["county"], kind=Unit.Kind.PETITION_OFFICE)
    intake = UserFactory(real_name="何受理", unit=office, roles=[Role.HANDLER])
    theirs = case_services.case_register(actor=intake, type="petition", source="in_person", summary="宅基地边界纠纷", petitioner_name="户主",
                                         village_id=home.village_id, household=home)
    services.pairing_save(cadre=cadre, household=home, needs="缺劳力，需要帮助秋收")

    client.force_login(cadre)
    page = client.get(reverse("work:household", args=[home.pk])).content.decode()
    cases = page[page.index('data-testid="household-cases"'):page.index('data-testid="household-pairings"')]
    assert "村道路灯损坏" in cases and ">登记<" in cases  # the demand of the cadre's own visit, with its status
    assert theirs.number not in cases  # the petition office's case of the household is not the cadre's to see
    assert "缺劳力，需要帮助秋收" in page
    assert "没有您可查看的评议" in page  # a team never sees who rated it how

    client.force_login(supervisor)
    page = client.get(reverse("work:household", args=[home.pk])).content.decode()
    assert theirs.number in page and "村道路灯损坏" in page
    ratings = page[page.index('data-testid="household-ratings"'):]
    assert "满意" in ratings


def test_the_household_page_costs_the_same_queries_however_long_its_history(client, home, supervisor, cadre, django_assert_max_num_queries):
    client.force_login(supervisor)
    home = edit(cadre, home, state_of_mind="情绪稳定")
    with CaptureQueriesContext(connection) as short:
        client.get(reverse("work:household", args=[home.pk]))
    for n in range(6):
        home = edit(cadre, home, state_of_mind=f"第{n}次回访：情绪稳定", help_needed=f"第{n}项帮扶")
    services.pairing_save(cadre=cadre, household=home, needs="缺劳力")
    with django_assert_max_num_queries(len(short.captured_queries)):
        page = client.get(reverse("work:household", args=[home.pk])).content.decode()
    assert page.count("第5次回访：情绪稳定") == 2  # the profile, and the latest change in its history
