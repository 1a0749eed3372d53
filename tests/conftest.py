import pytest
import time_machine
from django.conf import settings

from accounts.models import Unit
from accounts.roles import Role

from .clock import NOW
from .factories import UnitFactory, UserFactory, region

COUNTY = "431299000000"
TOWNSHIP_A = "431299100000"
TOWNSHIP_B = "431299101000"
VILLAGE_A = "431299100201"
VILLAGE_B = "431299101201"


def pytest_configure(config):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit("The test suite runs on PostgreSQL and Redis: use `make test` (it starts them).", returncode=2)


def pytest_itemcollected(item):
    """A test using the session's real worker process keeps the real clock, like every server test."""
    if "celery_worker" in getattr(item, "fixturenames", ()):
        item.add_marker("wall_clock")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests last: Playwright's sync API leaves an event loop running in the main thread, and
    Django refuses database calls from a thread with a running loop (tests/browser/conftest.py lifts
    that check for the browser tests alone)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _frozen_clock(request, settings):
    """Every test starts at tests.clock.NOW and the clock ticks on from there. Tests marked `wall_clock`
    drive real server processes (workers, beat, gunicorn), whose clocks cannot be moved: they keep the
    real time and build their data relative to it."""
    if request.node.get_closest_marker("wall_clock"):
        yield
        return
    # PostgreSQL's clock is not frozen and TEST_NOW may be years ahead of it: the sweep's guard against an
    # app clock running ahead of the database (grievances/reminders.py) is tested with the real clock.
    settings.REMINDER_SWEEP_MAX_CLOCK_LEAD_SECONDS = 0
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _two_factor_only_where_tested(request, settings):
    """Supervisors and admins need a TOTP code at login; tests about other things sign them in without one.
    Tests marked `two_factor` keep the production setting."""
    if request.node.get_closest_marker("two_factor") is None:
        settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture
def regions(db):
    """A county with townships A and B, one village in each."""
    return {
        "county": region(COUNTY, "清溪县"),
        "township_a": region(TOWNSHIP_A, "城关镇"),
        "township_b": region(TOWNSHIP_B, "河西镇"),
        "village_a": region(VILLAGE_A, "大坪村"),
        "village_b": region(VILLAGE_B, "小溪村"),
    }


@pytest.fixture
def unit_a(regions):
    return UnitFactory(name="城关镇人民政府", region=regions["township_a"], kind=Unit.Kind.TOWNSHIP)


@pytest.fixture
def unit_b(regions):
    return UnitFactory(name="河西镇人民政府", region=regions["township_b"], kind=Unit.Kind.TOWNSHIP)


@pytest.fixture
def cadre(unit_a):
    return UserFactory(real_name="李干部", unit=unit_a, roles=[Role.CADRE])


@pytest.fixture
def other_cadre(unit_b):
    return UserFactory(real_name="王干部", unit=unit_b, roles=[Role.CADRE])


@pytest.fixture
def handler(unit_a):
    return UserFactory(real_name="何经办", unit=unit_a, roles=[Role.HANDLER])


@pytest.fixture
def leader(unit_a):
    return UserFactory(real_name="唐领导", unit=unit_a, roles=[Role.LEADER])


@pytest.fixture
def supervisor(regions, unit_a):
    """Supervisor of township A."""
    return UserFactory(real_name="罗督查", unit=unit_a, jurisdiction=regions["township_a"], roles=[Role.SUPERVISOR])


@pytest.fixture
def other_supervisor(regions, unit_b):
    """Supervisor of township B."""
    return UserFactory(real_name="郑督查", unit=unit_b, jurisdiction=regions["township_b"], roles=[Role.SUPERVISOR])


@pytest.fixture
def county_supervisor(regions):
    """督查组 of the county: sees both townships."""
    unit = UnitFactory(name="县纪委监委", region=regions["county"])
    return UserFactory(real_name="郑县督查", unit=unit, jurisdiction=regions["county"], roles=[Role.SUPERVISOR])


@pytest.fixture
def campaign_admin(regions):
    unit = UnitFactory(name="县委组织部", region=regions["county"])
    return UserFactory(
        real_name="周管理", unit=unit, jurisdiction=regions["county"], is_staff=True, roles=[Role.CAMPAIGN_ADMIN]
    )


@pytest.fixture
def outsider(db):
    """Signed in, but with no role, unit or jurisdiction."""
    return UserFactory(real_name="路人", unit=None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # No browser download is possible here: drive Debian's Chromium.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }



@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections_before_dropping_the_test_database(django_db_setup, django_db_blocker):
    """Playwright's sync API runs tests under greenlets, and a query there opens a connection in a
    context the main thread cannot close; end those sessions so the test database can be dropped."""
    yield
    with django_db_blocker.unblock():
        from django.db import OperationalError, connection

        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        except OperationalError:
            pass  # a run without database tests reaches no database: nothing to close


@pytest.fixture
def app_role(transactional_db):
    """A login role with only the grants deploy/app-role-grants.sql gives production's application role;
    yields its name and a DATABASE_URL for it."""
    import subprocess
    import uuid

    from django.db import connection

    from .celery_processes import ROOT, worker_database_url

    name = f"outreach_app_{uuid.uuid4().hex[:8]}"
    owner_url = worker_database_url()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" LOGIN')
    subprocess.run(["psql", owner_url, "-q", "-v", f"owner={connection.settings_dict['USER']}", "-v", f"app={name}",
                    "-f", str(ROOT / "deploy" / "app-role-grants.sql")], check=True, capture_output=True)
    yield name, owner_url.replace(f"//{connection.settings_dict['USER']}:", f"//{name}:", 1)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


@pytest.fixture
def migration_data(transactional_db):
    """Transactional tests empty every table after they run, and with them what migrations wrote:
    make the role groups, the default case categories and the holiday calendar again for a test that needs them."""
    from django.apps import apps

    from accounts.roles import sync_role_permissions
    from grievances.categories import ensure_default_categories
    from grievances.holidays import seed_from_package
    from grievances.models import CaseCategory

    sync_role_permissions(apps, None)
    ensure_default_categories(CaseCategory)
    seed_from_package()


@pytest.fixture
def broker():
    """A Celery client on the Redis database of the servers a test starts (celery_processes.Servers), to
    send them tasks and watch their queues; that database is emptied before and after."""
    import redis
    from celery import Celery

    from .celery_processes import CLUSTER_REDIS_URL

    # Not the current app: the rest of the session's tasks must still go to the session's broker.
    client = Celery("outreach-cluster-client", broker=CLUSTER_REDIS_URL, set_as_current=False)
    client.config_from_object("django.conf:settings", namespace="CELERY")
    client.conf.broker_url = client.conf.result_backend = CLUSTER_REDIS_URL
    redis.Redis.from_url(CLUSTER_REDIS_URL).flushdb()
    yield client
    redis.Redis.from_url(CLUSTER_REDIS_URL).flushdb()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """One real worker subprocess for the whole session, for tests that go through the task queue."""
    from .celery_processes import celery_processes

    with django_db_blocker.unblock(), celery_processes(tmp_path_factory.mktemp("worker")) as logs:
        yield logs
