"""The Django admin walked as an attacker (issue 15, findings 2 and 6).

A county campaign admin, a township campaign admin and a county supervisor (all staff, so the admin lets
them in) go through every registered ModelAdmin and, for objects outside their jurisdiction, above it (the
city's campaign, 湖南省) and inside it but not theirs to change (a superuser's account, a stronger role's),
GET and POST the change form, its inline rows, the delete confirmation, the history and every action. After
each POST the whole database is compared with what it was: nothing may have been written. Their own account
and a superuser's are posted with every privilege raised (roles, unit, jurisdiction, staff, superuser,
single permissions, a password, an authenticator). A ModelAdmin registered without a sample here fails the
walk until one is added to `world`.

The POSTs are built the way a browser would from the page a superuser sees (every field, read-only to the
attacker or not), so they are valid forms: the same POSTs change the actor's own objects (checked first).
"""

import html.parser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit
from accounts.models import AuditEntry, Region, Unit, User
from accounts.roles import Role
from campaigns import services as campaign_services
from campaigns.models import Assignment, Campaign, CampaignEvent, FlagThresholds, Household, ImportJob, TargetVillage
from dashboards.models import RankingDeduction, RankingWeight
from grievances import services as case_services
from grievances.models import CalendarDay, Case, CaseCategory, Delivery, MediationSession, Reminder, SmsQuietHours, SmsTemplate, UnitWebhook
from outreach.models import Heartbeat
from tests.clock import DAY, NOW, TODAY
from tests.factories import TEST_PASSWORD, HouseholdFactory, UnitFactory, UserFactory, region

pytestmark = pytest.mark.django_db

PROVINCE, CITY = "430000000000", "431200000000"
NEIGHBOUR_COUNTY, NEIGHBOUR_TOWNSHIP, NEIGHBOUR_VILLAGE = "431298000000", "431298100000", "431298100201"
NEW_PASSWORD = "Hunan-Xiaxiang-2027"


@pytest.fixture(autouse=True)
def _no_confirmation_counts_left_over(settings):
    """Wrong confirmations are counted per account id in Redis, and a new test database reuses the ids."""
    import redis

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    for key in client.scan_iter(match="*ratelimit:admin-confirm:*"):
        client.delete(key)


# --- The world: a province, a city, our county (conftest's regions) and a neighbouring county ----------


@pytest.fixture
def world(regions, unit_a, unit_b, cadre, other_cadre, campaign_admin):
    Region.objects.filter(code=PROVINCE).update(name="湖南省")
    Region.objects.filter(code=CITY).update(name="怀化市")
    w = {
        "province": Region.objects.get(code=PROVINCE), "city": Region.objects.get(code=CITY),
        "county": regions["county"], "township_a": regions["township_a"], "township_b": regions["township_b"],
        "village_a": regions["village_a"], "village_b": regions["village_b"],
        "neighbour_county": region(NEIGHBOUR_COUNTY, "邻县"), "neighbour_township": region(NEIGHBOUR_TOWNSHIP, "邻县城关镇"),
        "neighbour_village": region(NEIGHBOUR_VILLAGE, "邻村"),
        "unit_a": unit_a, "unit_b": unit_b, "county_unit": campaign_admin.unit, "cadre": cadre, "other_cadre": other_cadre,
    }
    w["city_unit"] = UnitFactory(name="市委组织部", region=w["city"])
    w["neighbour_unit"] = UnitFactory(name="邻县城关镇人民政府", region=w["neighbour_township"], kind=Unit.Kind.TOWNSHIP)
    w["petition_office"] = UnitFactory(name="县信访局", region=w["county"], kind=Unit.Kind.PETITION_OFFICE)

    w["county_admin"] = campaign_admin
    w["township_admin"] = UserFactory(username="xiangzhen_admin", real_name="乡管理", unit=unit_a, jurisdiction=w["township_a"],
                                      is_staff=True, roles=[Role.CAMPAIGN_ADMIN])
    w["supervisor"] = UserFactory(username="xian_ducha", real_name="县督查", unit=UnitFactory(name="县纪委监委", region=w["county"]),
                                  jurisdiction=w["county"], is_staff=True, roles=[Role.SUPERVISOR])
    w["township_supervisor"] = UserFactory(real_name="镇督查", unit=unit_a, jurisdiction=w["township_a"], roles=[Role.SUPERVISOR])
    w["county_handler"] = UserFactory(real_name="县经办", unit=w["petition_office"], roles=[Role.HANDLER])
    w["system_admin"] = UserFactory(real_name="高系统", unit=UnitFactory(name="县委办公室", region=w["county"]), is_staff=True, is_superuser=True)
    w["city_admin"] = UserFactory(real_name="市管理", unit=w["city_unit"], jurisdiction=w["city"], is_staff=True, roles=[Role.CAMPAIGN_ADMIN])
    w["neighbour_admin"] = UserFactory(real_name="邻县管理", unit=w["neighbour_unit"], jurisdiction=w["neighbour_county"], is_staff=True,
                                       roles=[Role.CAMPAIGN_ADMIN])
    w["neighbour_cadre"] = UserFactory(real_name="邻县干部", unit=w["neighbour_unit"], roles=[Role.CADRE])

    def campaign(actor, name, organiser, villages):
        made = campaign_services.campaign_create(actor=actor, data={
            "name": name, "kind": Campaign.Kind.SANTONG_SIMIN, "organiser_region": organiser,
            "start_date": TODAY - DAY, "end_date": TODAY + 5 * DAY})
        campaign_services.target_villages_add(actor=actor, campaign_id=made.pk, village_codes=[v.code for v in villages])
        return made

    w["city_campaign"] = campaign(w["city_admin"], "市级活动", w["city"], [w["village_a"], w["neighbour_village"]])
    w["county_campaign"] = campaign(campaign_admin, "县级活动", w["county"], [w["village_a"], w["village_b"]])
    w["neighbour_campaign"] = campaign(w["neighbour_admin"], "邻县活动", w["neighbour_county"], [w["neighbour_village"]])
    targets = {(t.campaign_id, t.village_id): t for t in TargetVillage.objects.all()}
    w["city_target_a"] = targets[w["city_campaign"].pk, w["village_a"].code]
    w["city_target_n"] = targets[w["city_campaign"].pk, NEIGHBOUR_VILLAGE]
    w["county_target_a"] = targets[w["county_campaign"].pk, w["village_a"].code]
    w["county_target_b"] = targets[w["county_campaign"].pk, w["village_b"].code]
    w["neighbour_target"] = targets[w["neighbour_campaign"].pk, NEIGHBOUR_VILLAGE]
    campaign_services.cadres_assign(actor=w["city_admin"], target_id=w["city_target_n"].pk, cadre_ids=[w["neighbour_cadre"].pk])
    campaign_services.cadres_assign(actor=campaign_admin, target_id=w["county_target_b"].pk, cadre_ids=[other_cadre.pk])
    w["city_assignment"] = Assignment.objects.get(target_village=w["city_target_n"])
    w["county_assignment_b"] = Assignment.objects.get(target_village=w["county_target_b"])
    w["city_event"] = CampaignEvent.objects.filter(campaign=w["city_campaign"]).first()
    w["county_event"] = CampaignEvent.objects.filter(campaign=w["county_campaign"]).first()
    w["neighbour_event"] = CampaignEvent.objects.filter(campaign=w["neighbour_campaign"]).first()

    w["neighbour_household"] = HouseholdFactory(village=w["neighbour_village"], head_name="邻县户主", address="邻村一组")
    w["household_a"] = HouseholdFactory(village=w["village_a"], head_name="甲户主", address="大坪村一组")
    w["household_b"] = HouseholdFactory(village=w["village_b"], head_name="乙户主", address="小溪村一组")
    w["neighbour_job"] = ImportJob.objects.create(kind=ImportJob.Kind.HOUSEHOLDS, file=SimpleUploadedFile("邻县.csv", b"x"),
                                                  original_name="邻县.csv", uploaded_by=w["neighbour_admin"])
    w["county_job"] = ImportJob.objects.create(kind=ImportJob.Kind.HOUSEHOLDS, file=SimpleUploadedFile("县.csv", b"x"),
                                               original_name="县.csv", uploaded_by=campaign_admin)

    case = case_services.case_register(actor=w["system_admin"], type=Case.Type.DISPUTE, source=Case.Source.IN_PERSON, summary="邻县诉求",
                                       petitioner_name="邻县群众", village_id=NEIGHBOUR_VILLAGE)
    w["neighbour_case"] = case
    w["neighbour_mediation"] = MediationSession.objects.create(case=case, kind="peoples", held_on=TODAY, mediator="邻村调委会",
                                                               result="agreed", recorded_by=w["system_admin"])
    reminder = Reminder.objects.create(case=case, deadline="accept", due=TODAY, threshold=0, recipient=w["neighbour_admin"])
    w["neighbour_delivery"] = Delivery.objects.create(reminder=reminder, channel="email")
    w["neighbour_webhook"] = UnitWebhook.objects.create(unit=w["neighbour_unit"], kind="wecom", url="https://qyapi.weixin.qq.com/x?key=1")

    # Rows that belong to no jurisdiction: system configuration and logs.
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

    interval = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    w["interval"] = interval
    w["crontab"] = CrontabSchedule.objects.create(minute="30", hour="2")
    w["solar"] = SolarSchedule.objects.create(event="sunrise", latitude=28, longitude=110)
    w["clocked"] = ClockedSchedule.objects.create(clocked_time=NOW + DAY)
    w["periodic_task"] = PeriodicTask.objects.create(name="攻击演练", task="celery.ping", interval=interval)
    seen = {"user_agent": "x", "ip_address": "10.0.0.9", "username": "someone", "http_accept": "*/*", "path_info": "/accounts/login/"}
    w["access_attempt"] = AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1)
    w["access_log"] = AccessLog.objects.create(**seen)
    w["access_failure"] = AccessFailureLog.objects.create(**seen)
    w["device"] = TOTPDevice.objects.create(user=w["neighbour_admin"], name="authenticator", confirmed=True)
    w["heartbeat"] = Heartbeat.objects.create(name="default", last_seen=NOW)
    w["ranking_weight"] = RankingWeight.objects.get(indicator=RankingWeight.Indicator.COVERAGE)
    w["ranking_deduction"] = RankingDeduction.objects.get()
    w["flag_thresholds"] = FlagThresholds.objects.create()
    w["sms_template"] = SmsTemplate.objects.create(provider="aliyun", purpose=SmsTemplate.Purpose.REMINDER, code="SMS_1", parameters="number")
    w["sms_quiet_hours"] = SmsQuietHours.objects.create()
    w["category"] = CaseCategory.objects.first()
    w["calendar_day"] = CalendarDay.objects.first()
    w["audit_entry"] = audit.record(AuditEntry.Action.CONFIGURATION, actor=w["system_admin"], summary="样本")
    w["group"] = Group.objects.get(name=Role.CAMPAIGN_ADMIN.value)
    _audit_upto[0] = w["audit_entry"].pk
    return w


GLOBAL = ["group", "periodic_task", "interval", "crontab", "solar", "clocked", "access_attempt", "access_log", "access_failure",
          "device", "heartbeat", "category", "calendar_day", "audit_entry", "ranking_weight", "ranking_deduction", "flag_thresholds",
          "sms_template", "sms_quiet_hours"]
NEIGHBOURS = ["neighbour_county", "neighbour_township", "neighbour_village", "city_unit", "neighbour_unit", "city_admin", "neighbour_admin",
              "neighbour_cadre", "neighbour_campaign", "city_target_n", "neighbour_target", "city_assignment", "city_event",
              "neighbour_event", "neighbour_household", "neighbour_job", "neighbour_case", "neighbour_mediation", "neighbour_delivery",
              "neighbour_webhook"]

# What each attacker tries. outside: must not even be read; above: may be seen (the regions and campaigns
# above one's jurisdiction), never changed, and their history not read; inside: in the jurisdiction but not
# theirs to change (a superuser's, a staff member's or a stronger role's account; for the supervisor, whose
# role only reads, everything). Global rows are outside for all three, except the ranking weights, which
# campaign admins set by design (README: weights set by admins in the admin).
RANKING_SETTINGS = ["ranking_weight", "ranking_deduction"]  # campaign admins set them by design
ATTACKS = {
    "county_admin": {
        "outside": [*NEIGHBOURS, *[g for g in GLOBAL if g not in RANKING_SETTINGS]],
        "above": ["province", "city", "city_campaign", "city_target_a"],
        "inside": ["system_admin", "supervisor", "township_admin", "township_supervisor", "county_handler"],
    },
    "township_admin": {
        "outside": [*NEIGHBOURS, *[g for g in GLOBAL if g not in RANKING_SETTINGS], "township_b", "village_b", "unit_b", "county_unit",
                    "other_cadre", "county_target_b", "county_assignment_b", "county_event", "household_b", "county_job",
                    "system_admin", "supervisor", "county_admin", "county_handler"],
        "above": ["province", "city", "county", "city_campaign", "county_campaign", "city_target_a", "county_target_a"],
        "inside": ["township_supervisor"],
    },
    "supervisor": {
        "outside": [*NEIGHBOURS, *GLOBAL, "county_job"],
        "above": ["province", "city", "city_campaign", "city_target_a"],
        "inside": ["county", "township_a", "village_b", "unit_a", "county_unit", "petition_office", "cadre", "other_cadre",
                   "system_admin", "county_admin", "township_admin", "township_supervisor", "county_handler", "county_campaign",
                   "county_target_b", "county_assignment_b", "county_event", "household_b"],
    },
}


# --- The database, compared whole -------------------------------------------------------------------

# Written by the walk itself, not an attacker's gain: new lines of the audit trail (it records the attempts;
# its existing lines are watched like any row) and the session's last login.
UNWATCHED_COLUMNS = {User._meta.db_table: ["last_login"]}


def watched_tables() -> list[str]:
    tables = set()
    for model in [*admin.site._registry, Assignment, TargetVillage, Reminder]:
        tables.add(model._meta.db_table)
        tables.update(field.remote_field.through._meta.db_table for field in model._meta.many_to_many)
    tables.add(Group.permissions.through._meta.db_table)
    return sorted(tables)


def database_state() -> dict[str, str]:
    """A digest of every row of every table the admin can reach, table by table, in one query."""
    audit_table = AuditEntry._meta.db_table
    parts = []
    for table in watched_tables():
        row = f"(to_jsonb(t) - ARRAY{UNWATCHED_COLUMNS.get(table, [''])!r}::text[])::text"
        where = f" WHERE t.id <= {int(_audit_upto[0])}" if table == audit_table else ""
        parts.append(f"SELECT '{table}', md5(coalesce(string_agg({row}, '|' ORDER BY {row}), '')) FROM \"{table}\" t{where}")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return dict(cursor.fetchall())


_audit_upto = [0]  # the last audit line written before the walk began (set by `world`)


def changed_tables(before: dict) -> list[str]:
    after = database_state()
    return [table for table in before if before[table] != after[table]]


# --- Forms as a browser sends them ----------------------------------------------------------------------


class FormReader(html.parser.HTMLParser):
    """The (name, value) pairs a browser submits from the form with this id."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.pairs, self.texts, self.checkboxes = form_id, False, [], set(), set()
        self._select = self._options = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if kind == "checkbox" and not name.endswith("-DELETE"):
                    self.checkboxes.add(name)
                if "checked" in a:
                    self.pairs.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.pairs.append((name, a.get("value", "")))
                if kind == "text":
                    self.texts.add(name)
        elif tag == "select" and name:
            self._select, self._options = (name, "multiple" in a), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self.pairs += [(name, value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.pairs.append((name, text.removeprefix("\n")))
            self.texts.add(name)
            self._textarea = None


def form_data(response, model) -> tuple[dict, set]:
    reader = FormReader(f"{model._meta.model_name}_form")
    reader.feed(response.content.decode())
    data = {}
    for name, value in reader.pairs:
        data.setdefault(name, []).append(value)
    return data, (reader.texts, reader.checkboxes)


def mutated(data: dict, fields: tuple) -> dict:
    """Every visible text changed (a name, a summary, an address; codes, dates and JSON left as they are) and
    every single checkbox flipped (a village's flags)."""
    texts, checkboxes = fields
    changed = dict(data)
    for name in checkboxes:
        if name in changed:
            del changed[name]
        else:
            changed[name] = ["on"]
    for name in texts:
        values = data.get(name, [""])
        value = values[0]
        if value and not value.translate(str.maketrans("", "", "-:./ ")).isdigit() and value[0] not in "[{" and "__prefix__" not in name and name != "username":
            changed[name] = [value[: max(0, len(value) - 1)] + "改"]
    return changed


def with_inline_rows_deleted(data: dict) -> dict:
    changed = dict(data)
    for name in data:
        if name.endswith("-id") and data[name][0]:
            changed[name.removesuffix("-id") + "-DELETE"] = ["on"]
    return changed


def raised_powers(data: dict, world) -> dict:
    """An account form with every power raised: all roles, the petition office, the province, staff,
    superuser, every single permission, a fresh two-factor set-up."""
    return {**data, "groups": [str(g.pk) for g in Group.objects.all()], "unit": [str(world["petition_office"].pk)],
            "jurisdiction": [PROVINCE], "is_staff": ["on"], "is_superuser": ["on"], "is_active": ["on"],
            "user_permissions": [str(p.pk) for p in Permission.objects.all()], "reset_two_factor": ["on"]}


def confirmed(data: dict) -> dict:
    """The attacker knows their own password: every POST confirms with it."""
    return {**data, "actor_password": [TEST_PASSWORD], "_save": ["保存"]}


def url(obj, view):
    info = obj._meta.app_label, obj._meta.model_name
    return reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[obj.pk])


def changelist(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_changelist")


def action_names(model, superuser) -> list[str]:
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return list(admin.site._registry[model].get_actions(request))


# --- The walk -----------------------------------------------------------------------------------------


def test_the_walk_covers_every_registered_model_admin(world):
    sampled = {type(world[label]) for attacks in ATTACKS.values() for labels in attacks.values() for label in labels}
    missing = [model._meta.label for model in admin.site._registry if model not in sampled]
    assert not missing, f"add a sample of {missing} to tests/test_admin_attack.py's world and ATTACKS"
    for actor, attacks in ATTACKS.items():
        tried = {type(world[label]) for labels in attacks.values() for label in labels}
        assert set(admin.site._registry) - tried <= {RankingWeight, RankingDeduction}, f"{actor} leaves {set(admin.site._registry) - tried} untried"


def superuser_pages(client, world, labels=None):
    """What a superuser's browser holds for each sample (or these): the change form's fields (and which
    are texts and checkboxes)."""
    client.force_login(world["system_admin"])
    pages = {}
    for label, obj in world.items():
        if not hasattr(obj, "_meta") or type(obj) not in admin.site._registry or (labels and label not in labels):
            continue
        response = client.get(url(obj, "change"))
        assert response.status_code == 200, f"the superuser cannot open {label}"
        pages[label] = form_data(response, type(obj))
    return pages


def posts_for(label, obj, page, world):
    """The POSTs an attacker sends about one object: its form with every text changed (and, for an account,
    every power raised), its inline rows deleted, the delete confirmation, and every action on it."""
    data, fields = page
    change = mutated(data, fields)
    if isinstance(obj, User):
        change = raised_powers(change, world)
    posts = [("change", url(obj, "change"), confirmed(change))]
    if any(name.endswith("-id") for name in data):
        posts.append(("inline delete", url(obj, "change"), confirmed(with_inline_rows_deleted(data))))
    posts.append(("delete", url(obj, "delete"), {"post": "yes"}))
    for action in action_names(type(obj), world["system_admin"]):
        posts.append((f"action {action}", changelist(obj), {"action": action, "_selected_action": [str(obj.pk)], "post": "yes", "index": "0"}))
    if isinstance(obj, User):
        posts.append(("password", reverse("admin:auth_user_password_change", args=[obj.pk]),
                      {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true", "actor_password": TEST_PASSWORD}))
    return posts


def assert_reads(client, actor, label, obj, tag):
    change = client.get(url(obj, "change"))
    assert change.status_code in {200, 302, 403, 404}, f"{actor} GET change of {label}: {change.status_code}"
    if tag == "outside":
        assert change.status_code != 200, f"{actor} reads {label}, outside their jurisdiction"
    elif change.status_code == 200:
        assert not change.context["has_change_permission"], f"{actor} may change {label}"
        assert not change.context["has_delete_permission"], f"{actor} may delete {label}"
    delete = client.get(url(obj, "delete"))
    assert delete.status_code != 200, f"{actor} reaches the delete confirmation of {label}"
    if tag != "inside":
        history = client.get(url(obj, "history"))
        assert history.status_code != 200, f"{actor} reads the admin history of {label}"


def test_no_attacker_reads_or_writes_outside_their_jurisdiction_in_any_admin(client, world):
    pages = superuser_pages(client, world)
    posted = 0
    for actor, attacks in ATTACKS.items():
        client.force_login(world[actor])
        state = database_state()
        for tag, labels in attacks.items():
            for label in labels:
                obj = world[label]
                assert_reads(client, actor, label, obj, tag)
                for what, target, data in posts_for(label, obj, pages[label], world):
                    response = client.post(target, data)
                    assert response.status_code in {200, 302, 403, 404}, f"{actor} POST {what} of {label}: {response.status_code}"
                    after = database_state()
                    assert after == state, f"{actor} POST {what} of {label} wrote {[t for t in state if state[t] != after[t]]}"
                    posted += 1
    assert posted > 3 * 40 * 3


def test_the_same_posts_do_change_the_actors_own_objects(client, world):
    """The control: the POSTs the walk sends are valid forms — sent about the actor's own objects, they write."""
    superuser = Client()
    superuser.force_login(world["system_admin"])
    own = {"county_admin": ["county_campaign", "county_target_b", "township_b", "unit_b", "other_cadre", "household_b"],
           "township_admin": ["township_a", "unit_a", "cadre", "household_a"]}
    for actor, labels in own.items():
        client.force_login(world[actor])
        for label in labels:
            obj = world[label]
            data, fields = form_data(superuser.get(url(obj, "change")), type(obj))  # as it is now: an earlier POST may have changed it
            before = database_state()
            response = client.post(url(obj, "change"), confirmed(mutated(data, fields)))
            assert response.status_code == 302, f"{actor} could not save {label}: {response.context and response.context['adminform'].form.errors}"
            assert changed_tables(before), f"{actor}'s POST of {label} changed nothing"
    client.force_login(world["county_admin"])
    data, _fields = form_data(superuser.get(url(world["county_campaign"], "change")), Campaign)
    before = TargetVillage.objects.filter(campaign=world["county_campaign"]).count()
    # Delete the inline row of the village nobody is assigned to (the other is protected by its assignment).
    row = next(name.removesuffix("-id") for name, value in data.items() if name.endswith("-id") and value == [str(world["county_target_a"].pk)])
    assert client.post(url(world["county_campaign"], "change"), confirmed({**data, f"{row}-DELETE": ["on"]})).status_code == 302
    assert TargetVillage.objects.filter(campaign=world["county_campaign"]).count() == before - 1


def test_nobody_raises_their_own_powers_in_the_admin(client, world):
    pages = superuser_pages(client, world, ATTACKS)
    for actor in ATTACKS:
        user = world[actor]
        client.force_login(user)
        page = client.get(url(user, "change"))
        assert page.status_code == 200
        form = page.context["adminform"].form
        assert not {"groups", "unit", "jurisdiction", "is_staff", "is_superuser", "is_active", "user_permissions"} & set(form.fields)
        data, _fields = pages[actor]
        before = database_state()
        client.post(url(user, "change"), confirmed(raised_powers(data, world)))
        assert not changed_tables(before), f"{actor} raised their own powers: {changed_tables(before)}"
        client.post(reverse("admin:otp_totp_totpdevice_add"), {"user": world["system_admin"].pk, "name": "mine", "confirmed": "on",
                                                                 "key": "3132333435363738393031323334353637383930", "step": 30, "t0": 0,
                                                                 "digits": 6, "tolerance": 1, "drift": 0, "throttling_failure_count": 0})
        assert not changed_tables(before), f"{actor} enrolled an authenticator for the superuser"


def test_every_custom_admin_page_refuses_the_attackers(client, world):
    """Pages a ModelAdmin adds besides change, delete and history (the authenticator's key and QR code, the
    holiday import, an account's password): none answers them."""
    extra = []
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        standard = {f"{info[0]}_{info[1]}_{view}" for view in ("changelist", "add", "history", "delete", "change", "autocomplete")}
        for pattern in model_admin.get_urls():
            if pattern.name and pattern.name not in standard:
                extra.append((model, pattern))
    assert len(extra) >= 3
    for actor in ATTACKS:
        client.force_login(world[actor])
        for model, pattern in extra:
            sample = next((world[label] for label in ATTACKS["supervisor"]["outside"] + ["system_admin"] if type(world[label]) is model), None)
            try:
                target = reverse(f"admin:{pattern.name}", args=[sample.pk] if pattern.pattern.converters and sample else [])
            except NoReverseMatch:
                continue
            before = database_state()
            for method in (client.get, client.post):
                response = method(target)
                assert response.status_code in {302, 403, 404}, f"{actor} {method.__name__} {pattern.name}: {response.status_code}"
            assert not changed_tables(before)


# --- Finding 2, as reported ---------------------------------------------------------------------------------


def test_a_county_admin_cannot_rename_the_citys_campaign_or_hunan(client, world):
    pages = superuser_pages(client, world, ["city_campaign", "province"])
    client.force_login(world["county_admin"])
    for label in ("city_campaign", "province"):
        obj = world[label]
        data, fields = pages[label]
        page = client.get(url(obj, "change"))
        assert page.status_code == 200 and not page.context["has_change_permission"]  # seen, read-only
        assert client.post(url(obj, "change"), confirmed(mutated(data, fields))).status_code == 403
    assert Campaign.objects.get(pk=world["city_campaign"].pk).name == "市级活动"
    assert Region.objects.get(code=PROVINCE).name == "湖南省"


def test_a_county_admin_cannot_delete_the_citys_target_village_in_another_county(client, world):
    pages = superuser_pages(client, world, ["city_campaign"])
    client.force_login(world["county_admin"])
    target = world["city_target_n"]
    data, _fields = pages["city_campaign"]
    client.post(url(world["city_campaign"], "change"), confirmed(with_inline_rows_deleted(data)))
    client.post(url(target, "delete"), {"post": "yes"})
    client.post(changelist(target), {"action": "delete_selected", "_selected_action": [str(target.pk), str(world["city_target_a"].pk)], "post": "yes"})
    assert TargetVillage.objects.filter(campaign=world["city_campaign"]).count() == 2
    # The city campaign's page lists only the county's own villages, as the campaign page does.
    page = client.get(url(world["city_campaign"], "change")).content.decode()
    assert "邻村" not in page and "大坪村" in page


def test_a_county_admin_does_not_read_the_citys_campaign_log(client, world):
    client.force_login(world["county_admin"])
    assert client.get(reverse("campaigns:events", args=[world["city_campaign"].pk])).status_code == 403  # the page's answer
    assert client.get(url(world["city_campaign"], "history")).status_code == 403
    assert client.get(url(world["city_event"], "change")).status_code == 302  # "does not exist"
    listing = client.get(changelist(world["city_event"])).content.decode()
    assert "市级活动" not in listing and "县级活动" in listing


def test_nothing_is_moved_above_or_out_of_the_county_through_a_form(client, world):
    """Adding or moving a row into the city is refused like changing the city's own rows."""
    client.force_login(world["county_admin"])
    day = TODAY.isoformat()
    client.post(reverse("admin:campaigns_campaign_add"), confirmed({
        "name": ["市里的活动"], "kind": ["custom"], "organiser_region": [CITY], "start_date": [day], "end_date": [day], "status": ["draft"],
        "target_households_visited": ["0"], "target_nights_stayed": ["0"], "target_deeds_done": ["0"],
        "target_villages-TOTAL_FORMS": ["0"], "target_villages-INITIAL_FORMS": ["0"]}))
    assert not Campaign.objects.filter(name="市里的活动").exists()
    client.post(reverse("admin:accounts_region_add"), confirmed({"code": ["431201000000"], "name": ["市辖区"], "level": ["3"], "parent": [CITY]}))
    assert not Region.objects.filter(code="431201000000").exists()
    client.post(reverse("admin:accounts_unit_add"), confirmed({"name": ["市某局"], "region": [CITY], "kind": ["government"]}))
    assert not Unit.objects.filter(name="市某局").exists()
    unit = world["unit_b"]
    client.post(url(unit, "change"), confirmed({"name": [unit.name], "region": [CITY], "kind": [unit.kind]}))
    assert Unit.objects.get(pk=unit.pk).region_id == world["township_b"].code
    client.post(reverse("admin:campaigns_targetvillage_add"), confirmed({
        "campaign": [str(world["county_campaign"].pk)], "village": [NEIGHBOUR_VILLAGE], "assignments-TOTAL_FORMS": ["0"],
        "assignments-INITIAL_FORMS": ["0"]}))
    assert not TargetVillage.objects.filter(campaign=world["county_campaign"], village_id=NEIGHBOUR_VILLAGE).exists()
    household = world["household_b"]
    client.post(url(household, "change"), confirmed({"number": [household.number], "head_name": [household.head_name], "village": [NEIGHBOUR_VILLAGE],
                                                     "members": ["3"], "address": [household.address]}))
    assert Household.objects.get(pk=household.pk).village_id == world["village_b"].code


def test_the_region_choices_of_a_county_admin_stop_at_the_county(client, world):
    client.force_login(world["county_admin"])
    answer = client.get(reverse("admin:autocomplete"), {"app_label": "campaigns", "model_name": "campaign", "field_name": "organiser_region",
                                                         "term": ""}).json()
    codes = {item["id"] for item in answer["results"]}
    assert world["county"].code in codes and not codes & {PROVINCE, CITY, NEIGHBOUR_COUNTY}
    form = client.get(reverse("admin:campaigns_campaign_add")).context["adminform"].form
    assert not form.fields["organiser_region"].queryset.filter(code__in=[PROVINCE, CITY]).exists()


def test_the_digest_sees_any_write(world):
    before = database_state()
    Region.objects.filter(code=PROVINCE).update(name="湖南")
    assert changed_tables(before) == [Region._meta.db_table]
    before = database_state()
    audit.record(AuditEntry.Action.CONFIGURATION, summary="new lines of the trail are not a change")
    assert not changed_tables(before)
