"""Demo Work Groups for every hub, this academic year and last: `manage.py load_demo_workgroups`."""

from django.core.management.base import BaseCommand, CommandError

from demo.workgroups import NotReady, load_demo_workgroups


class Command(BaseCommand):
    help = (
        "Create demo Work Groups with sessions for every hub, for this academic year and the "
        "last, from a fixed seed. Does nothing if they already exist, unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo Work Groups (and any enrolments in them) and create them again.",
        )

    def handle(self, *args, reset: bool = False, **options):
        try:
            self.stdout.write(load_demo_workgroups(reset=reset))
        except NotReady as problem:
            raise CommandError(str(problem)) from None
