"""Print the current two-factor code of a demo account (and its otpauth:// URI)."""

import time

from allauth.mfa import app_settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from demo.accounts import demo_account, totp_code, totp_secret, totp_url


class Command(BaseCommand):
    help = (
        "Print the 6-digit code the authenticator app of a demo account shows now, and the "
        "otpauth:// URI that adds its secret to an app. Demo accounts only (manage.py "
        "demo_accounts lists them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="A demo account's e-mail address.")

    def handle(self, *args, email: str, **options):
        account = demo_account(email)
        if account is None:
            raise CommandError(
                f"{email} is not a demo account: this command only gives the codes of the "
                "demo accounts (manage.py demo_accounts lists them)."
            )
        user = User.objects.filter(email__iexact=account.email).first()
        if user is None:
            raise CommandError(f"{account.email} is not in this database: run manage.py load_demo.")
        if not account.two_factor:
            raise CommandError(
                f"{account.email} is a teacher's account: teachers log in with the password "
                "alone, no code is asked."
            )
        secret = totp_secret(user)
        if secret is None:
            raise CommandError(
                f"{account.email} has no authenticator app (it was removed): run "
                "manage.py load_demo to give it the demo one again."
            )
        now = time.time()
        period = app_settings.TOTP_PERIOD
        left = period - int(now) % period
        self.stdout.write(f"{totp_code(secret, now)}")
        self.stdout.write(
            f"Code for {account.email}, valid for {left} more seconds; each code works once. "
            "To use an authenticator app instead, add this URI (or its secret) to it:"
        )
        self.stdout.write(totp_url(user, secret))
