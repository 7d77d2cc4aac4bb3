"""Joining and leaving Work Groups, and the hub team's changes to them.

Every flow locks the Work Group row first (SELECT ... FOR UPDATE), so joins
and withdrawals for one group run one after another: the count of places
taken cannot be raced, and teachers are served in the order they arrived.
The database's own check (places_taken <= capacity) is the backstop.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from hubs.audit import audit_record, snapshot
from hubs.models import Hub
from hubs_portal.lib.academic_year import academic_year_label
from notifications.services import email_queue_template
from workgroups.models import (
    Attendance,
    Enrolment,
    Evaluation,
    ParticipantMessage,
    Session,
    WorkGroup,
)


class EnrolmentRefused(Exception):
    """A teacher cannot join or leave; the message is written for them."""


def _email(enrolment: Enrolment, event: str, **extra) -> None:
    email_queue_template(
        key=f"enrolment:{enrolment.pk}:{event}",
        to=enrolment.teacher.email,
        template=f"enrolment_{event}",
        context={"enrolment": enrolment, "workgroup": enrolment.workgroup, **extra},
    )


@transaction.atomic
def enrolment_join(*, workgroup_id: int, teacher: User) -> Enrolment:
    """Confirm a place if one is free, otherwise add the teacher to the waiting list."""
    if not teacher.has_complete_profile:
        raise EnrolmentRefused("Please complete your profile before joining a Work Group.")
    workgroup = WorkGroup.objects.select_for_update().select_related("hub").get(pk=workgroup_id)
    reason = workgroup.refusal_reason()
    if reason:
        raise EnrolmentRefused(reason)
    if workgroup.enrolments.active().filter(teacher=teacher).exists():
        raise EnrolmentRefused("You have already applied to this Work Group.")

    now = timezone.now()
    confirmed = not workgroup.is_full
    enrolment = Enrolment(
        workgroup=workgroup,
        teacher=teacher,
        school_id=teacher.school_id,
        status=Enrolment.Status.CONFIRMED if confirmed else Enrolment.Status.WAITING,
        requested_at=now,
        confirmed_at=now if confirmed else None,
    )
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError:
        # Only reachable if the same teacher joins twice at the same instant
        # from two tabs: the partial unique constraint refuses the second.
        raise EnrolmentRefused("You have already applied to this Work Group.") from None
    if confirmed:
        _count_place(workgroup, +1)
        _email(enrolment, "confirmed")
    else:
        position = workgroup.enrolments.filter(status=Enrolment.Status.WAITING).count()
        _email(enrolment, "waiting", position=position)
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, enrolment_id: int, teacher: User) -> Enrolment | None:
    """Withdraw the teacher's own enrolment; a freed place goes to the first on the list.

    Returns the enrolment promoted from the waiting list, if any.
    """
    enrolment = (
        Enrolment.objects.select_related("workgroup")
        .filter(pk=enrolment_id, teacher=teacher)
        .first()
    )
    if enrolment is None:
        raise EnrolmentRefused("That enrolment is not yours or no longer exists.")
    workgroup = WorkGroup.objects.select_for_update().get(pk=enrolment.workgroup_id)
    enrolment.refresh_from_db()
    if enrolment.status not in (Enrolment.Status.CONFIRMED, Enrolment.Status.WAITING):
        raise EnrolmentRefused("This enrolment cannot be withdrawn now.")

    held_place = enrolment.status == Enrolment.Status.CONFIRMED
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = timezone.now()
    enrolment.save(update_fields=["status", "withdrawn_at", "updated_at"])
    _email(enrolment, "withdrawn")
    if not held_place:
        return None
    _count_place(workgroup, -1)
    return _promote_next(workgroup)


def _count_place(workgroup: WorkGroup, change: int) -> None:
    """Move the places-taken count in the database itself (places_taken + 1), so
    that even a path that forgot the lock would hit the not-overbooked check
    instead of silently losing an update."""
    WorkGroup.objects.filter(pk=workgroup.pk).update(
        places_taken=F("places_taken") + change, updated_at=timezone.now()
    )
    workgroup.places_taken += change


def _promote_next(workgroup: WorkGroup) -> Enrolment | None:
    """Give a free place to the first teacher waiting. Call with the group row locked."""
    if workgroup.is_full:
        return None
    promoted = (
        workgroup.enrolments.filter(status=Enrolment.Status.WAITING)
        .select_related("teacher")
        .order_by("requested_at", "pk")
        .first()
    )
    if promoted is None:
        return None
    promoted.status = Enrolment.Status.CONFIRMED
    promoted.confirmed_at = timezone.now()
    promoted.save(update_fields=["status", "confirmed_at", "updated_at"])
    _count_place(workgroup, +1)
    promoted.workgroup = workgroup
    _email(promoted, "promoted")
    return promoted


# --- Running Work Groups: the hub team's changes ------------------------------
#
# Every change below is made in one transaction with its entry in the hub's
# audit trail. Changes that touch places or the enrolments lock the Work Group
# row first, like joining and withdrawing, so they take turns with them.

WORKGROUP_AUDIT_FIELDS = [
    "title",
    "slug",
    "programme",
    "local_need",
    "phases",
    "audience",
    "description",
    "delivery",
    "academic_year",
    "capacity",
    "eligibility",
    "application_deadline",
    "cost",
    "status",
    "lead_name",
]
SESSION_AUDIT_FIELDS = [
    "order",
    "starts_at",
    "ends_at",
    "is_online",
    "venue_name",
    "venue_address",
    "gap_task",
]
SLUG_MAX = WorkGroup._meta.get_field("slug").max_length


class WorkGroupChangeRefused(Exception):
    """The hub team cannot make this change; the message is written for them."""


def _locked(workgroup_id: int) -> WorkGroup:
    return WorkGroup.objects.select_for_update().select_related("hub").get(pk=workgroup_id)


def workgroup_slug(*, title: str, hub: Hub, academic_year: int) -> str:
    """A unique slug from the title, hub and year: "-2", "-3"... on a clash."""
    base = slugify(f"{title} {hub.slug} {academic_year_label(academic_year)}")
    base = base[: SLUG_MAX - 4].strip("-") or "work-group"
    taken = set(WorkGroup.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, suffix = base, 1
    while slug in taken:
        suffix += 1
        slug = f"{base}-{suffix}"
    return slug


@transaction.atomic
def workgroup_create(*, hub: Hub, user, workgroup: WorkGroup, phases) -> WorkGroup:
    """Save a new (draft) Work Group built by the form, with its phases."""
    workgroup.hub = hub
    workgroup.status = WorkGroup.Status.DRAFT
    for _attempt in range(5):
        workgroup.slug = workgroup_slug(
            title=workgroup.title, hub=hub, academic_year=workgroup.academic_year
        )
        try:
            # A savepoint: two teams naming a group alike at the same moment
            # meet on the unique slug, and the second takes the next suffix.
            with transaction.atomic():
                workgroup.save()
            break
        except IntegrityError:
            if WorkGroup.objects.filter(slug=workgroup.slug).exists():
                workgroup.pk = None
                continue
            raise
    else:
        raise WorkGroupChangeRefused("Please try again: another Work Group took that name.")
    workgroup.phases.set(phases)
    audit_record(
        hub=hub,
        user=user,
        action="workgroup.create",
        target=workgroup,
        after=snapshot(workgroup, WORKGROUP_AUDIT_FIELDS),
    )
    return workgroup


@transaction.atomic
def workgroup_update(*, workgroup: WorkGroup, user, fields: dict, phases) -> WorkGroup:
    """Change a Work Group's description. Places go through workgroup_set_capacity."""
    locked = _locked(workgroup.pk)
    before = snapshot(locked, WORKGROUP_AUDIT_FIELDS)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    locked.phases.set(phases)
    after = snapshot(locked, WORKGROUP_AUDIT_FIELDS)
    audit_record(
        hub=locked.hub,
        user=user,
        action="workgroup.update",
        target=locked,
        before=before,
        after=after,
    )
    return locked


def _change_status(workgroup_id: int, user, *, source: str, target: str, action: str, refusal: str):
    workgroup = _locked(workgroup_id)
    if workgroup.status != source:
        raise WorkGroupChangeRefused(refusal)
    workgroup.status = target
    workgroup.save(update_fields=["status", "updated_at"])
    audit_record(
        hub=workgroup.hub,
        user=user,
        action=action,
        target=workgroup,
        before={"status": source},
        after={"status": target},
    )
    return workgroup


@transaction.atomic
def workgroup_publish(*, workgroup_id: int, user) -> WorkGroup:
    """Draft to open: teachers can see the Work Group and apply."""
    return _change_status(
        workgroup_id,
        user,
        source=WorkGroup.Status.DRAFT,
        target=WorkGroup.Status.OPEN,
        action="workgroup.publish",
        refusal="Only a draft Work Group can be published.",
    )


@transaction.atomic
def workgroup_close(*, workgroup_id: int, user) -> WorkGroup:
    """Open to closed: no more applications; the evaluation can be written."""
    return _change_status(
        workgroup_id,
        user,
        source=WorkGroup.Status.OPEN,
        target=WorkGroup.Status.CLOSED,
        action="workgroup.close",
        refusal="Only a Work Group that is open can be closed.",
    )


@transaction.atomic
def workgroup_set_capacity(*, workgroup_id: int, capacity: int, user) -> list[Enrolment]:
    """Offer more or fewer places; returns who was given a place from the waiting list.

    Raising the number gives the new places to the waiting list in the order
    teachers asked (each gets the "promoted" e-mail). Fewer places than
    teachers already holding one is refused: nobody loses a confirmed place.
    """
    workgroup = _locked(workgroup_id)
    taken = workgroup.places_taken
    if capacity < taken:
        have = (
            "1 teacher already has a place"
            if taken == 1
            else f"{taken} teachers already have places"
        )
        raise WorkGroupChangeRefused(f"{have}; you cannot offer fewer than {taken}.")
    if capacity < 1:
        raise WorkGroupChangeRefused("A Work Group needs at least 1 place.")
    before = workgroup.capacity
    if capacity == before:
        return []
    workgroup.capacity = capacity
    workgroup.save(update_fields=["capacity", "updated_at"])
    promoted = []
    while (enrolment := _promote_next(workgroup)) is not None:
        promoted.append(enrolment)
    audit_record(
        hub=workgroup.hub,
        user=user,
        action="workgroup.places",
        target=workgroup,
        before={"capacity": before, "places_taken": taken},
        after={
            "capacity": capacity,
            "places_taken": workgroup.places_taken,
            "promoted_enrolments": [e.pk for e in promoted],
        },
    )
    return promoted


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
