from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from outreach import backup


class Command(BaseCommand):
    help = (
        "Replace the database and the uploaded files with those of an archive made by `manage.py backup`, "
        "then check every table's row count against the archive's. Stop the web server and Celery first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar file written by `manage.py backup`.")
        parser.add_argument("--no-input", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, **options):
        try:
            manifest = backup.read_manifest(options["archive"])
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        if not options["no_input"] and not self.confirmed(manifest):
            self.stdout.write("Restore cancelled: nothing was changed.")
            return
        try:
            counts = backup.restore_backup(options["archive"])
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.print_counts(counts)
        wrong = [count.table for count in counts if not count.matches]
        if wrong:
            raise CommandError(f"Row counts differ from the backup's in {len(wrong)} table(s): {', '.join(wrong)}.")
        self.stdout.write(self.style.SUCCESS(f"Restored {options['archive']}: every table has the backup's row count."))

    def confirmed(self, manifest: dict) -> bool:
        question = (
            f"This replaces all data in {backup.database_name()} and every file in {settings.MEDIA_ROOT} "
            f"with the backup of {manifest['created_at']}.\n"
            "Stop the web server and Celery first. Type 'yes' to continue, anything else to cancel: "
        )
        return input(question).strip().lower() == "yes"

    def print_counts(self, counts: list[backup.TableCount]) -> None:
        width = max([len(count.table) for count in counts] + [5])
        self.stdout.write(f"{'table':<{width}}  {'backup':>9}  {'restored':>9}")
        for count in counts:
            expected = "-" if count.expected is None else count.expected
            restored = "-" if count.restored is None else count.restored
            line = f"{count.table:<{width}}  {expected:>9}  {restored:>9}"
            self.stdout.write(line if count.matches else self.style.ERROR(f"{line}  differs"))
