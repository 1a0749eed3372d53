from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from outreach import demo


class Command(BaseCommand):
    help = "Build the demo county (regions, units, cadres, households, campaigns); running it again changes nothing."

    def handle(self, *args, **options):
        rows = demo.build()
        self.stdout.write(self.style.SUCCESS(_("Demo county ready. Demo logins (password %(password)s):") % {"password": demo.DEMO_PASSWORD}))
        for role, username, who in rows:
            self.stdout.write(f"  {username:<10} {role}  {who}")
