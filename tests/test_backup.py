"""`manage.py backup` and `manage.py restore`: a seeded database and its uploaded files, archived, damaged,
restored — on the real PostgreSQL test database, with pg_dump, pg_restore and psql."""

import io
import sqlite3
import tarfile
import time
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.utils import ConnectionHandler

from accounts.models import Region
from campaigns.models import CheckIn, Household, Visit, VisitPhoto
from demo import county
from grievances.models import Case, CaseEvent, CaseEventAttachment, MediationSession
from outreach import backup
from tests.clock import TODAY

from .factories import region

PHOTO = b"\xff\xd8\xff\xe0 a visit photo \x00\x01\x02" * 100


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def web_role(transactional_db):
    """A role like production's application role: it owns no table and holds only grants."""
    name = f"outreach_test_web_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} NOLOGIN")
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {name}")
        cursor.execute(f"DROP ROLE {name}")


def can_write_households(role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'campaigns_household', 'SELECT, INSERT')", [role])
        return cursor.fetchone()[0]


def audit_triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = 'accounts_auditentry'::regclass")
        return {name for (name,) in cursor.fetchall()}


def delete_case(case: Case) -> None:
    """Cases are protected by their timeline; take the whole case out as a careless admin might."""
    MediationSession.objects.filter(case=case).delete()
    CaseEventAttachment.objects.filter(event__case=case).delete()
    CaseEvent.objects.filter(case=case).delete()
    case.handlers.clear()
    case.delete()


@pytest.mark.demo_build
@pytest.mark.django_db(transaction=True)
def test_a_seeded_database_and_its_photos_come_back_from_a_backup(media, tmp_path, web_role, migration_data):
    county.build(today=TODAY, flag_pass=False)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT SELECT, INSERT ON campaigns_household TO {web_role}")
    photo = VisitPhoto(visit=Visit.objects.order_by("pk").first(), content_type="image/jpeg", size=len(PHOTO))
    photo.image.save("photo.jpg", ContentFile(PHOTO))
    photo_pk = photo.pk
    case = Case.objects.filter(reviews__isnull=True).order_by("pk").first()
    events = case.events.count()
    household = Household.objects.order_by("pk").first()
    before = backup.row_counts(connection)
    triggers = audit_triggers()
    assert before["campaigns_household"] == 5000 and before["campaigns_visitphoto"] == 1
    assert triggers  # the audit trail's append-only triggers, which a restore must bring back

    started = time.monotonic()
    call_command("backup", output=str(tmp_path / "backups"), stdout=io.StringIO())
    backup_seconds = time.monotonic() - started
    (archive,) = (tmp_path / "backups").glob("outreach-*.tar")
    assert archive.stat().st_mode & 0o077 == 0  # residents' personal data: the owner's eyes only

    # After the backup: rows deleted and changed, the photo deleted, a stray file added.
    delete_case(case)
    CheckIn.objects.all().delete()
    Household.objects.filter(pk=household.pk).update(head_name="改过的名字")
    photo.image.delete()
    photo.delete()
    (media / "stray.txt").write_text("written after the backup")
    assert backup.row_counts(connection) != before

    started = time.monotonic()
    out = io.StringIO()
    call_command("restore", str(archive), no_input=True, stdout=out)
    restore_seconds = time.monotonic() - started

    assert backup.row_counts(connection) == before
    assert "every table has the backup's row count" in out.getvalue()
    assert "campaigns_checkin" in out.getvalue()  # the comparison table is printed
    assert Case.objects.get(number=case.number).events.count() == events > 0
    assert Household.objects.get(pk=household.pk).head_name == household.head_name
    restored_photo = VisitPhoto.objects.get(pk=photo_pk)
    with restored_photo.image.open("rb") as image:
        assert image.read() == PHOTO
    assert not (media / "stray.txt").exists()
    assert audit_triggers() == triggers
    assert can_write_households(web_role)  # the application's grants came back with the tables
    print(f"backup {backup_seconds:.2f}s, restore {restore_seconds:.2f}s of {sum(before.values())} rows in {len(before)} tables")


@pytest.mark.django_db(transaction=True)
def test_the_manifest_counts_what_the_dump_holds(media, tmp_path):
    region("431299000000", "清溪县")
    path, manifest = backup.create_backup(tmp_path / "one.tar")
    assert path == tmp_path / "one.tar"
    assert manifest["engine"] == "postgresql" and manifest["database"] == connection.settings_dict["NAME"]
    assert manifest["row_counts"] == backup.row_counts(connection)
    assert manifest["migrations"]["accounts"].startswith("00")
    with tarfile.open(path) as tar:
        assert {"manifest.json", "database.dump", "media"} <= set(tar.getnames())
    with pytest.raises(backup.BackupError, match="already exists"):
        backup.create_backup(tmp_path / "one.tar")


@pytest.mark.django_db
def test_restore_asks_first_and_does_nothing_without_a_yes(media, tmp_path, monkeypatch):
    media.mkdir()
    (media / "kept.txt").write_text("still here")
    archive, _manifest = backup.create_backup(tmp_path / "backup.tar")
    region("431299000000", "清溪县")  # a change made after the backup
    questions = []
    monkeypatch.setattr("builtins.input", lambda question: questions.append(question) or "no")
    out = io.StringIO()

    call_command("restore", str(archive), stdout=out)

    assert "this replaces all data in" in questions[0].lower() and connection.settings_dict["NAME"] in questions[0]
    assert "cancelled" in out.getvalue()
    assert Region.objects.filter(code="431299000000").exists()
    assert (media / "kept.txt").read_text() == "still here"


@pytest.mark.django_db(transaction=True)  # the restore closes the connection: no test transaction around it
def test_a_damaged_dump_is_refused_with_pg_restores_words_and_nothing_changes(media, tmp_path):
    archive, _manifest = backup.create_backup(tmp_path / "backup.tar")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as original, tarfile.open(damaged, "w") as copy:
        for member in original.getmembers():
            data = original.extractfile(member) if member.isfile() else None
            if member.name == "database.dump":
                cut = original.extractfile(member).read()[: member.size // 2]
                member.size, data = len(cut), io.BytesIO(cut)
            copy.addfile(member, data)
    region("431299000000", "清溪县")

    with pytest.raises(CommandError, match="pg_restore failed .*\n.*pg_restore: error"):
        call_command("restore", str(damaged), no_input=True)

    assert Region.objects.filter(code="431299000000").exists()


@pytest.mark.django_db
def test_backup_says_so_when_pg_dump_is_not_installed(media, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match="pg_dump was not found on PATH. Install the PostgreSQL client"):
        call_command("backup", output=str(tmp_path / "backups"))
    assert list((tmp_path / "backups").iterdir()) == []  # no half-written archive left behind


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        (b"name,phone\n", "not a backup archive"),
        ("tar without manifest", "has no manifest.json"),
    ],
)
def test_restore_refuses_what_is_not_a_backup(tmp_path, content, message):
    path = tmp_path / "backup.tar"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        with tarfile.open(path, "w") as tar:
            tar.add(__file__, arcname="notes.py")
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(path), no_input=True)


def test_restore_refuses_a_backup_of_another_engine(tmp_path, media, monkeypatch, django_db_blocker):
    with django_db_blocker.unblock():
        archive, _manifest = sqlite_backup(tmp_path, monkeypatch)
    monkeypatch.undo()
    with pytest.raises(CommandError, match="backup of a sqlite database; this site runs on postgresql"):
        call_command("restore", str(archive), no_input=True)


def test_the_demos_sqlite_database_round_trips(tmp_path, media, monkeypatch, django_db_blocker):
    """The zero-setup demo runs on SQLite: the same archive, made with SQLite's backup API."""
    media.mkdir()
    (media / "visits").mkdir()
    (media / "visits" / "photo.jpg").write_bytes(PHOTO)
    with django_db_blocker.unblock():  # only the SQLite file below is touched, never the test database
        archive, manifest = sqlite_backup(tmp_path, monkeypatch)
        assert manifest["row_counts"] == {"households": 3, "visits": 0}
        with sqlite3.connect(tmp_path / "demo.sqlite3") as database:
            database.execute("DELETE FROM households")
            database.execute("CREATE TABLE later (id integer)")
        (media / "visits" / "photo.jpg").unlink()

        counts = backup.restore_backup(archive)

    assert [(c.table, c.expected, c.restored) for c in counts] == [("households", 3, 3), ("visits", 0, 0)]
    assert (media / "visits" / "photo.jpg").read_bytes() == PHOTO


def sqlite_backup(tmp_path, monkeypatch):
    """A backup of a small SQLite database standing in for the demo's, through outreach.backup's own path."""
    with sqlite3.connect(tmp_path / "demo.sqlite3") as database:
        database.execute("CREATE TABLE households (id integer PRIMARY KEY, head_name text)")
        database.execute("CREATE TABLE visits (id integer PRIMARY KEY)")
        database.executemany("INSERT INTO households (head_name) VALUES (?)", [("张三",), ("李四",), ("王五",)])
    demo_databases = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "demo.sqlite3")}})
    monkeypatch.setattr(backup, "connections", demo_databases)
    return backup.create_backup(tmp_path / "demo-backup.tar")


@pytest.mark.django_db(transaction=True)
def test_a_restore_by_the_application_role_is_refused_with_psqls_words_and_nothing_changes(media, tmp_path, app_role):
    archive, _manifest = backup.create_backup(tmp_path / "backup.tar")
    region("431299000000", "清溪县")
    owner = connection.settings_dict["USER"]
    connection.settings_dict["USER"] = app_role[0]  # as if DATABASE_URL named the app's role, not the owner
    try:
        with pytest.raises(CommandError) as refused:
            call_command("restore", str(archive), no_input=True)
    finally:
        connection.close()
        connection.settings_dict["USER"] = owner

    message = str(refused.value)
    assert message.startswith("psql failed") and "must be owner" in message and "role that owns the tables" in message
    assert Region.objects.filter(code="431299000000").exists()
