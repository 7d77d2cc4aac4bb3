"""Joining and leaving Work Groups, and giving freed places to the waiting list.

Every flow locks the Work Group row first (SELECT ... FOR UPDATE), so joins
and withdrawals for one group run one after another: the count of places
taken cannot be raced, and teachers are served in the order they arrived.
The database's own check (places_taken <= capacity) is the backstop.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from notifications.services import email_queue_template
from workgroups.models import Enrolment, WorkGroup


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
