"""Generate a made-up network the size of the real one: `manage.py generate_network`."""

from datetime import date

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from demo import network
from hubs.models import Hub


class Command(BaseCommand):
    help = (
        "Fill the database with a made-up Maths Hubs network from a fixed seed: at scale 1.0 "
        "about 22,000 schools, 150,000 teachers, ten academic years of Work Groups (3,000 a "
        "year) and 1,000,000 enrolments, with projects, the exchange and funding. A network "
        "generated before is replaced; other data is left alone, and the command refuses to "
        "run beside it unless --yes. For benchmarks: never run it on a real database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Size relative to the real network (default 1.0; 0.01 is a quick look).",
        )
        parser.add_argument(
            "--years", type=int, default=10, help="Academic years, ending with the current one."
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Pretend today is this date (YYYY-MM-DD), for a run that repeats exactly.",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Run even though the database holds data this command did not generate.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show progress bars.")

    def handle(self, *args, seed, scale, years, today, yes, no_progress, **options):
        if connection.vendor != "postgresql":
            raise CommandError("generate_network writes with PostgreSQL's COPY: use PostgreSQL.")
        if not 0 < scale <= network.MAX_SCALE:
            raise CommandError(f"--scale must be above 0 and at most {network.MAX_SCALE}.")
        today = today or timezone.localdate()
        most = network.academic_year_of(today) - network.FIRST_NETWORK_YEAR + 1
        if not 1 <= years <= most:
            raise CommandError(
                f"--years must be between 1 and {most}: the network began in 2014-15."
            )

        others = network.other_data()
        if others and not yes:
            found = ", ".join(f"{count:,} {label}" for label, count in others.items())
            raise CommandError(
                f"{connection.settings_dict['NAME']} holds data this command did not generate "
                f"({found}). Nothing was changed. If it is a scratch database, run again with "
                "--yes: the generated network is added beside that data, which is left as it is."
            )
        if not Hub.objects.exists():
            self.stdout.write("No hubs yet: loading the reference data first.")
            call_command("load_reference_data", stdout=self.stdout)
        if network.is_generated():
            self.stdout.write("Replacing the network generated before.")

        summary = network.generate_network(
            seed=seed, scale=scale, years=years, today=today, progress=not no_progress
        )
        first, last = summary.years
        self.stdout.write(
            f"Generated network (seed {seed}, scale {scale:g}, academic years {first}-"
            f"{(first + 1) % 100:02d} to {last}-{(last + 1) % 100:02d}, today {today}):"
        )
        width = max(len(label) for label in summary.counts)
        for label, count in summary.counts.items():
            self.stdout.write(f"  {label:<{width}}  {count:>10,}")
        statuses = ", ".join(
            f"{status} {count:,} ({count / max(summary.counts['enrolments'], 1):.0%})"
            for status, count in summary.enrolments_by_status.most_common()
        )
        self.stdout.write(f"Enrolments by status: {statuses}")
        steps = ", ".join(f"{label} {seconds:.1f} s" for label, seconds in summary.timings.items())
        self.stdout.write(f"Steps: {steps}")
        self.stdout.write(f"Checksum: {summary.checksum}")
        self.stdout.write(
            self.style.SUCCESS(f"Done in {summary.seconds:.1f} s ({summary.seconds / 60:.1f} min).")
        )
