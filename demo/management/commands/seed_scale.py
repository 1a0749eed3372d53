import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import Region
from demo import county, scale


class Command(BaseCommand):
    help = (
        "Build a city-scale dataset in PostgreSQL for benchmarks (demo/scale.py): a fictional city of "
        f"~{scale.HOUSEHOLDS_PER_VILLAGE} households a village, a year-long campaign, visits, check-ins, ratings and cases."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=scale.Sizes.households)
        parser.add_argument("--visits", type=int, default=scale.Sizes.visits)
        parser.add_argument("--cases", type=int, default=scale.Sizes.cases)
        parser.add_argument("--seed", type=int, default=scale.Sizes.seed, help="Seed of the random generator: same seed, same data.")
        parser.add_argument("--reset", action="store_true", help="Delete the previous scale city first.")
        parser.add_argument(
            "--allow-production", action="store_true",
            help="Seed even with DEBUG off (the accounts share the demo's published password).",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale writes with PostgreSQL COPY: point DATABASE_URL at PostgreSQL.")
        if not (settings.DEBUG or options["allow_production"]):
            raise CommandError("DEBUG is off: the scale accounts share a published password. Refusing to seed; pass --allow-production to insist.")
        if options["households"] < 1 or options["visits"] < 0 or options["cases"] < 0:
            raise CommandError("--households must be at least 1; --visits and --cases not negative.")
        sizes = scale.Sizes(options["households"], options["visits"], options["cases"], options["seed"])
        self.stdout.write(f"Building the scale city {scale.CITY[1]} ({scale.CITY[0]}): {sizes.households:,} households, "
                          f"{sizes.visits:,} visits, {sizes.cases:,} cases")
        started = time.perf_counter()
        try:
            report = scale.build(sizes, reset=options["reset"], log=self.stdout.write)
        except scale.ScaleDataExists:
            raise CommandError("A scale city is already in the database: pass --reset to delete it and build afresh.") from None
        except scale.TooLarge as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Scale city ready in {time.perf_counter() - started:.0f} s."))
        for name, count in report.counts.items():
            self.stdout.write(f"  {name:<22} {count:>10,}")
        regions = Region.objects.in_bulk([login.region_code for login in report.logins])
        self.stdout.write(f"Benchmark logins (password {county.DEMO_PASSWORD}):")
        for login in report.logins:
            self.stdout.write(f"  {login.username:<16} {login.role.value}  {regions[login.region_code]} {login.region_code}")
