"""Load the demo data and demo accounts `make run` shows a newcomer."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.loader import DemoNotPossible, load_demo, remove_demo


class Command(BaseCommand):
    help = (
        "Load the demo on top of the reference data and the GIAS sample: teachers in Work "
        "Groups over four school years (places, waiting lists, attendance, completions, "
        "evaluations), projects with pilot schools, funding and spending, the England-China "
        "exchange, newsletters, and one demo account per persona (manage.py demo_accounts). "
        "From a fixed seed; a database that has the demo already is left as it is."
    )

    def add_arguments(self, parser):
        what = parser.add_mutually_exclusive_group()
        what.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo's rows (and only those) and load them again.",
        )
        what.add_argument(
            "--remove",
            action="store_true",
            help="Delete the demo's rows (and only those), and load nothing.",
        )
        parser.add_argument(
            "--allow-no-debug",
            action="store_true",
            help="Load even though DEBUG is off. The demo accounts' password and two-factor "
            "secret are published: never on a server other people can reach.",
        )

    def handle(self, *args, reset=False, remove=False, allow_no_debug=False, **options):
        if remove:
            gone = remove_demo()
            self.stdout.write(_summary("Removed the demo", gone) if gone else "No demo rows.")
            return
        if not settings.DEBUG and not allow_no_debug:
            raise CommandError(
                "DEBUG is off, so this looks like a server: the demo accounts have a published "
                "password and two-factor secret. Use --allow-no-debug if this database is "
                "really only yours."
            )
        try:
            result = load_demo(today=timezone.localdate(), reset=reset, stdout=self.stdout)
        except DemoNotPossible as problem:
            raise CommandError(str(problem)) from None
        if result.deleted:
            self.stdout.write(_summary("Removed the demo", result.deleted))
        if result.loaded:
            self.stdout.write(_summary(f"Demo loaded in {result.seconds:.1f} s", result.counts))
        else:
            self.stdout.write(
                "Demo data already loaded (use --reset to load it afresh); demo accounts checked."
            )
        self.stdout.write("Demo accounts: manage.py demo_accounts")


def _summary(title: str, counts: dict[str, int]) -> str:
    return f"{title}: " + ", ".join(f"{n:,} {label}" for label, n in counts.items()) + "."
