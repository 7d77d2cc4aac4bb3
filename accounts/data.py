"""The account's own part of a person's data, and "Your data", the export of all of it.

Each app registers what it holds about a person in accounts/personal_data.py;
this module registers the account itself and what the apps below accounts
hold (hubs' memberships, leadership listings and change history, the outbox,
the admin log, and the allauth apps another part of the project may switch
on), none of which can register for themselves.

Records with no link to the account are matched by the person's proven
addresses or, where a hub only typed a name, by their full name: the export
says which.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts import personal_data
from accounts.models import DELETED_ACCOUNT, User
from accounts.personal_data import Person, by_address, relation_label, when
from accounts.services import erase_account
from hubs import audit
from hubs.models import AuditEntry, HubMembership, LeadershipTeamMember
from notifications.models import Email

__all__ = ["EMAIL_FIELDS", "relation_label", "user_data", "user_relations"]

ABOUT = (
    "Everything the Maths Hubs portal holds about you, exported on the date below. "
    "E-mails the portal sent you are listed by subject, date and status; their "
    "contents are not included because they held one-time links. Secrets (your "
    "password, two-factor keys, your calendar link) are never exported."
)

# E-mail fields no entry matches, and why.
NOT_PERSONAL = {"hubs.Hub.contact_email": "not personal: the hub's shared contact address"}

user_relations = personal_data.user_relations


class _EmailFields(Mapping):
    """Every e-mail field that can hold a person's address: how the export finds the
    person's records there, or why not (read from the registry when asked)."""

    def _fields(self) -> dict[str, str]:
        return {**personal_data.address_fields(), **NOT_PERSONAL}

    def __getitem__(self, label: str) -> str:
        return self._fields()[label]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self._fields())


EMAIL_FIELDS = _EmailFields()


def user_data(user: User) -> dict[str, Any]:
    """The export: everything the portal holds about ``user``, JSON-ready.

    A fixed number of queries, whatever the number of records (see
    tests/test_account_data.py); e-mails are listed without their bodies.
    """
    user = User.objects.select_related("school").get(pk=user.pk)
    person = Person(user)
    return {"about": ABOUT, "exported_at": when(timezone.now()), **personal_data.export(person)}


# --- The account and its logins ----------------------------------------------


def export_account(person: Person) -> dict:
    user = person.user
    return {
        "email": user.email,
        "full_name": user.full_name,
        "school": personal_data.school(user.school),
        "job_role": user.get_job_role_display() if user.job_role else "",
        "phases_taught": [p.name for p in user.phases.order_by("display_order")],
        "date_joined": when(user.date_joined),
        "last_login": when(user.last_login),
        "profile_completed_at": when(user.profile_completed_at),
        "is_active": user.is_active,
        "is_ncetm_staff": user.is_ncetm_staff,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": list(user.groups.order_by("name").values_list("name", flat=True)),
        "permissions": [
            f"{app}.{codename}"
            for app, codename in user.user_permissions.order_by(
                "content_type__app_label", "codename"
            ).values_list("content_type__app_label", "codename")
        ],
        "has_calendar_feed_link": bool(user.calendar_token),
    }


personal_data.register(
    "account",
    order=100,
    export=export_account,
    erase=erase_account,  # first of the erasures
    addresses={"accounts.User.email": "account"},
)

personal_data.register(
    "email_addresses",
    order=110,
    export=lambda person: [
        {"email": a.email, "verified": a.verified, "primary": a.primary}
        for a in person.email_addresses
    ],
    erase=lambda person: EmailAddress.objects.filter(user=person.user).delete(),
    links={"account.EmailAddress.user": "deleted"},
    addresses={"account.EmailAddress.email": "email_addresses"},
)


# --- Hubs: roles (handed over before deleting) and the change history ---------


personal_data.register(
    "hub_memberships",
    order=300,
    export=lambda person: [
        {"hub": m.hub.name, "role": m.get_role_display(), "since": when(m.created_at)}
        for m in HubMembership.objects.filter(user=person.user)
        .select_related("hub")
        .order_by("hub__name")
    ],
    links={"hubs.HubMembership.user": "must be handed over before deleting"},
)


def export_leadership(person: Person) -> list[dict]:
    """Listings on a hub's public page with the person's address or name."""
    addresses = person.addresses
    by_name = Q(name__iexact=person.name) if person.name else Q(pk__in=[])
    return [
        {
            "hub": m.hub.name,
            "name": m.name,
            "role": m.get_role_display(),
            "email": m.email,
            "matched_by": "e-mail address" if m.email.lower() in addresses else "name",
        }
        for m in LeadershipTeamMember.objects.alias(_address=Lower("email"))
        .filter(Q(_address__in=addresses) | by_name)
        .select_related("hub")
        .order_by("hub__name", "pk")
    ]


personal_data.register(
    "leadership_team",
    order=310,
    export=export_leadership,
    addresses={
        "hubs.LeadershipTeamMember.email": (
            "leadership_team (by address; must be handed over before deleting)"
        )
    },
)

personal_data.register(
    "records_naming_you.note",
    order=400,
    export=lambda person: (
        "Records where a hub typed a name like yours. They are matched by name only, "
        "so some may be about someone else with the same name."
    ),
)


def export_changes(person: Person) -> list[dict]:
    return [
        {
            "hub": c.hub.name,
            "action": c.action,
            "record": f"{audit.type_name(c.content_type)}: {c.object_repr}",
            "at": when(c.at),
        }
        for c in AuditEntry.objects.filter(user=person.user)
        .select_related("hub", "content_type")
        .order_by("at", "pk")
    ]


def erase_from_history(person: Person) -> None:
    """Take the person's addresses (and names other entries asked to forget) out of the
    hubs' change history.

    Entries name people by address (a team member added, an enrolment
    completed) and some records by name; the entry stays, the person becomes
    "Deleted account".
    """
    addresses = re.compile("|".join(re.escape(a) for a in person.addresses), re.IGNORECASE)
    found = Q()
    for address in person.addresses:
        found |= (
            Q(object_repr__icontains=address)
            | Q(before__icontains=address)
            | Q(after__icontains=address)
        )
    for content_type_id, object_id in person.names_to_forget:
        found |= Q(content_type_id=content_type_id, object_id=object_id)
    changed = []
    for entry in AuditEntry.objects.filter(found).order_by("pk"):
        patterns = [addresses]
        name = person.names_to_forget.get((entry.content_type_id, entry.object_id))
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


# After the apps' own entries (the names they ask to forget), before the admin log.
personal_data.register(
    "hub_team_work.changes",
    order=600,
    export=export_changes,
    erase=erase_from_history,
    links={"hubs.AuditEntry.user": "kept (the hub's change history) under the deleted account"},
)


# --- The outbox ---------------------------------------------------------------


def erase_outbox(person: Person) -> None:
    """Nothing more goes out to them; what went keeps its event key (so the event never
    mails again) and subject, not its address or body."""
    outbox = by_address(Email.objects.all(), "to", person.addresses)
    outbox.filter(status=Email.Status.PENDING).delete()
    outbox.update(to=person.user.email, body_text="", body_html="", headers={}, last_error="")


personal_data.register(
    "emails_sent_to_you",
    order=500,
    export=lambda person: [
        {
            "to": e.to,
            "subject": e.subject,
            "status": e.get_status_display(),
            "created_at": when(e.created_at),
            "sent_at": when(e.sent_at),
        }
        for e in person.emails
    ],
    erase=erase_outbox,
    addresses={"notifications.Email.to": "emails_sent_to_you (by address; scrubbed or cancelled)"},
)


# --- The admin log ------------------------------------------------------------


personal_data.register(
    "admin_changes",
    order=700,
    export=lambda person: [
        {
            "at": when(entry.action_time),
            "record": f"{entry.content_type.name if entry.content_type else ''}: "
            f"{entry.object_repr}",
            "action": entry.get_action_flag_display(),
            "change": entry.get_change_message(),
        }
        for entry in LogEntry.objects.filter(user=person.user)
        .select_related("content_type")
        .order_by("action_time", "pk")
    ],
    links={"admin.LogEntry.user": "kept: staff accounts are handed over before deleting"},
)


# --- allauth apps another part of the project may switch on ------------------


def export_authenticators(person: Person) -> list[dict]:
    """Which two-factor methods are set up: their type and dates, never their secrets."""
    if not apps.is_installed("allauth.mfa"):
        return []
    from allauth.mfa.models import Authenticator

    return [
        {
            "type": a.get_type_display(),
            "created_at": when(a.created_at),
            "last_used_at": when(a.last_used_at),
        }
        for a in Authenticator.objects.filter(user=person.user).only(
            "type", "created_at", "last_used_at"
        )
    ]


def _erase_authenticators(person: Person) -> None:
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=person.user).delete()


MFA = apps.is_installed("allauth.mfa")
personal_data.register(
    "two_factor_authenticators",
    order=800,
    export=export_authenticators,
    erase=_erase_authenticators if MFA else None,
    links={"mfa.Authenticator.user": "deleted"} if MFA else {},
)

if apps.is_installed("allauth.socialaccount"):
    from allauth.socialaccount.models import SocialAccount

    personal_data.register(
        "social_accounts",
        order=810,
        export=lambda person: [
            {
                "provider": s.provider,
                "uid": s.uid,
                "date_joined": when(s.date_joined),
                "last_login": when(s.last_login),
            }
            for s in SocialAccount.objects.filter(user=person.user).order_by("pk")
        ],
        # And its tokens.
        erase=lambda person: SocialAccount.objects.filter(user=person.user).delete(),
        links={"socialaccount.SocialAccount.user": "deleted"},
    )

if apps.is_installed("allauth.usersessions"):
    from allauth.usersessions.models import UserSession

    personal_data.register(
        "signed_in_sessions",
        order=820,
        export=lambda person: [
            {
                "ip": s.ip,
                "user_agent": s.user_agent,
                "created_at": when(s.created_at),
                "last_seen_at": when(s.last_seen_at),
            }
            for s in UserSession.objects.filter(user=person.user).order_by("created_at", "pk")
        ],
        erase=lambda person: UserSession.objects.filter(user=person.user).delete(),
        links={"usersessions.UserSession.user": "deleted"},
    )
