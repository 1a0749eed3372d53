import datetime
import hashlib

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Region, Unit, User
from accounts.roles import Role
from campaigns.models import Campaign, CheckIn, Evaluation, Flag, FlagRule, Household, Pairing, Visit
from demo import county
from grievances.models import Case, CaseEvent, MediationSession
from tests.clock import TODAY

pytestmark = pytest.mark.demo_build

TABLES = [
    "accounts_region", "accounts_unit", "accounts_user", "accounts_user_groups", "campaigns_campaign", "campaigns_household",
    "campaigns_targetvillage", "campaigns_assignment", "campaigns_campaignevent", "campaigns_visit", "campaigns_checkin",
    "campaigns_pairing", "campaigns_evaluation", "grievances_case", "grievances_casenumbercounter", "grievances_caseevent", "grievances_mediationsession", "grievances_case_handlers",
]


def snapshot() -> dict[str, str]:
    """A digest of every row of the seeded tables, so any change shows."""
    digests = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 - fixed table names
            digests[table] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return digests


@pytest.fixture
def seeded(db):
    """The demo, built once for the test; its login table."""
    return county.build(today=TODAY)


def test_seeding_twice_changes_nothing(seeded):
    before = snapshot()
    call_command("seed_demo", "--allow-production", stdout=open("/dev/null", "w"))
    assert snapshot() == before


def test_seeding_refuses_a_production_setting_unless_told(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert not User.objects.filter(username="admin").exists()


def test_the_demo_is_the_same_county_every_time(seeded, settings):
    settings.SIMPLE_HISTORY_ENABLED = False  # 5,000 households deleted: their profile history is not the point here
    first = list(Household.objects.order_by("village_id", "number").values_list("head_name", flat=True)[:50])
    Case.objects.update(duplicate_of=None)  # a repeat protects the case it repeats: unlinked, so both can go
    for model in (MediationSession, CaseEvent, Case, Evaluation, Pairing, Visit, CheckIn, Household):
        model.objects.all().delete()
    county.build(today=TODAY, flag_pass=False)  # the households are compared, not the flags
    again = list(Household.objects.order_by("village_id", "number").values_list("head_name", flat=True)[:50])
    assert first == again


def assert_the_flag_queue_shows_the_planted_fabrications_and_nothing_of_the_ordinary_field_work():
    """Planted: one day from one far spot, a cadre who never checked in, a copied diary; nothing else is flagged."""
    active = Campaign.objects.get(status=Campaign.Status.ACTIVE)
    field = Flag.objects.filter(campaign=active, case=None)
    assert {FlagRule.VISIT_WITHOUT_CHECK_IN, FlagRule.FAR_FROM_VILLAGE, FlagRule.SAME_SPOT, FlagRule.TOO_MANY_IN_AN_HOUR,
            FlagRule.COPIED_DIARY} <= set(field.values_list("rule", flat=True))
    # Three cadres planted (one day from one far spot, never checked in, a copied diary); no one else's visits are flagged.
    assert field.exclude(cadre=None).values("cadre").distinct().count() == 3
    assert not Flag.objects.filter(rule__in=[FlagRule.RATING_BURST, FlagRule.RATING_NOT_VISITED]).exists()
    with connection.cursor() as cursor:  # the ordinary diaries are not near copies of each other (a sample of 100 against all)
        cursor.execute(
            "SELECT count(*) FROM (SELECT id, diary FROM campaigns_visit WHERE id NOT IN (SELECT visit_id FROM campaigns_flag_visits) "
            "ORDER BY id LIMIT 100) a JOIN campaigns_visit b ON b.id <> a.id AND similarity(a.diary, b.diary) >= 0.8")
        assert cursor.fetchone()[0] == 0


def test_the_demo_county(seeded):
    """One build, checked for everything the issues promise of it."""
    # the demo county has the promised size
    qingxi = Region.objects.get(name="清溪县")
    assert Region.objects.in_region(qingxi.code).townships().count() == 10
    assert Region.objects.in_region(qingxi.code).villages().count() == 100
    assert Household.objects.in_region(qingxi.code).count() == 5000
    cadres = User.objects.filter(groups__name=Role.CADRE.value)
    assert cadres.count() == 200
    assert Unit.objects.filter(members__in=cadres).distinct().count() == 20
    # the demo has an active and a closed campaign
    active = Campaign.objects.get(status=Campaign.Status.ACTIVE)
    assert active.kind == Campaign.Kind.SANTONG_SIMIN
    assert active.start_date <= TODAY <= active.end_date
    closed = Campaign.objects.get(status=Campaign.Status.CLOSED)
    assert closed.kind == Campaign.Kind.THOUSAND_CADRES
    assert closed.end_date < active.start_date
    # there is a demo login for every role
    logins = {username: role for role, username, _who in seeded}
    roles_covered = set()
    for username in logins:
        user = authenticate(RequestFactory().post("/accounts/login/"), username=username, password=county.DEMO_PASSWORD)
        assert user is not None, username
        roles_covered |= user.roles
    assert roles_covered == set(Role)
    # the active campaign has days of field work
    visits = Visit.objects.filter(assignment__target_village__campaign=active)
    assert visits.count() > 2000
    assert set(visits.values_list("visited_on", flat=True)) == {active.start_date + datetime.timedelta(days=n) for n in range(4)}
    assert CheckIn.objects.count() > 600 and Pairing.objects.count() == 400 and Evaluation.objects.count() == 600
    assert Case.objects.filter(source=Case.Source.VISIT, visit__isnull=False).count() > 50
    # the demo has cases in every state
    assert set(Case.objects.values_list("status", flat=True)) == set(Case.Status.values)
    assert Case.objects.overdue(timezone.localdate()).exists()
    assert Case.objects.filter(extension_days__gt=0).exists() and Case.objects.filter(supervised=True).exists()
    assert MediationSession.objects.exists()
    # The flag queue shows the planted fabrications, and nothing of the ordinary field work.
    assert_the_flag_queue_shows_the_planted_fabrications_and_nothing_of_the_ordinary_field_work()
    # Worked through the services: every case's timeline ends where the case stands.
    for case in Case.objects.exclude(source=Case.Source.VISIT)[:40]:
        assert case.events.order_by("at", "id").last().to_status == case.status
