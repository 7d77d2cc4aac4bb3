"""Load the demo data `make run` shows a newcomer."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Load the demo data (seeded and repeatable) on top of the reference data and GIAS sample."
    )

    def handle(self, *args, **options):
        call_command("load_demo_workgroups", stdout=self.stdout, stderr=self.stderr)
