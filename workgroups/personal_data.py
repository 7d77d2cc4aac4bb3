"""What Work Groups hold about a person: places and attendance, and a hub team's work.

Registered with accounts/personal_data.py from WorkgroupsConfig.ready().
Deleting an account gives up places in Work Groups that have not begun, and
waiting-list entries, through the usual withdrawal (the first teacher waiting
is promoted); places in groups that have begun stay, with their attendance,
as the network's record of who took part.
"""

import re
from datetime import datetime

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q
from django.utils import formats, timezone

from accounts import personal_data
from accounts.personal_data import Person, school, when
from hubs.audit import audit_record
from workgroups.models import (
    Attendance,
    Enrolment,
    Evaluation,
    ParticipantMessage,
    Session,
    WorkGroup,
)
from workgroups.services import EnrolmentRefused, enrolment_withdraw

# The outbox key of a participant message (workgroups.services.participants_message_send).
MESSAGE_KEY = re.compile(r"^message:(\d+):(\d+)$")


def places_to_release(user, *, now: datetime | None = None):
    """Places in Work Groups whose first session has not begun, and every waiting-list entry."""
    now = now or timezone.now()
    started = Session.objects.filter(workgroup=OuterRef("workgroup"), starts_at__lte=now)
    return (
        Enrolment.objects.filter(teacher=user)
        .filter(
            Q(status=Enrolment.Status.WAITING)
            | Q(status=Enrolment.Status.CONFIRMED) & ~Exists(started)
        )
        .select_related("workgroup__hub")
        .order_by("workgroup_id", "pk")
    )


def places_given_up(user) -> list[str]:
    lines = []
    for enrolment in places_to_release(user):
        group = enrolment.workgroup
        starts = (
            f", starts {formats.date_format(group.starts_on, 'j F Y')}" if group.starts_on else ""
        )
        lines.append(
            f"{group.title} ({group.hub.name}{starts}): {enrolment.get_status_display().lower()}"
        )
    return lines


def release_places(person: Person) -> None:
    """Withdraw each place given up; once the account is anonymised, tell the hub."""
    user = person.user
    released: list[tuple[Enrolment, str]] = []
    promoted_by_group: dict[int, int] = {}
    for enrolment in places_to_release(user, now=person.now):
        try:
            promoted = enrolment_withdraw(enrolment_id=enrolment.pk, teacher=user)
        except EnrolmentRefused:
            continue  # completed by the hub team a moment ago: it stays
        released.append((enrolment, enrolment.status))
        if promoted is not None:
            promoted_by_group[promoted.workgroup_id] = promoted.pk

    def record() -> None:
        for enrolment, held in released:
            enrolment.refresh_from_db()
            audit_record(
                hub=enrolment.workgroup.hub,
                user=user,
                action="enrolment.release",
                target=enrolment,
                before={"status": held},
                after={
                    "status": enrolment.status,
                    "reason": "account deleted",
                    "promoted_enrolment": promoted_by_group.get(enrolment.workgroup_id),
                },
            )

    person.afterwards(record)


def export_enrolments(person: Person) -> list[dict]:
    """Enrolments with their attendance (2 queries)."""
    enrolments = (
        Enrolment.objects.filter(teacher=person.user)
        .select_related("workgroup__hub", "workgroup__programme", "school")
        .prefetch_related(
            Prefetch(
                "attendance",
                queryset=Attendance.objects.select_related("session").order_by("session__order"),
            )
        )
        .order_by("requested_at", "pk")
    )
    return [
        {
            "work_group": e.workgroup.title,
            "hub": e.workgroup.hub.name,
            "programme": e.workgroup.programme.name if e.workgroup.programme else None,
            "academic_year": e.workgroup.academic_year_label,
            "starts_on": when(e.workgroup.starts_on),
            "school_when_joined": school(e.school),
            "status": e.get_status_display(),
            "requested_at": when(e.requested_at),
            "confirmed_at": when(e.confirmed_at),
            "withdrawn_at": when(e.withdrawn_at),
            "completed_at": when(e.completed_at),
            "updated_at": when(e.updated_at),
            "attendance": [
                {
                    "session": a.session.order,
                    "session_starts_at": when(a.session.starts_at),
                    "present": a.present,
                    "recorded_at": when(a.recorded_at),
                }
                for a in e.attendance.all()
            ],
        }
        for e in enrolments
    ]


def export_groups_led(person: Person) -> list[dict]:
    if not person.name:
        return []
    return [
        {"work_group": w.title, "hub": w.hub.name, "academic_year": w.academic_year_label}
        for w in WorkGroup.objects.filter(lead_name__iexact=person.name)
        .select_related("hub")
        .order_by("academic_year", "title")
    ]


def export_messages_received(person: Person) -> list[dict]:
    """The Work Group messages among the e-mails to the person (1 query when there are any)."""
    message_ids = {int(m[1]) for e in person.emails if (m := MESSAGE_KEY.match(e.key))}
    return [
        {
            "work_group": m.workgroup.title,
            "hub": m.workgroup.hub.name,
            "subject": m.subject,
            "body": m.body,
            "sent_at": when(m.created_at),
        }
        for m in ParticipantMessage.objects.filter(pk__in=message_ids)
        .select_related("workgroup__hub")
        .order_by("created_at", "pk")
    ]


def export_attendance_recorded(person: Person) -> list[dict]:
    rows = (
        Attendance.objects.filter(recorded_by=person.user)
        .values("session__workgroup__title", "session__order")
        .annotate(records=Count("pk"), first=Min("recorded_at"), last=Max("recorded_at"))
        .order_by("session__workgroup__title", "session__order")
    )
    return [
        {
            "work_group": row["session__workgroup__title"],
            "session": row["session__order"],
            "records": row["records"],
            "first_recorded_at": when(row["first"]),
            "last_recorded_at": when(row["last"]),
        }
        for row in rows
    ]


def export_evaluations(person: Person) -> list[dict]:
    return [
        {
            "work_group": ev.workgroup.title,
            "outcomes": ev.outcomes,
            "impact_notes": ev.impact_notes,
            "written_at": when(ev.written_at),
        }
        for ev in Evaluation.objects.filter(written_by=person.user)
        .select_related("workgroup")
        .order_by("written_at", "pk")
    ]


def export_messages_sent(person: Person) -> list[dict]:
    return [
        {
            "work_group": m.workgroup.title,
            "subject": m.subject,
            "body": m.body,
            "recipients": m.recipient_count,
            "sent_at": when(m.created_at),
        }
        for m in ParticipantMessage.objects.filter(sent_by=person.user)
        .select_related("workgroup")
        .order_by("created_at", "pk")
    ]


personal_data.register(
    "enrolments",
    order=200,
    export=export_enrolments,
    release=release_places,
    release_preview=places_given_up,
    links={
        "workgroups.Enrolment.teacher": (
            "kept for the reports under the deleted account; places in Work Groups that have "
            "not started, and waiting-list entries, are withdrawn"
        )
    },
)
personal_data.register("records_naming_you.work_groups_led", order=410, export=export_groups_led)
personal_data.register("participant_messages_received", order=510, export=export_messages_received)
personal_data.register(
    "hub_team_work.attendance_recorded",
    order=610,
    export=export_attendance_recorded,
    links={
        "workgroups.Attendance.recorded_by": "kept (the hub's record) under the deleted account"
    },
)
personal_data.register(
    "hub_team_work.evaluations_written",
    order=620,
    export=export_evaluations,
    links={
        "workgroups.Evaluation.written_by": (
            "kept: an evaluation describes the Work Group, not its author"
        )
    },
)
personal_data.register(
    "hub_team_work.participant_messages_sent",
    order=630,
    export=export_messages_sent,
    links={"workgroups.ParticipantMessage.sent_by": "kept: the hub's message to its participants"},
)
