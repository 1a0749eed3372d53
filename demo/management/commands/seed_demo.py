from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from demo import county


class Command(BaseCommand):
    help = "Build the demo county (regions, units, cadres, households, campaigns); running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true",
            help="Seed even with DEBUG off (the demo accounts share a published password).",
        )
        parser.add_argument(
            "--robot-url", default=county.DEFAULT_ROBOT_URL,
            help="The running demo's robot receiver, where the demo units' group robots post (a loopback address only). "
                 "Default: %(default)s",
        )
        parser.add_argument(
            "--no-flag-pass", action="store_true",
            help="Leave the fabrication flags to the nightly pass instead of running it now (a quicker build).",
        )
        parser.add_argument(
            "--households-per-village", type=int, default=county.HOUSEHOLDS_PER_VILLAGE, metavar="N",
            help="Households in each of the 100 villages: %(default)s for a quick demo, ~600 like a real county "
                 "(load tests: make bench-load). Between {} and {}.".format(*county.HOUSEHOLDS_PER_VILLAGE_RANGE),
        )

    def handle(self, *args, **options):
        if not (settings.DEBUG or options["allow_production"]):
            raise CommandError(_("DEBUG is off: the demo accounts share a published password. Refusing to seed; pass --allow-production to insist."))
        if not county.is_loopback_url(options["robot_url"]):
            raise CommandError(_("The demo's group robots post only to this machine: give a --robot-url on localhost or 127.0.0.1."))
        low, high = county.HOUSEHOLDS_PER_VILLAGE_RANGE
        if not low <= options["households_per_village"] <= high:
            raise CommandError(_("Households per village must be between %(low)s and %(high)s.") % {"low": low, "high": high})
        rows = county.build(robot_url=options["robot_url"], households_per_village=options["households_per_village"],
                            flag_pass=not options["no_flag_pass"])
        self.stdout.write(self.style.SUCCESS(_("Demo county ready. Demo logins (password %(password)s):") % {"password": county.DEMO_PASSWORD}))
        for role, username, who in county.login_table(rows):
            self.stdout.write(f"  {username:<10} {role}  {who}")
