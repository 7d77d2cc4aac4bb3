"""Session reminders: an e-mail to every confirmed teacher in the day before each session."""

from collections import defaultdict
from datetime import datetime, timedelta
from itertools import batched

from django.utils import timezone

from notifications.models import Email
from notifications.services import email_queue_template
from workgroups.models import Enrolment, Session

REMINDER_WINDOW = timedelta(hours=24)
# Keeps each "which reminders exist already" query to a reasonable IN list.
KEYS_PER_QUERY = 1000


def reminder_key(session: Session, enrolment: Enrolment) -> str:
    return f"reminder:{session.pk}:{enrolment.pk}"


def session_reminders_queue(*, now: datetime | None = None) -> int:
    """Queue one reminder per confirmed teacher for each session starting within 24 hours.

    The outbox key names the session and the enrolment, so however often this
    runs (every 15 minutes) each reminder is recorded, and sent, once. Returns
    how many reminders this run queued.

    Queries: the sessions in the window (on the starts_at index), the confirmed
    enrolments of their groups, the earlier sessions' gap tasks, the reminders
    already recorded (one query per 1,000 keys), then one insert per new reminder.
    """
    now = now or timezone.now()
    sessions = list(
        Session.objects.filter(starts_at__gt=now, starts_at__lte=now + REMINDER_WINDOW)
        .select_related("workgroup__hub")
        .order_by("starts_at", "pk")
    )
    if not sessions:
        return 0
    group_ids = {session.workgroup_id for session in sessions}

    enrolments = defaultdict(list)
    for enrolment in (
        Enrolment.objects.filter(
            workgroup_id__in=group_ids,
            status=Enrolment.Status.CONFIRMED,
            teacher__is_active=True,
        )
        .select_related("teacher")
        .order_by("pk")
    ):
        enrolments[enrolment.workgroup_id].append(enrolment)

    # A session's gap task is tried in class before the next session, so the
    # one to bring to session N was set at session N - 1.
    gap_tasks = {
        (group_id, order): gap_task
        for group_id, order, gap_task in Session.objects.filter(workgroup_id__in=group_ids)
        .order_by()
        .values_list("workgroup_id", "order", "gap_task")
    }

    wanted = {
        reminder_key(session, enrolment): (session, enrolment)
        for session in sessions
        for enrolment in enrolments[session.workgroup_id]
    }
    recorded = set()
    for keys in batched(wanted, KEYS_PER_QUERY):
        recorded.update(Email.objects.filter(key__in=keys).values_list("key", flat=True))

    queued = 0
    for key, (session, enrolment) in wanted.items():
        if key in recorded:
            continue
        workgroup = session.workgroup
        email = email_queue_template(
            key=key,
            to=enrolment.teacher.email,
            template="session_reminder",
            context={
                "session": session,
                "workgroup": workgroup,
                "enrolment": enrolment,
                "teacher": enrolment.teacher,
                "gap_task_to_bring": gap_tasks.get((workgroup.pk, session.order - 1), ""),
            },
        )
        # None: a run at the same moment recorded it first.
        queued += email is not None
    return queued
