"""Deleting an account: the person's data goes, the network's figures stay.

The User row is anonymised in place rather than deleted. The reports count
distinct teachers and schools from the enrolments (reports/queries.py), and
attendance hangs off those enrolments: keeping the row keeps a deleted
teacher counted once, with their school, in every year they took part, while
nothing left on it or around it says who they were. Deleting the row would
either be refused (enrolments PROTECT it) or lose that history.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session as WebSession
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.data import addresses_of, by_address
from accounts.models import DELETED_ACCOUNT, User, new_calendar_token
from exchange.models import ExchangeTeacher, ObserverRegistration
from exchange.services import ExchangeRefused, observer_cancel
from hubs.audit import audit_record
from hubs.models import AuditEntry, HubMembership, LeadershipTeamMember
from newsletters.models import Subscriber
from notifications.models import Email
from workgroups.models import Enrolment, Session
from workgroups.services import EnrolmentRefused, enrolment_withdraw

# .invalid can never be a real domain (RFC 2606), and the id keeps it unique.
DELETED_EMAIL = "deleted-{pk}@deleted-account.invalid"


class AccountDeletionRefused(Exception):
    """The account cannot be deleted yet; the message is written for its owner."""


@dataclass
class DeletionResult:
    released_enrolments: list[Enrolment] = field(default_factory=list)
    promoted_enrolments: list[Enrolment] = field(default_factory=list)
    cancelled_registrations: list[ObserverRegistration] = field(default_factory=list)


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


def places_to_release(user: User, *, now: datetime | None = None):
    """What deleting the account gives up: (enrolments, showcase registrations).

    Places in Work Groups whose first session has not begun, and every
    waiting-list entry; places to observe lessons still to come. Places in
    groups that have begun stay, with their attendance: they are the
    network's record of who took part.
    """
    now = now or timezone.now()
    started = Session.objects.filter(workgroup=OuterRef("workgroup"), starts_at__lte=now)
    enrolments = (
        Enrolment.objects.filter(teacher=user)
        .filter(
            Q(status=Enrolment.Status.WAITING)
            | Q(status=Enrolment.Status.CONFIRMED) & ~Exists(started)
        )
        .select_related("workgroup__hub")
        .order_by("workgroup_id", "pk")
    )
    registrations = (
        ObserverRegistration.objects.active()
        .filter(teacher=user, showcase__starts_at__gt=now)
        .select_related("showcase__hub")
        .order_by("showcase_id")
    )
    return enrolments, registrations


@transaction.atomic
def account_delete(*, user_id: int, now: datetime | None = None) -> DeletionResult:
    """Delete a person's account: anonymise it, release what they held, erase the rest.

    In one transaction, the user's row locked first so that two requests
    cannot both run it:
    - places in Work Groups that have not started yet are withdrawn through
      the usual service (the first teacher waiting is promoted), and so are
      waiting-list entries; places at showcase lessons still to come are
      cancelled. Each release is written to the hub's change history.
    - enrolments, attendance and past registrations stay, under the
      anonymised account, so the reports count them as before;
    - the person's addresses, name, job role and phases, e-mail addresses,
      two-factor and social logins, sessions and newsletter subscriptions go;
      e-mails not sent yet are cancelled, sent ones lose address and body;
      hubs' records that typed their address (exchange nominations) and the
      change history lose it too.
    """
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=user_id)
    if user.is_deleted:
        raise AccountDeletionRefused("This account has already been deleted.")
    roles = roles_to_hand_over(user)
    if roles:
        raise AccountDeletionRefused(
            "Hand over your roles before deleting your account: " + " ".join(roles)
        )
    addresses = addresses_of(user)
    result = DeletionResult()
    held: dict[int, str] = {}

    # 1. Places: what the person can no longer use goes to someone who can.
    releasing, registrations = places_to_release(user, now=now)
    for enrolment in releasing:
        try:
            promoted = enrolment_withdraw(enrolment_id=enrolment.pk, teacher=user)
        except EnrolmentRefused:
            continue  # completed by the hub team a moment ago: it stays
        held[enrolment.pk] = enrolment.status
        if promoted is not None:
            result.promoted_enrolments.append(promoted)
        result.released_enrolments.append(enrolment)
    for registration in registrations:
        try:
            cancelled = observer_cancel(showcase_id=registration.showcase_id, teacher=user)
        except ExchangeRefused:
            continue  # the lesson started a moment ago: the registration stays
        result.cancelled_registrations.append(cancelled)

    # 2. The account itself.
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
    user.deleted_at = now
    user.save()
    user.phases.clear()
    user.groups.clear()
    user.user_permissions.clear()
    _erase_logins(user)

    # 3. Records kept elsewhere under their address.
    _erase_addresses(user, addresses)
    sessions_end(user)

    # 4. The hubs' change history: what was released, and for whom it was.
    promoted_by_group = {p.workgroup_id: p.pk for p in result.promoted_enrolments}
    for enrolment in result.released_enrolments:
        enrolment.refresh_from_db()
        audit_record(
            hub=enrolment.workgroup.hub,
            user=user,
            action="enrolment.release",
            target=enrolment,
            before={"status": held[enrolment.pk]},
            after={
                "status": enrolment.status,
                "reason": "account deleted",
                "promoted_enrolment": promoted_by_group.get(enrolment.workgroup_id),
            },
        )
    for registration in result.cancelled_registrations:
        registration.teacher = user
        audit_record(
            hub=registration.showcase.hub,
            user=user,
            action="observer.release",
            target=registration,
            before={"status": ObserverRegistration.Status.REGISTERED},
            after={"status": registration.status, "reason": "account deleted"},
        )
    return result


def _erase_logins(user: User) -> None:
    EmailAddress.objects.filter(user=user).delete()
    # Another part of the project may switch these on: covered either way.
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.models import Authenticator

        Authenticator.objects.filter(user=user).delete()
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount

        SocialAccount.objects.filter(user=user).delete()  # and its tokens
    if apps.is_installed("allauth.usersessions"):
        from allauth.usersessions.models import UserSession

        UserSession.objects.filter(user=user).delete()


def _erase_addresses(user: User, addresses: list[str]) -> None:
    # The outbox: nothing more goes out to them; what went keeps its event key
    # (so the event never mails again) and subject, not its address or body.
    outbox = by_address(Email.objects.all(), "to", addresses)
    outbox.filter(status=Email.Status.PENDING).delete()
    outbox.update(to=user.email, body_text="", body_html="", headers={}, last_error="")

    # Their newsletter subscriptions go, and with them the record of each issue sent.
    for subscriber in by_address(Subscriber.objects.all(), "email", addresses).order_by("pk"):
        # Not audit_record: the subscriber's own name for itself is the address.
        AuditEntry.objects.create(
            hub_id=subscriber.hub_id,
            user=user,
            action="newsletter.subscriber_remove",
            content_type=ContentType.objects.get_for_model(Subscriber),
            object_id=str(subscriber.pk),
            object_repr=DELETED_ACCOUNT,
            before={"status": subscriber.status},
            after={"reason": "account deleted"},
        )
        subscriber.delete()

    # A hub's nomination of them for the exchange stays (the hub sent a
    # teacher that year, and the reports count it) without name or address.
    old_names = {}
    nominations = by_address(ExchangeTeacher.objects.all(), "email", addresses)
    for nomination in nominations.select_related("hub", "school").order_by("pk"):
        old_names[nomination.pk] = nomination.teacher_name
        # The id keeps the name unique (one nomination per name, school and year).
        nomination.teacher_name = f"{DELETED_ACCOUNT} {nomination.pk}"
        nomination.email = ""
        nomination.save(update_fields=["teacher_name", "email"])
        audit_record(
            hub=nomination.hub,
            user=user,
            action="exchange_teacher.anonymise",
            target=nomination,
            after={"teacher_name": nomination.teacher_name, "reason": "account deleted"},
        )
    _scrub_history(addresses, old_names)


def _scrub_history(addresses: list[str], nominations: dict[int, str]) -> None:
    """Take the person's addresses (and nominated names) out of the hubs' change history.

    Entries name people by address (a team member added, an enrolment
    completed) and a nomination by name; the entry stays, the person becomes
    "Deleted account".
    """
    by_address_ = re.compile("|".join(re.escape(a) for a in addresses), re.IGNORECASE)
    found = Q()
    for address in addresses:
        found |= (
            Q(object_repr__icontains=address)
            | Q(before__icontains=address)
            | Q(after__icontains=address)
        )
    nomination_type = ContentType.objects.get_for_model(ExchangeTeacher)
    if nominations:
        found |= Q(content_type=nomination_type, object_id__in=[str(pk) for pk in nominations])
    changed = []
    for entry in AuditEntry.objects.filter(found).order_by("pk"):
        patterns = [by_address_]
        if entry.content_type_id == nomination_type.pk and entry.object_id.isdigit():
            name = nominations.get(int(entry.object_id))
            if name:
                patterns.append(re.compile(re.escape(name), re.IGNORECASE))
        for pattern in patterns:
            entry.object_repr = _scrub(entry.object_repr, pattern)
            entry.before = _scrub(entry.before, pattern)
            entry.after = _scrub(entry.after, pattern)
        changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["object_repr", "before", "after"])


def _scrub(value, pattern: re.Pattern):
    if isinstance(value, str):
        return pattern.sub(DELETED_ACCOUNT, value)
    if isinstance(value, list):
        return [_scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, pattern) for key, item in value.items()}
    return value


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
