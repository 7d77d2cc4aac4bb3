"""Print the demo accounts: who they are, how to log in, where to start."""

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User
from demo.accounts import DEMO_ACCOUNTS, DEMO_HUB, DEMO_PASSWORD
from hubs.models import Hub


class Command(BaseCommand):
    help = (
        "Print the demo accounts (manage.py load_demo): persona, e-mail, password, where to start."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=settings.SITE_URL,
            help="Put this in front of the paths (default: SITE_URL, %(default)s).",
        )

    def handle(self, *args, base_url: str, **options):
        base = base_url.rstrip("/")
        hub = Hub.objects.filter(slug=DEMO_HUB).first()
        present = {
            e.lower()
            for e in User.objects.filter(email__in=[a.email for a in DEMO_ACCOUNTS]).values_list(
                "email", flat=True
            )
        }
        if not present:
            self.stdout.write("No demo accounts in this database: run manage.py load_demo.")
            return
        rows = [("Persona", "E-mail", "Password", "Start at", "Two-factor code")]
        for account in DEMO_ACCOUNTS:
            if account.email not in present:
                continue
            code = f"manage.py demo_code {account.email}" if account.two_factor else "not asked"
            rows.append(
                (account.persona, account.email, DEMO_PASSWORD, base + account.paths()[0], code)
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        hub_name = hub.name if hub else DEMO_HUB
        self.stdout.write(
            f"Demo accounts (the hub team's hub: {hub_name}). Log in at {base}/account/login/"
        )
        for i, row in enumerate(rows):
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
            if i == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write("")
        for account in DEMO_ACCOUNTS:
            if account.email not in present:
                continue
            self.stdout.write(f"{account.persona}: {account.tries}")
            self.stdout.write("    " + "  ".join(base + path for path in account.paths()))
        self.stdout.write(
            "\nHub team, NCETM and admin accounts need a code after the password: run "
            "manage.py demo_code <e-mail> for the current one, or add the URI it prints to an "
            "authenticator app. Each code works once, for 30 seconds."
        )
