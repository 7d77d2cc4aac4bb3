"""Everything the portal holds about one person, as one JSON document ("Your data").

``USER_RELATIONS`` names every foreign key or many-to-many field in the
project that points at the user, with the part of the export that covers it
and what deleting the account does to it; ``EMAIL_FIELDS`` does the same for
the e-mail fields that can hold a person's address. tests/test_account_data.py
walks every installed model, so a new link to the user (or a new e-mail
field) fails the suite until it is listed here, exported or explained.

Records with no link to the account are matched by the person's addresses
(the account's and allauth's) or, where a hub only typed a name, by their
full name: the export says which.
"""

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.db.models import Count, Max, Min, Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from exchange.models import ExchangeTeacher, ObserverRegistration
from hubs import audit
from hubs.models import AuditEntry, HubMembership, LeadershipTeamMember
from newsletters.models import Delivery, Issue, Subscriber
from notifications.models import Email
from projects.models import Allocation, ProjectParticipation, Spend
from workgroups.models import Attendance, Enrolment, Evaluation, ParticipantMessage, WorkGroup

# "app_label.Model.field": (the export's section, what account deletion does).
USER_RELATIONS: dict[str, tuple[str, str]] = {
    "account.EmailAddress.user": ("email_addresses", "deleted"),
    "workgroups.Enrolment.teacher": (
        "enrolments",
        "kept for the reports under the deleted account; places in Work Groups that have "
        "not started, and waiting-list entries, are withdrawn",
    ),
    "exchange.ObserverRegistration.teacher": (
        "showcase_registrations",
        "kept under the deleted account; places at lessons still to come are cancelled",
    ),
    "hubs.HubMembership.user": ("hub_memberships", "must be handed over before deleting"),
    "hubs.AuditEntry.user": (
        "hub_team_work.changes",
        "kept (the hub's change history) under the deleted account",
    ),
    "workgroups.Attendance.recorded_by": (
        "hub_team_work.attendance_recorded",
        "kept (the hub's record) under the deleted account",
    ),
    "workgroups.Evaluation.written_by": (
        "hub_team_work.evaluations_written",
        "kept: an evaluation describes the Work Group, not its author",
    ),
    "workgroups.ParticipantMessage.sent_by": (
        "hub_team_work.participant_messages_sent",
        "kept: the hub's message to its participants",
    ),
    "newsletters.Issue.created_by": (
        "hub_team_work.newsletter_issues",
        "kept: the hub's newsletter",
    ),
    "newsletters.Issue.sent_by": (
        "hub_team_work.newsletter_issues",
        "kept: the hub's newsletter",
    ),
    "projects.Allocation.recorded_by": (
        "hub_team_work.funding_records",
        "kept: the hub's accounts",
    ),
    "projects.Spend.recorded_by": ("hub_team_work.funding_records", "kept: the hub's accounts"),
    "admin.LogEntry.user": (
        "admin_changes",
        "kept: staff accounts are handed over before deleting",
    ),
}

# Apps another part of the project may switch on; covered when installed.
OPTIONAL_USER_RELATIONS: dict[str, tuple[str, str]] = {
    "mfa.Authenticator.user": ("two_factor_authenticators", "deleted"),
    "socialaccount.SocialAccount.user": ("social_accounts", "deleted"),
    "usersessions.UserSession.user": ("signed_in_sessions", "deleted"),
}

# "app_label.Model.field": how the export finds the person's records, or why not.
EMAIL_FIELDS: dict[str, str] = {
    "accounts.User.email": "account",
    "account.EmailAddress.email": "email_addresses",
    "newsletters.Subscriber.email": "newsletter_subscriptions (by address; deleted)",
    "exchange.ExchangeTeacher.email": "exchange_nominations (by address; anonymised)",
    "hubs.LeadershipTeamMember.email": (
        "leadership_team (by address; must be handed over before deleting)"
    ),
    "notifications.Email.to": "emails_sent_to_you (by address; scrubbed or cancelled)",
    "hubs.Hub.contact_email": "not personal: the hub's shared contact address",
}

MESSAGE_KEY = re.compile(r"^message:(\d+):(\d+)$")


def relation_label(field) -> str:
    return f"{field.model._meta.app_label}.{field.model.__name__}.{field.name}"


def user_relations() -> dict[str, tuple[str, str]]:
    """The relations to the user in this installation (optional apps when installed)."""
    known = dict(USER_RELATIONS)
    for label, value in OPTIONAL_USER_RELATIONS.items():
        if apps.is_installed(f"allauth.{label.split('.')[0]}"):
            known[label] = value
    return known


def addresses_of(user: User) -> list[str]:
    """The addresses the person has proved are theirs, lower-cased (1 query).

    Only verified ones: anyone can add any address to their account unverified,
    and records under someone else's address must never be exported or erased.
    """
    verified = EmailAddress.objects.filter(user=user, verified=True)
    return sorted(
        {user.email.lower(), *(a.lower() for a in verified.values_list("email", flat=True))}
    )


def _when(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _school(school) -> dict | None:
    if school is None:
        return None
    return {"name": school.name, "urn": school.urn}


def by_address(queryset, field: str, addresses: Iterable[str]):
    """Rows whose ``field`` is one of ``addresses``, whatever its case."""
    return queryset.alias(_address=Lower(field)).filter(_address__in=list(addresses))


def user_data(user: User) -> dict[str, Any]:
    """The export: everything the portal holds about ``user``, JSON-ready.

    A fixed number of queries, whatever the number of records (see
    tests/test_account_data.py); e-mails are listed without their bodies.
    """
    user = User.objects.select_related("school").get(pk=user.pk)
    email_addresses = list(EmailAddress.objects.filter(user=user).order_by("email"))
    # Records are matched on proven addresses only (see addresses_of).
    addresses = sorted(
        {user.email.lower(), *(a.email.lower() for a in email_addresses if a.verified)}
    )
    name = user.full_name.strip()

    data: dict[str, Any] = {
        "about": (
            "Everything the Maths Hubs portal holds about you, exported on the date below. "
            "E-mails the portal sent you are listed by subject, date and status; their "
            "contents are not included because they held one-time links. Secrets (your "
            "password, two-factor keys, your calendar link) are never exported."
        ),
        "exported_at": _when(timezone.now()),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "school": _school(user.school),
            "job_role": user.get_job_role_display() if user.job_role else "",
            "phases_taught": [p.name for p in user.phases.order_by("display_order")],
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "profile_completed_at": _when(user.profile_completed_at),
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
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in email_addresses
        ],
    }

    # Work Groups: enrolments with their attendance (2 queries).
    enrolments = (
        Enrolment.objects.filter(teacher=user)
        .select_related("workgroup__hub", "workgroup__programme", "school")
        .prefetch_related(
            Prefetch(
                "attendance",
                queryset=Attendance.objects.select_related("session").order_by("session__order"),
            )
        )
        .order_by("requested_at", "pk")
    )
    data["enrolments"] = [
        {
            "work_group": e.workgroup.title,
            "hub": e.workgroup.hub.name,
            "programme": e.workgroup.programme.name if e.workgroup.programme else None,
            "academic_year": e.workgroup.academic_year_label,
            "starts_on": _when(e.workgroup.starts_on),
            "school_when_joined": _school(e.school),
            "status": e.get_status_display(),
            "requested_at": _when(e.requested_at),
            "confirmed_at": _when(e.confirmed_at),
            "withdrawn_at": _when(e.withdrawn_at),
            "completed_at": _when(e.completed_at),
            "updated_at": _when(e.updated_at),
            "attendance": [
                {
                    "session": a.session.order,
                    "session_starts_at": _when(a.session.starts_at),
                    "present": a.present,
                    "recorded_at": _when(a.recorded_at),
                }
                for a in e.attendance.all()
            ],
        }
        for e in enrolments
    ]

    registrations = (
        ObserverRegistration.objects.filter(teacher=user)
        .select_related("showcase__hub", "showcase__host_school", "school")
        .order_by("created_at", "pk")
    )
    data["showcase_registrations"] = [
        {
            "lesson": r.showcase.class_and_topic,
            "hub": r.showcase.hub.name,
            "host_school": _school(r.showcase.host_school),
            "starts_at": _when(r.showcase.starts_at),
            "school_when_registered": _school(r.school),
            "status": r.get_status_display(),
            "registered_at": _when(r.created_at),
            "cancelled_at": _when(r.cancelled_at),
        }
        for r in registrations
    ]

    # Newsletters, matched by address, with the issues sent to them (2 queries).
    subscribers = (
        by_address(Subscriber.objects.all(), "email", addresses)
        .select_related("hub")
        .prefetch_related(
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.select_related("issue").order_by("issue__created_at"),
            )
        )
        .order_by("hub__name", "email")
    )
    data["newsletter_subscriptions"] = [
        {
            "hub": s.hub.name,
            "email": s.email,
            "status": s.get_status_display(),
            "signed_up_at": _when(s.created_at),
            "confirmed_at": _when(s.confirmed_at),
            "unsubscribed_at": _when(s.unsubscribed_at),
            "issues": [
                {
                    "subject": d.issue.subject,
                    "status": d.get_status_display(),
                    "sent_at": _when(d.sent_at),
                }
                for d in s.deliveries.all()
            ],
        }
        for s in subscribers
    ]

    nominations = (
        by_address(ExchangeTeacher.objects.all(), "email", addresses)
        .select_related("hub", "exchange_year", "school")
        .order_by("exchange_year__academic_year", "pk")
    )
    data["exchange_nominations"] = [
        {
            "exchange_year": n.exchange_year.label,
            "hub": n.hub.name,
            "teacher_name": n.teacher_name,
            "email": n.email,
            "school": _school(n.school),
            "phase": n.get_phase_display(),
            "recorded_at": _when(n.created_at),
        }
        for n in nominations
    ]

    data["hub_memberships"] = [
        {"hub": m.hub.name, "role": m.get_role_display(), "since": _when(m.created_at)}
        for m in HubMembership.objects.filter(user=user).select_related("hub").order_by("hub__name")
    ]

    # Records a hub typed a name or address into, with no link to the account.
    by_name = Q(name__iexact=name) if name else Q(pk__in=[])
    leadership = (
        LeadershipTeamMember.objects.alias(_address=Lower("email"))
        .filter(Q(_address__in=addresses) | by_name)
        .select_related("hub")
        .order_by("hub__name", "pk")
    )
    data["leadership_team"] = [
        {
            "hub": m.hub.name,
            "name": m.name,
            "role": m.get_role_display(),
            "email": m.email,
            "matched_by": "e-mail address" if m.email.lower() in addresses else "name",
        }
        for m in leadership
    ]
    records: dict[str, list] = {"work_groups_led": [], "project_local_lead": []}
    if name:
        records["work_groups_led"] = [
            {"work_group": w.title, "hub": w.hub.name, "academic_year": w.academic_year_label}
            for w in WorkGroup.objects.filter(lead_name__iexact=name)
            .select_related("hub")
            .order_by("academic_year", "title")
        ]
        records["project_local_lead"] = [
            {
                "project": p.project.name,
                "hub": p.hub.name,
                "academic_year": p.academic_year_label,
            }
            for p in ProjectParticipation.objects.filter(local_lead__iexact=name)
            .select_related("hub", "project")
            .order_by("academic_year", "pk")
        ]
    data["records_naming_you"] = {
        "note": (
            "Records where a hub typed a name like yours. They are matched by name only, "
            "so some may be about someone else with the same name."
        ),
        **records,
    }

    # The outbox, matched by address (1 query), and the Work Group messages
    # among those e-mails (1 more when there are any).
    emails = list(
        by_address(Email.objects.all(), "to", addresses)
        .only("key", "to", "subject", "status", "created_at", "sent_at")
        .order_by("created_at", "pk")
    )
    data["emails_sent_to_you"] = [
        {
            "to": e.to,
            "subject": e.subject,
            "status": e.get_status_display(),
            "created_at": _when(e.created_at),
            "sent_at": _when(e.sent_at),
        }
        for e in emails
    ]
    message_ids = {int(m[1]) for e in emails if (m := MESSAGE_KEY.match(e.key))}
    data["participant_messages_received"] = [
        {
            "work_group": m.workgroup.title,
            "hub": m.workgroup.hub.name,
            "subject": m.subject,
            "body": m.body,
            "sent_at": _when(m.created_at),
        }
        for m in ParticipantMessage.objects.filter(pk__in=message_ids)
        .select_related("workgroup__hub")
        .order_by("created_at", "pk")
    ]

    # What they did as part of a hub team (empty for most teachers).
    changes = (
        AuditEntry.objects.filter(user=user)
        .select_related("hub", "content_type")
        .order_by("at", "pk")
    )
    attendance = (
        Attendance.objects.filter(recorded_by=user)
        .values("session__workgroup__title", "session__order")
        .annotate(records=Count("pk"), first=Min("recorded_at"), last=Max("recorded_at"))
        .order_by("session__workgroup__title", "session__order")
    )
    issues = (
        Issue.objects.filter(Q(created_by=user) | Q(sent_by=user))
        .select_related("hub")
        .order_by("created_at", "pk")
    )
    funding = [
        *(
            {
                "kind": "allocation",
                "hub": a.hub.name,
                "academic_year": a.academic_year_label,
                "amount": str(a.amount),
                "note": a.note,
                "recorded_at": _when(a.recorded_at),
            }
            for a in Allocation.objects.filter(recorded_by=user)
            .select_related("hub")
            .order_by("recorded_at", "pk")
        ),
        *(
            {
                "kind": "spending",
                "hub": s.hub.name,
                "spent_on": _when(s.spent_on),
                "amount": str(s.amount),
                "description": s.description,
                "recorded_at": _when(s.recorded_at),
            }
            for s in Spend.objects.filter(recorded_by=user)
            .select_related("hub")
            .order_by("recorded_at", "pk")
        ),
    ]
    data["hub_team_work"] = {
        "changes": [
            {
                "hub": c.hub.name,
                "action": c.action,
                "record": f"{audit.type_name(c.content_type)}: {c.object_repr}",
                "at": _when(c.at),
            }
            for c in changes
        ],
        "attendance_recorded": [
            {
                "work_group": row["session__workgroup__title"],
                "session": row["session__order"],
                "records": row["records"],
                "first_recorded_at": _when(row["first"]),
                "last_recorded_at": _when(row["last"]),
            }
            for row in attendance
        ],
        "evaluations_written": [
            {
                "work_group": ev.workgroup.title,
                "outcomes": ev.outcomes,
                "impact_notes": ev.impact_notes,
                "written_at": _when(ev.written_at),
            }
            for ev in Evaluation.objects.filter(written_by=user)
            .select_related("workgroup")
            .order_by("written_at", "pk")
        ],
        "participant_messages_sent": [
            {
                "work_group": m.workgroup.title,
                "subject": m.subject,
                "body": m.body,
                "recipients": m.recipient_count,
                "sent_at": _when(m.created_at),
            }
            for m in ParticipantMessage.objects.filter(sent_by=user)
            .select_related("workgroup")
            .order_by("created_at", "pk")
        ],
        "newsletter_issues": [
            {
                "hub": i.hub.name,
                "subject": i.subject,
                "status": i.get_status_display(),
                "written_by_you": i.created_by_id == user.pk,
                "sent_by_you": i.sent_by_id == user.pk,
                "created_at": _when(i.created_at),
                "sent_at": _when(i.sent_at),
            }
            for i in issues
        ],
        "funding_records": funding,
    }
    data["admin_changes"] = [
        {
            "at": _when(entry.action_time),
            "record": f"{entry.content_type.name if entry.content_type else ''}: "
            f"{entry.object_repr}",
            "action": entry.get_action_flag_display(),
            "change": entry.get_change_message(),
        }
        for entry in LogEntry.objects.filter(user=user)
        .select_related("content_type")
        .order_by("action_time", "pk")
    ]

    # Apps another part of the project may switch on.
    data["two_factor_authenticators"] = _authenticators(user)
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount

        data["social_accounts"] = [
            {
                "provider": s.provider,
                "uid": s.uid,
                "date_joined": _when(s.date_joined),
                "last_login": _when(s.last_login),
            }
            for s in SocialAccount.objects.filter(user=user).order_by("pk")
        ]
    if apps.is_installed("allauth.usersessions"):
        from allauth.usersessions.models import UserSession

        data["signed_in_sessions"] = [
            {
                "ip": s.ip,
                "user_agent": s.user_agent,
                "created_at": _when(s.created_at),
                "last_seen_at": _when(s.last_seen_at),
            }
            for s in UserSession.objects.filter(user=user).order_by("created_at", "pk")
        ]
    return data


def _authenticators(user: User) -> list[dict]:
    """Which two-factor methods are set up: their type and dates, never their secrets."""
    if not apps.is_installed("allauth.mfa"):
        return []
    from allauth.mfa.models import Authenticator

    return [
        {
            "type": a.get_type_display(),
            "created_at": _when(a.created_at),
            "last_used_at": _when(a.last_used_at),
        }
        for a in Authenticator.objects.filter(user=user).only("type", "created_at", "last_used_at")
    ]
