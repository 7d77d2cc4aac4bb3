"""Deleting an account: the person's data goes, the network's figures stay.

The User row is anonymised in place rather than deleted. The reports count
distinct teachers and schools from the enrolments (reports/queries/), and
attendance hangs off those enrolments: keeping the row keeps a deleted
teacher counted once, with their school, in every year they took part, while
nothing left on it or around it says who they were. Deleting the row would
either be refused (enrolments PROTECT it) or lose that history.
"""

from datetime import datetime

from django.contrib.sessions.models import Session as WebSession
from django.db import transaction
from django.utils import timezone

from accounts import personal_data
from accounts.models import User, new_calendar_token
from accounts.personal_data import Person, addresses_of, by_address
from hubs.models import HubMembership, LeadershipTeamMember

# .invalid can never be a real domain (RFC 2606), and the id keeps it unique.
DELETED_EMAIL = "deleted-{pk}@deleted-account.invalid"


class AccountDeletionRefused(Exception):
    """The account cannot be deleted yet; the message is written for its owner."""


def roles_to_hand_over(user: User) -> list[str]:
    """What the person must hand over before their account can go, in words for them.

    A hub team, NCETM staff or the admin site need the account to keep their
    history meaningful and the hub run; someone else has to take the role on
    first, so it is never done silently by a deletion.
    """
    roles = [
        f"{m.get_role_display()} of {m.hub.name}: ask another lead of the hub, or NCETM, "
        "to take you off the team."
        for m in HubMembership.objects.filter(user=user).select_related("hub").order_by("hub__name")
    ]
    addresses = addresses_of(user)
    roles += [
        f"{m.get_role_display()} on the leadership team of {m.hub.name} (listed with your "
        "e-mail address): ask the hub to remove you from its public page."
        for m in by_address(LeadershipTeamMember.objects.all(), "email", addresses)
        .select_related("hub")
        .order_by("hub__name")
    ]
    if user.is_ncetm_staff:
        roles.append("NCETM staff: ask another NCETM administrator to remove the role.")
    if user.is_staff or user.is_superuser:
        roles.append(
            "Access to the national administration site: ask another administrator to remove it."
        )
    return roles


def places_given_up(user: User) -> list[str]:
    """What deleting the account gives up (places in Work Groups and at lessons still to
    come), one line each, from every app that holds some."""
    return personal_data.release_preview(user)


@transaction.atomic
def account_delete(*, user_id: int, now: datetime | None = None) -> None:
    """Delete a person's account: anonymise it, release what they held, erase the rest.

    In one transaction, the user's row locked first so that two requests
    cannot both run it, each app's registered part (accounts/personal_data.py)
    in order:
    - release: what the person can no longer use goes to someone who can,
      through the owning app's services (the first teacher waiting is
      promoted); each release is written to the hub's change history;
    - erase: the account itself first (anonymised, its sessions ended), then
      the person's addresses and records go or lose what says who they were;
      what the reports count stays, under the anonymised account.
    """
    user = User.objects.select_for_update().get(pk=user_id)
    if user.is_deleted:
        raise AccountDeletionRefused("This account has already been deleted.")
    roles = roles_to_hand_over(user)
    if roles:
        raise AccountDeletionRefused(
            "Hand over your roles before deleting your account: " + " ".join(roles)
        )
    person = Person(user, now=now)
    personal_data.release(person)
    personal_data.erase(person)


def erase_account(person: Person) -> None:
    """Anonymise the User row in place (the reports still count it) and end its sessions."""
    user = person.user
    user.email = DELETED_EMAIL.format(pk=user.pk)
    user.full_name = ""
    user.job_role = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.is_ncetm_staff = False
    user.last_login = None
    user.profile_completed_at = None
    user.calendar_token = new_calendar_token()
    user.deleted_at = person.now
    user.save()
    user.phases.clear()
    user.groups.clear()
    user.user_permissions.clear()
    sessions_end(user)


def sessions_end(user: User, *, keep: str | None = None) -> int:
    """Delete the person's sessions on every device but ``keep`` (a session key).

    The session table is not indexed by user, so each live session is read;
    this runs when an account is deleted or two factors are turned on.
    Returns how many were ended.
    """
    stale = []
    for session in WebSession.objects.filter(expire_date__gt=timezone.now()).iterator(
        chunk_size=2000
    ):
        if session.session_key == keep:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            stale.append(session.session_key)
    deleted, _ = WebSession.objects.filter(session_key__in=stale).delete()
    return deleted
