"""Backups: one tar archive holding the database, the uploaded files and a manifest.

`manage.py backup` writes the archive and `manage.py restore` puts it back; both commands are thin
wrappers round the functions here. An archive holds:

    manifest.json      when, which database engine, the last applied migration of each app and the
                       row count of every table, counted from the same snapshot the dump was taken of
    database.dump      PostgreSQL: `pg_dump --format=custom` (compressed; restored with pg_restore + psql)
    database.sqlite3   SQLite (the demo): a consistent copy made with SQLite's online backup API
    media/...          the MEDIA_ROOT tree: visit photos, case attachments, imported rosters

The archive holds residents' personal data: it is written readable by its owner only. Restoring
replaces everything: the database's `public` schema is dropped and rebuilt from the dump in one
transaction (so a failed restore leaves the database as it was) with its triggers and its grants
to the application's role, then MEDIA_ROOT's contents are replaced, then the restored row counts
are compared with the manifest's. On PostgreSQL both run as the role that owns the tables (the
one migrations run as): the application's role may not read sequences nor drop tables.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump, pg_restore and psql with argument lists, never a shell
import tarfile
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DUMP_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}

# Run before the dump's SQL, in the same transaction: start from an empty `public` schema so tables
# added since the backup (later migrations) go too, and give the schema back the owner and the
# USAGE grant a new PostgreSQL 15 database has. lock_timeout: a session still holding locks (a
# running web server or worker) makes the restore fail with a message instead of waiting forever.
PRELUDE_SQL = """\
SET client_min_messages = warning;
SET lock_timeout = '30s';
DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA public;
ALTER SCHEMA public OWNER TO pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
"""


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class TableCount:
    table: str
    expected: int | None  # None: the table is not in the archive's manifest
    restored: int | None  # None: the table is missing after the restore

    @property
    def matches(self) -> bool:
        return self.expected == self.restored


# --- Backup -------------------------------------------------------------------------------------


def default_folder() -> Path:
    return Path(settings.BASE_DIR) / "var" / "backups"


def archive_path(output: str | Path | None = None) -> Path:
    """Where the archive goes: `output` names either the archive itself (ending in .tar) or a folder
    to put a time-stamped one in; nothing given means var/backups/ in the project."""
    name = f"outreach-{timezone.localtime():%Y%m%d-%H%M%S}.tar"
    if output is None:
        return default_folder() / name
    output = Path(output)
    return output if output.suffix == ".tar" else output / name


def create_backup(output: str | Path | None = None, alias: str = DEFAULT_DB_ALIAS) -> tuple[Path, dict]:
    """Write one archive of the database and MEDIA_ROOT; returns its path and manifest.

    The archive is first written as `<name>.partial` and renamed when complete, so a file named
    `.tar` is always a whole backup."""
    target = archive_path(output)
    if target.exists():
        raise BackupError(f"{target} already exists: choose another --output.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    # The dump is made beside the archive, not in /tmp: same disk, and /tmp may be a small tmpfs.
    with tempfile.TemporaryDirectory(prefix=".outreach-backup-", dir=target.parent) as work:
        # A connection of our own: the snapshot transaction must not mix with the caller's.
        with closing(connections[alias].copy()) as connection:
            dump, manifest = dump_database(connection, Path(work))
        try:
            with _private_file(partial) as out, tarfile.open(fileobj=out, mode="w") as tar:
                _add_json(tar, MANIFEST, manifest)
                tar.add(dump, arcname=dump.name)
                _add_media(tar, Path(settings.MEDIA_ROOT))
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    return target, manifest


def dump_database(connection, work: Path) -> tuple[Path, dict]:
    """Dump the database into `work` and describe it in a manifest counted from the same data."""
    if connection.vendor == "postgresql":
        return _dump_postgresql(connection, work)
    if connection.vendor == "sqlite":
        return _dump_sqlite(connection, work)
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def _dump_postgresql(connection, work: Path) -> tuple[Path, dict]:
    """pg_dump reads the snapshot our transaction exported, so the manifest's row counts are exactly
    the rows in the dump even while the application keeps writing.

    --no-owner: the restoring role owns what it recreates. Privileges ARE kept: in production the
    application's role owns no table and holds only the grants it needs (the audit trail's triggers
    depend on it); without them a restored site could not read a table."""
    dump = work / DUMP_FILES["postgresql"]
    connection.set_autocommit(False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        manifest = build_manifest(connection, connection.settings_dict["NAME"])
        _run_pg_tool(connection, "pg_dump", [
            "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={dump}",
        ])
    finally:
        connection.rollback()
        connection.set_autocommit(True)
    return dump, manifest


def _dump_sqlite(connection, work: Path) -> tuple[Path, dict]:
    """SQLite's backup API copies a consistent image while the demo's server and worker keep writing;
    the manifest is counted from the copy, so it describes exactly what is archived."""
    dump = work / DUMP_FILES["sqlite"]
    connection.ensure_connection()
    with closing(sqlite3.connect(dump)) as target:
        connection.connection.backup(target)
    copy = connection.copy()
    copy.settings_dict["NAME"] = str(dump)
    copy.settings_dict["OPTIONS"] = {}  # no WAL switch on the copy: it is archived as one file
    with closing(copy):
        manifest = build_manifest(copy, connection.settings_dict["NAME"])
    return dump, manifest


def build_manifest(connection, database: str) -> dict:
    return {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": connection.vendor,
        "database": str(database),
        "migrations": migration_heads(connection),
        "row_counts": row_counts(connection),
    }


def migration_heads(connection) -> dict[str, str]:
    """The last applied migration of each app: what code the restored database will fit."""
    heads: dict[str, str] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        heads[app] = name
    return heads


def row_counts(connection) -> dict[str, int]:
    """SELECT count(*) of every table the database has, Django's or not."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # nosec B608 - table names from the catalogue, quoted
            counts[table] = cursor.fetchone()[0]
    return counts


def _private_file(path: Path):
    """Open a new file readable and writable by its owner only: the archive holds personal data."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def _add_json(tar: tarfile.TarFile, name: str, data: dict) -> None:
    payload = json.dumps(data, ensure_ascii=False, indent=2).encode()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(payload), int(timezone.now().timestamp()), 0o600
    tar.addfile(info, fileobj=io.BytesIO(payload))


def _add_media(tar: tarfile.TarFile, media_root: Path) -> None:
    """The whole MEDIA_ROOT tree under media/; an empty media/ entry when there is none yet."""
    if media_root.is_dir():
        tar.add(media_root, arcname=MEDIA)
    else:
        info = tarfile.TarInfo(MEDIA)
        info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o700, int(timezone.now().timestamp())
        tar.addfile(info)


# --- Restore ------------------------------------------------------------------------------------


def read_manifest(archive: str | Path, alias: str = DEFAULT_DB_ALIAS) -> dict:
    """The archive's manifest, after checking that this is a backup archive this database can take.
    Called before asking for confirmation, so a wrong file is refused before anything happens."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"No such file: {archive}")
    if not tarfile.is_tarfile(archive):
        raise BackupError(f"{archive} is not a backup archive (not a tar file made by `manage.py backup`).")
    try:
        with tarfile.open(archive) as tar:
            manifest = json.load(tar.extractfile(MANIFEST))
    except KeyError:
        raise BackupError(f"{archive} is not a backup archive: it has no {MANIFEST}.") from None
    except (tarfile.TarError, OSError, ValueError) as error:
        raise BackupError(f"{archive} is damaged: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} has a manifest this version does not understand (format {FORMAT} expected).")
    vendor = connections[alias].vendor
    if manifest.get("engine") != vendor:
        raise BackupError(
            f"{archive} is a backup of a {manifest.get('engine')} database; this site runs on {vendor}. "
            "Restore it into a database of the same engine."
        )
    return manifest


def database_name(alias: str = DEFAULT_DB_ALIAS) -> str:
    return str(connections[alias].settings_dict["NAME"])


def restore_backup(archive: str | Path, alias: str = DEFAULT_DB_ALIAS) -> list[TableCount]:
    """Replace the database and MEDIA_ROOT's contents with the archive's; returns the row count of
    every table against the manifest's. The database goes first: if it fails, the files stay."""
    manifest = read_manifest(archive, alias)
    connection = connections[alias]
    with tempfile.TemporaryDirectory(prefix="outreach-restore-") as work, tarfile.open(archive) as tar:
        dump = _extract_member(tar, DUMP_FILES[manifest["engine"]], Path(work))
        if manifest["engine"] == "postgresql":
            _restore_postgresql(connection, dump, Path(work))
        else:
            _restore_sqlite(connection, dump)
        replace_media(tar, Path(settings.MEDIA_ROOT))
    return compare_counts(manifest["row_counts"], row_counts(connection))


def _extract_member(tar: tarfile.TarFile, name: str, work: Path) -> Path:
    try:
        tar.extract(name, work, filter="data")
    except KeyError:
        raise BackupError(f"The archive has no {name}: it is incomplete.") from None
    except tarfile.TarError as error:
        raise BackupError(f"The archive is damaged: {error}") from error
    return work / name


def _restore_postgresql(connection, dump: Path, work: Path) -> None:
    """pg_restore turns the dump into SQL (it needs no database for that), and the SQL is streamed into
    psql, so the data is never written to disk as plain text. psql runs, in ONE transaction that stops
    at the first error: the prelude (empty the public schema), the dump's SQL, and COMMIT only if
    pg_restore read the whole dump (ROLLBACK otherwise). Either the whole backup is in, pgtrigger's
    triggers and their functions included, or nothing changed.
    (pg_restore --clean alone would leave behind tables the dump does not have.)"""
    connection.close()  # ours must not hold locks on the tables about to be dropped
    psql_args, psql_env = _pg_command(connection, "psql", ["--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", "--file=-"])
    converter_args = [_pg_command(None, "pg_restore", [])[0][0], "--no-owner", "--file=-", str(dump)]
    with open(work / "pg_restore.err", "w+") as converter_errors, open(work / "psql.out", "w+") as psql_output:
        converter = subprocess.Popen(converter_args, stdout=subprocess.PIPE, stderr=converter_errors)  # nosec B603 - fixed PostgreSQL client, argument list, no shell
        psql, converted, restored = None, False, False
        try:
            psql = subprocess.Popen(  # nosec B603 - fixed PostgreSQL client, argument list, no shell
                psql_args, env=psql_env, stdin=subprocess.PIPE, stdout=psql_output, stderr=subprocess.STDOUT,
            )
            try:
                psql.stdin.write(b"BEGIN;\n" + PRELUDE_SQL.encode())
                shutil.copyfileobj(converter.stdout, psql.stdin, 1 << 20)
                converted = converter.wait() == 0
                # A restored database has no planner statistics until autovacuum comes round: gather them now.
                psql.stdin.write(b"ANALYZE;\nCOMMIT;\n" if converted else b"ROLLBACK;\n")
                psql.stdin.close()
            except BrokenPipeError:
                pass  # psql stopped at an error and rolled back; its output says which
            restored = psql.wait() == 0
        finally:
            for process in (converter, psql):  # nothing left running, whatever went wrong
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait()
        if restored and converted:
            return
        psql_output.seek(0)
        converter_errors.seek(0)
        if not restored:
            problem = f"psql failed (exit status {psql.returncode}):\n{psql_output.read().strip()}"
        else:
            problem = f"pg_restore failed (exit status {converter.returncode}):\n{converter_errors.read().strip()}"
        raise BackupError(
            f"{problem}\nThe database was left as it was (the restore is one transaction). A lock timeout means "
            "another session - the web server, Celery - is using the database: stop it and try again."
            + _owner_hint(problem)
        )


def _restore_sqlite(connection, copy: Path) -> None:
    """The backup API again, from the archived copy into the live file: it replaces every page under
    SQLite's own locks, so other processes never see half a database."""
    connection.close()
    target = connection.copy()
    with closing(target), closing(sqlite3.connect(copy)) as source:
        target.ensure_connection()
        source.backup(target.connection)


def replace_media(tar: tarfile.TarFile, media_root: Path) -> None:
    """Make MEDIA_ROOT hold exactly the archive's media/ tree. Extracted first into a hidden folder
    inside MEDIA_ROOT (same filesystem, so moves are renames; works when MEDIA_ROOT is a mount point),
    then the old contents go and the new move in. The "data" filter refuses absolute paths, `..`,
    links out of the folder and device files."""
    media_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root))
    try:
        members = [m for m in tar.getmembers() if m.name == MEDIA or m.name.startswith(MEDIA + "/")]
        try:
            tar.extractall(staging, members=members, filter="data")
        except tarfile.TarError as error:
            raise BackupError(f"The archive's media files could not be extracted: {error}") from error
        for child in media_root.iterdir():
            if child != staging:
                _remove(child)
        if (staging / MEDIA).is_dir():
            for child in (staging / MEDIA).iterdir():
                child.rename(media_root / child.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def compare_counts(expected: dict[str, int], restored: dict[str, int]) -> list[TableCount]:
    return [TableCount(table, expected.get(table), restored.get(table)) for table in sorted(expected.keys() | restored.keys())]


# --- PostgreSQL client tools --------------------------------------------------------------------


def _owner_hint(error: str) -> str:
    """What to do when PostgreSQL refused for want of ownership."""
    if "permission denied" in error or "must be owner" in error:
        return ("\nBackups and restores run as the database role that owns the tables (the one migrations run as), "
                "not the application's: set DATABASE_URL to it for this command.")
    return ""


def _pg_command(connection, tool: str, options: list[str]) -> tuple[list[str], dict]:
    """The command line and environment for pg_dump, pg_restore or psql against the connection's
    database (none for pg_restore, which only converts). Host, port, user and database come from the
    settings as arguments, the password through PGPASSWORD: never on a command line others can read."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(
            f"{tool} was not found on PATH. Install the PostgreSQL client of the server's major version "
            "(Debian: apt-get install postgresql-client)."
        )
    if connection is None:
        return [executable, *options], dict(os.environ)
    args, extra_env = DatabaseClient.settings_to_cmd_args_env(connection.settings_dict, options)
    args[0] = executable
    return args, {**os.environ, **(extra_env or {})}


def _run_pg_tool(connection, tool: str, options: list[str]) -> None:
    args, env = _pg_command(connection, tool, options)
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # nosec B603 - fixed PostgreSQL client, argument list, no shell
    if result.returncode != 0:
        raise BackupError(f"{tool} failed (exit status {result.returncode}):\n{result.stderr.strip()}{_owner_hint(result.stderr)}")
