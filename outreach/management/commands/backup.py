from django.core.management.base import BaseCommand, CommandError

from outreach import backup


class Command(BaseCommand):
    help = (
        "Write one archive (.tar) of the database and the uploaded files (MEDIA_ROOT), with a manifest of "
        "row counts. It holds personal data: it is readable by its owner only; keep it so."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", metavar="DIR_OR_FILE",
            help="A folder for a time-stamped archive, or the archive's name ending in .tar (default: var/backups/).",
        )

    def handle(self, *args, **options):
        try:
            path, manifest = backup.create_backup(options["output"])
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["row_counts"].values())
        tables = len(manifest["row_counts"])
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path} ({tables} tables, {rows} rows, with MEDIA_ROOT)."))
