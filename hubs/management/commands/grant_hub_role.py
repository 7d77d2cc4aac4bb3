"""Put someone on a hub's team, change their role, or take them off.

    manage.py grant_hub_role someone@school.org archimedes-ne lead
    manage.py grant_hub_role someone@school.org archimedes-ne member
    manage.py grant_hub_role someone@school.org archimedes-ne --revoke

The changes go through the same services as the workspace's team page
(hubs/services.py): the hub keeps at least one lead, and each change is in
the hub's change history.
"""

from difflib import get_close_matches

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from hubs.models import Hub, HubMembership
from hubs.services import (
    TeamChangeRefused,
    membership_add,
    membership_remove,
    membership_role_change,
)
from hubs_portal.lib.urls import absolute_url

ROLES = " or ".join(HubMembership.Role.values)
User = get_user_model()


def account_for(email: str) -> User:
    """The account with this address (any case), or a CommandError saying what to do."""
    try:
        return User.objects.get_by_natural_key(email.strip())
    except User.DoesNotExist:
        raise CommandError(
            f"There is no account for {email}. They sign up first at "
            f"{absolute_url(reverse('account_signup'))}, then run this again."
        ) from None


def hub_for(slug: str) -> Hub:
    """The hub with this slug, or a CommandError naming the likely ones."""
    hub = Hub.objects.filter(slug=slug.strip().lower()).first()
    if hub is not None:
        return hub
    slugs = list(Hub.objects.values_list("slug", flat=True))
    close = get_close_matches(slug.lower(), slugs, n=3)
    suggestion = f" Did you mean {' or '.join(close)}?" if close else ""
    raise CommandError(
        f"There is no hub {slug!r}.{suggestion} The slug is the end of the hub's "
        "page address, /hubs/<slug>/."
    )


class Command(BaseCommand):
    help = "Give someone a role on a hub's team (lead or member), or with --revoke take them off."

    def add_arguments(self, parser):
        parser.add_argument("email", help="the address they log in with")
        parser.add_argument("hub_slug", metavar="hub", help="the hub's slug, e.g. archimedes-ne")
        parser.add_argument("role", nargs="?", help=f"{ROLES} (not needed with --revoke)")
        parser.add_argument(
            "--revoke", action="store_true", help="take them off the hub's team instead"
        )

    def handle(self, *args, email: str, hub_slug: str, role: str | None, revoke: bool, **options):
        if role is not None:
            role = role.strip().lower()
            if role not in HubMembership.Role.values:
                raise CommandError(f"{role!r} is not a team role: give {ROLES}.")
        elif not revoke:
            raise CommandError(f"Give the role, {ROLES}, or --revoke to take them off the team.")
        user = account_for(email)
        hub = hub_for(hub_slug)
        membership = (
            HubMembership.objects.select_related("user", "hub").filter(hub=hub, user=user).first()
        )
        try:
            if revoke:
                self._revoke(membership, user, hub, role)
            elif membership is None:
                membership_add(hub=hub, user=user, role=role, by=None)
                self._done(
                    f"{user.email} is now on the team of {hub.name} as {_role(role)}. "
                    "They set up two-factor authentication at their first workspace page."
                )
            elif membership_role_change(membership=membership, role=role, by=None):
                self._done(f"{user.email} is now {_role(role)} of {hub.name}.")
            else:
                self.stdout.write(
                    f"{user.email} is already {_role(role)} of {hub.name}: nothing changed."
                )
        except TeamChangeRefused as refusal:
            raise CommandError(f"{refusal} Nothing was changed.") from None

    def _revoke(self, membership, user, hub: Hub, role: str | None) -> None:
        if membership is None:
            raise CommandError(f"{user.email} is not on the team of {hub.name}: nothing to revoke.")
        if role is not None and role != membership.role:
            # "revoke lead" of a member would otherwise remove them entirely.
            raise CommandError(
                f"{user.email} is {_role(membership.role)} of {hub.name}, not "
                f"{_role(role)}. Nothing was changed."
            )
        membership_remove(membership=membership, by=None)
        self._done(f"{user.email} is no longer on the team of {hub.name}.")

    def _done(self, message: str) -> None:
        self.stdout.write(self.style.SUCCESS(message))


def _role(role: str) -> str:
    return HubMembership.Role(role).label.lower()
