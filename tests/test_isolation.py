"""Every URL, walked from the URLconf: anonymous users go to the login page; people of another
jurisdiction or unit, whatever their role, get 404 or 403 on another township's objects and do not
see them in any list. A new view is covered without anyone remembering: if its URL takes an
argument this file does not know, the test fails and asks for a sample."""

import datetime
import io
import itertools
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from accounts.roles import Role
from campaigns import services as campaign_services
from campaigns.models import Assignment, Flag, FlagRule, ImportJob, TargetVillage
from grievances import services as case_services
from tests.clock import TODAY
from tests.factories import CampaignFactory, HouseholdFactory, UserFactory

SKIPPED_PREFIXES = ("admin:",)  # Django's admin: walked model by model below (test_the_admin_shows_…)
ANSWERS = {200, 302, 403, 404, 405}  # anything else — a 500 above all — fails the walk


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


ALL_URLS = [(name, pattern) for name, pattern in walk(get_resolver().url_patterns) if not name.startswith(SKIPPED_PREFIXES)]


def is_public(pattern) -> bool:
    return getattr(pattern.callback, "login_required", True) is False


@pytest.fixture
def township_a(regions, campaign_admin, cadre, unit_a, django_capture_on_commit_callbacks):
    """One of everything, in township A, created through the services."""
    today = TODAY
    admin_a = UserFactory(real_name="甲管理", jurisdiction=regions["township_a"], unit=unit_a, is_staff=True, roles=[Role.CAMPAIGN_ADMIN])
    campaign = CampaignFactory(name="甲镇活动", organiser_region=regions["township_a"], start_date=today - datetime.timedelta(days=1),
                               end_date=today + datetime.timedelta(days=5))
    target = TargetVillage.objects.create(campaign=campaign, village=regions["village_a"])
    campaign_services.cadres_assign(actor=admin_a, target_id=target.pk, cadre_ids=[cadre.pk])
    household = HouseholdFactory(village=regions["village_a"], head_name="甲户主", phone="13800001111")
    jpeg = SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0" + b"0" * 32)
    visit, _ = campaign_services.visit_record(cadre=cadre, client_id=uuid.uuid4(), visited_on=today, household=household,
                                              diary="甲镇日记", demands=[campaign_services.DemandInput("甲镇诉求")], photos=[jpeg])
    handler = UserFactory(unit=unit_a, roles=[Role.HANDLER])
    leader = UserFactory(unit=unit_a, roles=[Role.LEADER])
    case = visit.cases.get()
    case_services.case_accept(actor=handler, case_id=case.pk)
    case_services.case_assign(actor=handler, case_id=case.pk, unit=unit_a, leader=leader, handlers=[handler],
                              attachment=SimpleUploadedFile("交办单.pdf", b"%PDF-1.4 test"))
    campaign_services.household_save(actor=admin_a, village_code=household.village_id, household_id=household.pk, data={"help_needed": "种子"})
    conflict = campaign_services.household_sync(actor=cadre, household=household, data={"help_needed": "化肥"}, base_version=1, client_id=uuid.uuid4())
    flag = Flag.objects.create(rule=FlagRule.COPIED_DIARY, key=f"visit:{visit.pk}", evidence="甲镇日记 与另一次走访雷同", village=regions["village_a"],
                               campaign=campaign, cadre=cadre)
    flag.visits.add(visit)
    with django_capture_on_commit_callbacks(execute=False):
        job = campaign_services.roster_import_start(actor=admin_a, kind=ImportJob.Kind.HOUSEHOLDS, upload=SimpleUploadedFile("甲.csv", b"x"))
    return {
        "campaign": campaign, "target": target, "assignment": Assignment.objects.get(cadre=cadre), "household": household,
        "visit": visit, "photo": visit.photos.get(), "case": case, "job": job,
        "attachment": case.events.get(action="assign").attachments.get(), "conflict": conflict, "flag": flag,
    }


def samples(name: str, objects: dict) -> dict:
    """Values for a URL's arguments, pointing at township A's objects."""
    by_name = {
        ("campaigns", "pk"): objects["job"].pk if "import" in name else objects["campaign"].pk,
        ("campaigns", "target_pk"): objects["target"].pk,
        ("campaigns", "assignment_pk"): objects["assignment"].pk,
        ("campaigns", "kind"): "households",
        ("campaigns", "extension"): "xlsx",
        ("work", "pk"): objects["visit"].pk if "visit" in name else objects["household"].pk,
        ("work", "photo_pk"): objects["photo"].pk,
        ("work", "edit_pk"): objects["conflict"].pk,
        ("work", "target_pk"): objects["target"].pk,
        ("grievances", "pk"): objects["case"].pk,
        ("flags", "pk"): objects["flag"].pk,
        ("grievances", "action"): "start",
        ("grievances", "attachment_pk"): objects["attachment"].pk,
        ("", "token"): "invalid-token",
    }
    return by_name


def url_for(name, pattern, objects):
    table = samples(name, objects)
    namespace = name.split(":")[0] if ":" in name else ""
    kwargs = {}
    for key in pattern.pattern.converters:
        assert (namespace, key) in table, f"{name}: add a township-A sample for its argument {key!r} in tests/test_isolation.py"
        kwargs[key] = table[(namespace, key)]
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def outsiders(regions, unit_b):
    """Every role, from township B."""
    return {
        "cadre": UserFactory(unit=unit_b, roles=[Role.CADRE]),
        "handler": UserFactory(unit=unit_b, roles=[Role.HANDLER]),
        "leader": UserFactory(unit=unit_b, roles=[Role.LEADER]),
        "supervisor": UserFactory(unit=unit_b, jurisdiction=regions["township_b"], roles=[Role.SUPERVISOR]),
        "admin": UserFactory(unit=unit_b, jurisdiction=regions["township_b"], is_staff=True, roles=[Role.CAMPAIGN_ADMIN]),
    }


def test_every_private_url_sends_anonymous_visitors_to_login(client, township_a):
    checked = 0
    for name, pattern in ALL_URLS:
        if is_public(pattern):
            continue
        url = url_for(name, pattern, township_a)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (302, 405), f"{name} {method.__name__}: {response.status_code}"
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("accounts:login")), name
        checked += 1
    assert checked > 30


def test_no_role_from_another_township_reaches_township_as_objects(client, township_a, outsiders):
    bound = [(name, pattern) for name, pattern in ALL_URLS if pattern.pattern.converters and not is_public(pattern)]
    assert len(bound) > 15
    object_free = {"campaigns:import-template"}  # downloads a blank template: nothing of township A in it
    for role, user in outsiders.items():
        client.force_login(user)
        for name, pattern in bound:
            if name in object_free:
                continue
            url = url_for(name, pattern, township_a)
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code in (403, 404, 405), f"{role} {method.__name__} {name}: {response.status_code}"


MARKERS = ["甲镇活动", "甲户主", "甲镇日记", "甲镇诉求", "13800001111"]


def test_township_as_objects_appear_in_no_list_of_another_township(client, township_a, outsiders, regions):
    lists = [(name, pattern) for name, pattern in ALL_URLS if not pattern.pattern.converters and not is_public(pattern)]
    case_number = township_a["case"].number
    # Each list as it opens, and asked outright for township A's region, village and campaign (the
    # dashboards' drill-down parameters; a stated purpose for personal-data exports).
    queries = ["", f"?region={regions['township_a'].code}",
               f"?region={regions['village_a'].code}&campaign={township_a['campaign'].pk}&purpose=report&export=regions"]
    for role, user in outsiders.items():
        client.force_login(user)
        for (name, _pattern), query in itertools.product(lists, queries):
            response = client.get(reverse(name) + query)
            assert response.status_code in ANSWERS, f"{role} GET {name}{query}: {response.status_code}"
            if response.status_code != 200:
                continue
            if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
                workbook = load_workbook(io.BytesIO(response.content))
                html = " ".join(str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row)
            else:
                html = response.content.decode()
            for marker in [*MARKERS, case_number, regions["village_a"].name]:
                assert marker not in html, f"{role} sees {marker!r} on {name}{query}"


def readable(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = load_workbook(io.BytesIO(response.content))
        return " ".join(str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row)
    return response.content.decode()


def township_a_samples(objects: dict) -> dict:
    """One township-A object per model the admin registers, where the fixture made one."""
    case, visit = objects["case"], objects["visit"]
    rows = [objects["campaign"], objects["target"], objects["assignment"], objects["household"], objects["job"], case,
            case.events.first(), visit.cadre, visit.cadre.unit, visit.household.village, case.reminders.first(),
            objects["campaign"].events.first()]
    return {type(obj): obj for obj in rows if obj is not None}


def test_the_admin_shows_another_townships_staff_nothing_of_township_a(client, township_a, outsiders, regions):
    """Every registered ModelAdmin, as township B's campaign admin (staff), supervisor and cadre: the list
    answers without an error and names nothing of township A; township A's own rows cannot be opened,
    their history read, or their delete page reached."""
    from django.contrib import admin

    samples_by_model = township_a_samples(township_a)
    markers = [*MARKERS, township_a["case"].number, regions["village_a"].name, "甲管理"]
    walked = opened = 0
    for role in ("admin", "supervisor", "cadre"):
        client.force_login(outsiders[role])
        for model in admin.site._registry:
            info = model._meta.app_label, model._meta.model_name
            response = client.get(reverse("admin:{}_{}_changelist".format(*info)))
            assert response.status_code in ANSWERS, f"{role} {info} list: {response.status_code}"
            if response.status_code == 200:
                page = readable(response)
                for marker in markers:
                    assert marker not in page, f"{role} sees {marker!r} in the admin list of {info}"
            walked += 1
            sample = samples_by_model.get(model)
            if sample is None:
                continue
            for view in ("change", "history", "delete"):
                url = reverse("admin:{}_{}_{}".format(*info, view), args=[sample.pk])
                response = client.get(url)
                assert response.status_code in ANSWERS - {200}, f"{role} opens township A's {info} {view}: {response.status_code}"
                opened += 1
    assert walked >= 3 * 15 and opened >= 3 * 3 * 10


def test_a_cases_and_a_visits_child_rows_are_seen_exactly_where_their_parent_is(township_a, outsiders, supervisor):
    """Timeline, attachments, mediation sessions, reminders, deliveries, photos, revisions and ratings:
    each model's own visible_to follows its parent, so the admin and every page can read through it."""
    from campaigns.models import Evaluation, VisitPhoto, VisitRevision
    from grievances.models import CaseEvent, CaseEventAttachment, Delivery, MediationSession, Reminder

    case, visit = township_a["case"], township_a["visit"]
    reminder = Reminder.objects.create(case=case, deadline="resolve", due=TODAY, threshold=0, recipient=case.handlers.get())
    Delivery.objects.create(reminder=reminder, channel="email")
    MediationSession.objects.create(case=case, kind="peoples", held_on=TODAY, mediator="村调委会", result="agreed", recorded_by=visit.cadre)
    VisitRevision.objects.create(visit=visit, edited_by=visit.cadre, previous={"diary": "旧"})
    Evaluation.objects.create(campaign=township_a["campaign"], target_village=township_a["target"], household=visit.household, rating="satisfied")
    children = [CaseEvent, CaseEventAttachment, MediationSession, Reminder, Delivery, VisitPhoto, VisitRevision, Evaluation]
    for model in children:
        assert model.objects.visible_to(supervisor).exists(), f"township A's supervisor sees no {model.__name__}"
        for role, user in outsiders.items():
            assert not model.objects.visible_to(user).exists(), f"{role} of township B sees a {model.__name__} of township A"
    assert list(Reminder.objects.visible_to(case.handlers.get())) == [reminder]
