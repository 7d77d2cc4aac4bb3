"""Make someone NCETM staff, or stop them being staff: ``set_ncetm_staff EMAIL [--off]``.

NCETM staff read every hub's workspace and the national reports, and grant
hub roles (accounts.User.is_ncetm_staff). Like hub teams, they set up
two-factor authentication at their first management page (accounts/mfa.py).
"""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from accounts.models import User
from hubs_portal.lib.urls import absolute_url


class Command(BaseCommand):
    help = "Make the person with this e-mail address NCETM staff (or, with --off, not)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="the address they log in with")
        parser.add_argument(
            "--off", action="store_true", help="take away NCETM staff access instead"
        )

    def handle(self, *args, email: str, off: bool, **options):
        try:
            user = User.objects.get_by_natural_key(email.strip())
        except User.DoesNotExist:
            raise CommandError(
                f"There is no account for {email}. They sign up first at "
                f"{absolute_url(reverse('account_signup'))}, then run this again."
            ) from None
        wanted = not off
        if wanted and not user.is_active:
            raise CommandError(f"The account for {user.email} has been closed.")
        if user.is_ncetm_staff == wanted:
            state = "already" if wanted else "not"
            self.stdout.write(f"{user.email} is {state} NCETM staff: nothing changed.")
            return
        user.is_ncetm_staff = wanted
        user.save(update_fields=["is_ncetm_staff"])
        if wanted:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{user.email} is now NCETM staff: they read every hub's workspace and "
                    "the reports, and grant hub roles. They set up two-factor "
                    "authentication at their first visit."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"{user.email} is no longer NCETM staff."))
