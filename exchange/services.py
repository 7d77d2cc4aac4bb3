"""The exchange's flows: the hub team's records, and teachers registering to observe.

The hub team's changes are each made in one transaction with their audit
entry. Nominations and pairings lock the hub's row first, so that counting a
hub's teachers cannot be raced; anything that touches a showcase's places
locks the showcase row (SELECT ... FOR UPDATE) and moves the count in SQL, as
Work Group places do, with the database's check (places_taken <=
observer_places) as the backstop.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from exchange.models import (
    ExchangeTeacher,
    ObserverRegistration,
    Pairing,
    ShanghaiTeacher,
    Showcase,
    pairing_problem,
)
from hubs.audit import audit_record, snapshot
from hubs.models import Hub
from notifications.services import email_queue_template

NOMINATION_FIELDS = ["exchange_year", "teacher_name", "school", "phase", "email"]
SHANGHAI_FIELDS = ["exchange_year", "name", "shanghai_school", "phase"]
SHOWCASE_FIELDS = [
    "exchange_year",
    "host_school",
    "starts_at",
    "ends_at",
    "class_and_topic",
    "shanghai_teacher",
    "observer_places",
    "status",
]
FULL = "All observer places are taken."


class ExchangeRefused(Exception):
    """The change or registration cannot be made; the message is written for the person."""


def _lock_hub(hub: Hub) -> Hub:
    return Hub.objects.select_for_update().get(pk=hub.pk)


def _lock_showcase(showcase_id: int) -> Showcase:
    return (
        Showcase.objects.select_for_update(of=("self",))
        .select_related("hub", "host_school", "exchange_year")
        .get(pk=showcase_id)
    )


# --- Nominations -------------------------------------------------------------


@transaction.atomic
def nomination_add(*, hub: Hub, user, nomination: ExchangeTeacher) -> ExchangeTeacher:
    """Nominate a teacher; a fourth for the year is refused (ValidationError on exchange_year)."""
    _lock_hub(hub)
    nomination.hub = hub
    # Under the hub lock, so the count in clean() cannot change before the save.
    nomination.full_clean()
    nomination.save()
    audit_record(
        hub=hub,
        user=user,
        action="exchange.nomination.add",
        target=nomination,
        after=snapshot(nomination, NOMINATION_FIELDS),
    )
    return nomination


@transaction.atomic
def nomination_remove(*, nomination: ExchangeTeacher, user) -> None:
    hub = _lock_hub(nomination.hub)
    guests = list(
        ShanghaiTeacher.objects.filter(pairings__english_teacher=nomination).order_by("name")
    )
    if guests:
        names = " and ".join(guest.name for guest in guests)
        raise ExchangeRefused(
            f"{nomination.teacher_name} hosts {names}. Change who hosts "
            f"{'them' if len(guests) > 1 else guests[0].name} before removing the nomination."
        )
    audit_record(
        hub=hub,
        user=user,
        action="exchange.nomination.remove",
        target=nomination,
        before=snapshot(nomination, NOMINATION_FIELDS),
    )
    nomination.delete()


# --- Shanghai teachers and who hosts them --------------------------------------


def _check_hosts(guest: ShanghaiTeacher, hosts: list[ExchangeTeacher]) -> None:
    problem = pairing_problem(guest, hosts)
    if problem:
        raise ValidationError({"hosts": problem})


def _shanghai_state(guest: ShanghaiTeacher, hosts: list[ExchangeTeacher]) -> dict:
    return snapshot(guest, SHANGHAI_FIELDS) | {"hosts": sorted(host.pk for host in hosts)}


@transaction.atomic
def shanghai_teacher_add(
    *, hub: Hub, user, guest: ShanghaiTeacher, hosts: list[ExchangeTeacher]
) -> ShanghaiTeacher:
    """Record a Shanghai teacher the hub hosts, paired with their English host(s)."""
    _lock_hub(hub)
    guest.hub = hub
    _check_hosts(guest, hosts)
    guest.full_clean()
    guest.save()
    Pairing.objects.bulk_create(
        [Pairing(shanghai_teacher=guest, english_teacher=host) for host in hosts]
    )
    audit_record(
        hub=hub,
        user=user,
        action="exchange.shanghai.add",
        target=guest,
        after=_shanghai_state(guest, hosts),
    )
    return guest


@transaction.atomic
def shanghai_teacher_pair(
    *, guest: ShanghaiTeacher, hosts: list[ExchangeTeacher], user
) -> ShanghaiTeacher:
    """Replace who hosts a Shanghai teacher with ``hosts`` (all at one school)."""
    hub = _lock_hub(guest.hub)
    _check_hosts(guest, hosts)
    before = list(guest.hosts.all())
    Pairing.objects.filter(shanghai_teacher=guest).exclude(english_teacher__in=hosts).delete()
    kept = {host.pk for host in before}
    Pairing.objects.bulk_create(
        [Pairing(shanghai_teacher=guest, english_teacher=h) for h in hosts if h.pk not in kept]
    )
    audit_record(
        hub=hub,
        user=user,
        action="exchange.shanghai.pair",
        target=guest,
        before={"hosts": sorted(host.pk for host in before)},
        after={"hosts": sorted(host.pk for host in hosts)},
    )
    return guest


@transaction.atomic
def shanghai_teacher_remove(*, guest: ShanghaiTeacher, user) -> None:
    """Remove a Shanghai teacher and their pairings; their showcases keep no teacher."""
    hub = _lock_hub(guest.hub)
    audit_record(
        hub=hub,
        user=user,
        action="exchange.shanghai.remove",
        target=guest,
        before=_shanghai_state(guest, list(guest.hosts.all())),
    )
    guest.delete()


# --- Showcases: the hub team's side ------------------------------------------


@transaction.atomic
def showcase_create(*, hub: Hub, user, showcase: Showcase) -> Showcase:
    """Save a new showcase (validated by the form) as a draft."""
    showcase.hub = hub
    showcase.status = Showcase.Status.DRAFT
    showcase.save()
    audit_record(
        hub=hub,
        user=user,
        action="exchange.showcase.create",
        target=showcase,
        after=snapshot(showcase, SHOWCASE_FIELDS),
    )
    return showcase


@transaction.atomic
def showcase_update(*, showcase_id: int, user, fields: dict) -> Showcase:
    """Change a showcase's details; fewer places than observers registered is refused."""
    showcase = _lock_showcase(showcase_id)
    places = fields.get("observer_places", showcase.observer_places)
    if places < showcase.places_taken:
        taken = showcase.places_taken
        have = "1 teacher has" if taken == 1 else f"{taken} teachers have"
        raise ExchangeRefused(
            f"{have} already registered to observe; you cannot offer fewer than {taken} places."
        )
    before = snapshot(showcase, SHOWCASE_FIELDS)
    for name, value in fields.items():
        setattr(showcase, name, value)
    showcase.save(update_fields=[*fields, "updated_at"])
    audit_record(
        hub=showcase.hub,
        user=user,
        action="exchange.showcase.update",
        target=showcase,
        before=before,
        after=snapshot(showcase, SHOWCASE_FIELDS),
    )
    return showcase


def _change_status(showcase_id: int, user, *, source: str, target: str, action: str, refusal: str):
    showcase = _lock_showcase(showcase_id)
    if showcase.status != source:
        raise ExchangeRefused(refusal)
    showcase.status = target
    showcase.save(update_fields=["status", "updated_at"])
    audit_record(
        hub=showcase.hub,
        user=user,
        action=action,
        target=showcase,
        before={"status": source},
        after={"status": target},
    )
    return showcase


@transaction.atomic
def showcase_open(*, showcase_id: int, user) -> Showcase:
    """Draft to open: teachers can see the showcase and register to observe."""
    showcase = Showcase.objects.only("starts_at").get(pk=showcase_id)
    if showcase.has_started():
        raise ExchangeRefused("This lesson has already started, so it cannot be opened.")
    return _change_status(
        showcase_id,
        user,
        source=Showcase.Status.DRAFT,
        target=Showcase.Status.OPEN,
        action="exchange.showcase.open",
        refusal="Only a draft showcase can be opened for registration.",
    )


@transaction.atomic
def showcase_close(*, showcase_id: int, user) -> Showcase:
    """Open to closed: no more registrations; everyone registered keeps their place."""
    return _change_status(
        showcase_id,
        user,
        source=Showcase.Status.OPEN,
        target=Showcase.Status.CLOSED,
        action="exchange.showcase.closed",
        refusal="Only a showcase that is open for registration can be closed.",
    )


@transaction.atomic
def showcase_notes_save(*, showcase_id: int, notes: str, user) -> Showcase:
    """Record (or rewrite) the notes of the post-lesson discussion, once the lesson is over."""
    showcase = _lock_showcase(showcase_id)
    if not showcase.has_ended():
        raise ExchangeRefused("You can record the discussion notes once the lesson has ended.")
    before = {"discussion_notes": showcase.discussion_notes}
    showcase.discussion_notes = notes
    showcase.notes_recorded_at = timezone.now()
    showcase.save(update_fields=["discussion_notes", "notes_recorded_at", "updated_at"])
    audit_record(
        hub=showcase.hub,
        user=user,
        action="exchange.showcase.notes",
        target=showcase,
        before=before,
        after={"discussion_notes": notes},
    )
    return showcase


# --- Observers: teachers register and cancel -----------------------------------


def _email(registration: ObserverRegistration, event: str) -> None:
    email_queue_template(
        key=f"showcase:{registration.pk}:{event}",
        to=registration.teacher.email,
        template=f"showcase_{event}",
        context={
            "registration": registration,
            "showcase": registration.showcase,
            "teacher": registration.teacher,
        },
    )


def _count_place(showcase: Showcase, change: int) -> None:
    """Move the count in the database itself (places_taken + 1): a path that
    forgot the lock would meet the not-overbooked check, not lose an update."""
    Showcase.objects.filter(pk=showcase.pk).update(
        places_taken=F("places_taken") + change, updated_at=timezone.now()
    )
    showcase.places_taken += change


@transaction.atomic
def observer_register(*, showcase_id: int, teacher: User) -> ObserverRegistration:
    """Give the teacher an observer place if one is free; refuse otherwise (never overbook)."""
    if not teacher.has_complete_profile:
        raise ExchangeRefused("Please complete your profile before registering to observe.")
    showcase = _lock_showcase(showcase_id)
    reason = showcase.refusal_reason()
    if reason:
        raise ExchangeRefused(reason)
    if showcase.registrations.active().filter(teacher=teacher).exists():
        raise ExchangeRefused("You are already registered to observe this lesson.")
    registration = ObserverRegistration(
        showcase=showcase, teacher=teacher, school_id=teacher.school_id
    )
    try:
        with transaction.atomic():
            registration.save()
            _count_place(showcase, +1)
    except IntegrityError:
        # Reachable only if the same teacher registers twice at the same
        # instant (the partial unique constraint), or if the lock was bypassed
        # and the check constraint refused a place past the last one.
        if showcase.registrations.active().filter(teacher=teacher).exists():
            raise ExchangeRefused("You are already registered to observe this lesson.") from None
        raise ExchangeRefused(FULL) from None
    _email(registration, "registered")
    return registration


@transaction.atomic
def observer_cancel(*, showcase_id: int, teacher: User) -> ObserverRegistration:
    """Cancel the teacher's own registration; the place is free for someone else."""
    showcase = _lock_showcase(showcase_id)
    registration = showcase.registrations.active().filter(teacher=teacher).first()
    if registration is None:
        raise ExchangeRefused("You are not registered to observe this lesson.")
    if showcase.has_started():
        raise ExchangeRefused("This lesson has already started, so it can no longer be cancelled.")
    registration.status = ObserverRegistration.Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    _count_place(showcase, -1)
    registration.showcase = showcase
    _email(registration, "cancelled")
    return registration
