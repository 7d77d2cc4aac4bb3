"""Running a Work Group: sessions, attendance, completion, messages, evaluation.

Each change locks the Work Group row and is audited in the same transaction.
"""

from django.db import transaction
from django.utils import timezone

from hubs.audit import audit_record, snapshot
from notifications.services import email_queue_template
from workgroups.models import (
    Attendance,
    Enrolment,
    Evaluation,
    ParticipantMessage,
    Session,
    WorkGroup,
)
from workgroups.services.workgroups import WorkGroupChangeRefused, _locked

SESSION_AUDIT_FIELDS = [
    "order",
    "starts_at",
    "ends_at",
    "is_online",
    "venue_name",
    "venue_address",
    "gap_task",
]


@transaction.atomic
def session_save(*, workgroup: WorkGroup, session: Session, user) -> Session:
    """Add a session, or save the changes to one (built by the form)."""
    _locked(workgroup.pk)
    creating = session.pk is None
    before = None
    if not creating:
        before = snapshot(Session.objects.get(pk=session.pk), SESSION_AUDIT_FIELDS)
    session.workgroup = workgroup
    session.save()  # refreshes the group's start date and term
    audit_record(
        hub=workgroup.hub,
        user=user,
        action="session.create" if creating else "session.update",
        target=session,
        before=before,
        after=snapshot(session, SESSION_AUDIT_FIELDS),
    )
    return session


@transaction.atomic
def session_delete(*, session: Session, user) -> None:
    workgroup = _locked(session.workgroup_id)
    if session.attendance.exists():
        raise WorkGroupChangeRefused(
            f"Attendance has been recorded for session {session.order}, so it cannot be "
            "deleted. Change its details instead."
        )
    audit_record(
        hub=workgroup.hub,
        user=user,
        action="session.delete",
        target=session,
        before=snapshot(session, SESSION_AUDIT_FIELDS),
    )
    session.workgroup = workgroup
    session.delete()  # refreshes the group's start date and term


def participants(workgroup: WorkGroup):
    """Teachers holding a place (confirmed or completed), with their schools."""
    return (
        workgroup.enrolments.filter(status__in=Enrolment.HOLDS_PLACE)
        .select_related("teacher", "school")
        .order_by("teacher__full_name", "teacher__email", "pk")
    )


@transaction.atomic
def attendance_record(*, session: Session, present_ids: set[int], user) -> int:
    """Record who came to a session: every participant present or absent, in one go.

    Saving again overwrites the earlier record (one row per session and
    participant). Returns how many were present.
    """
    workgroup = _locked(session.workgroup_id)
    enrolment_ids = list(participants(workgroup).values_list("pk", flat=True))
    before = dict(Attendance.objects.filter(session=session).values_list("enrolment_id", "present"))
    now = timezone.now()
    Attendance.objects.bulk_create(
        [
            Attendance(
                session=session,
                enrolment_id=enrolment_id,
                present=enrolment_id in present_ids,
                recorded_by=user,
                recorded_at=now,
            )
            for enrolment_id in enrolment_ids
        ],
        update_conflicts=True,
        unique_fields=["session", "enrolment"],
        update_fields=["present", "recorded_by", "recorded_at"],
    )
    present = sorted(pk for pk in enrolment_ids if pk in present_ids)
    audit_record(
        hub=workgroup.hub,
        user=user,
        action="attendance.record",
        target=session,
        before={
            "present": sorted(k for k, v in before.items() if v),
            "absent": sorted(k for k, v in before.items() if not v),
        }
        if before
        else None,
        after={"present": present, "absent": sorted(set(enrolment_ids) - set(present))},
    )
    return len(present)


@transaction.atomic
def enrolments_complete(*, workgroup_id: int, enrolment_ids: set[int], user) -> int:
    """Mark confirmed participants as having completed the Work Group; they keep their place."""
    workgroup = _locked(workgroup_id)
    completing = list(
        workgroup.enrolments.filter(pk__in=enrolment_ids, status=Enrolment.Status.CONFIRMED)
        .select_related("teacher")
        .order_by("pk")
    )
    if not completing:
        return 0
    now = timezone.now()
    Enrolment.objects.filter(pk__in=[e.pk for e in completing]).update(
        status=Enrolment.Status.COMPLETED, completed_at=now, updated_at=now
    )
    for enrolment in completing:
        audit_record(
            hub=workgroup.hub,
            user=user,
            action="enrolment.complete",
            target=enrolment,
            before={"status": Enrolment.Status.CONFIRMED},
            after={"status": Enrolment.Status.COMPLETED, "completed_at": now},
        )
    return len(completing)


@transaction.atomic
def participants_message_send(
    *, workgroup_id: int, subject: str, body: str, include_waiting: bool, user
) -> ParticipantMessage:
    """E-mail everyone holding a place (and the waiting list, if asked): one e-mail each.

    Each e-mail's outbox key names this message and the enrolment, so it is
    recorded, and sent, once; they go out through Celery after the commit.
    """
    workgroup = _locked(workgroup_id)
    statuses = [*Enrolment.HOLDS_PLACE, *([Enrolment.Status.WAITING] if include_waiting else [])]
    recipients = list(
        workgroup.enrolments.filter(status__in=statuses, teacher__is_active=True)
        .select_related("teacher")
        .order_by("pk")
    )
    if not recipients:
        raise WorkGroupChangeRefused("There is nobody to send this message to yet.")
    message = ParticipantMessage.objects.create(
        workgroup=workgroup,
        subject=subject,
        body=body,
        include_waiting=include_waiting,
        recipient_count=len(recipients),
        sent_by=user,
    )
    for enrolment in recipients:
        email_queue_template(
            key=f"message:{message.pk}:{enrolment.pk}",
            to=enrolment.teacher.email,
            template="participants_message",
            context={
                "message": message,
                "workgroup": workgroup,
                "enrolment": enrolment,
                "teacher": enrolment.teacher,
            },
        )
    audit_record(
        hub=workgroup.hub,
        user=user,
        action="workgroup.message",
        target=message,
        after={
            "workgroup": workgroup.pk,
            "subject": subject,
            "include_waiting": include_waiting,
            "recipients": [e.pk for e in recipients],
        },
    )
    return message


@transaction.atomic
def evaluation_save(*, workgroup_id: int, outcomes: str, impact_notes: str, user) -> Evaluation:
    """Write (or rewrite) the evaluation of a closed Work Group, counting who completed it."""
    workgroup = _locked(workgroup_id)
    if workgroup.status != WorkGroup.Status.CLOSED:
        raise WorkGroupChangeRefused("Close the Work Group before you write its evaluation.")
    evaluation = Evaluation.objects.filter(workgroup=workgroup).first()
    fields = ["outcomes", "impact_notes", "completed_count"]
    before = snapshot(evaluation, fields) if evaluation else None
    evaluation = evaluation or Evaluation(workgroup=workgroup)
    evaluation.outcomes = outcomes
    evaluation.impact_notes = impact_notes
    evaluation.completed_count = workgroup.enrolments.filter(
        status=Enrolment.Status.COMPLETED
    ).count()
    evaluation.written_by = user
    evaluation.written_at = timezone.now()
    evaluation.save()
    audit_record(
        hub=workgroup.hub,
        user=user,
        action="evaluation.save",
        target=evaluation,
        before=before,
        after=snapshot(evaluation, fields),
    )
    return evaluation
