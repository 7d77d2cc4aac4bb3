"""What the exchange holds about a person: places to observe lessons, and nominations.

Registered with accounts/personal_data.py from ExchangeConfig.ready().
Deleting an account cancels places at lessons still to come; a hub's
nomination of the person stays (the hub sent a teacher that year, and the
reports count it) without their name or address.
"""

from django.utils import formats, timezone

from accounts import personal_data
from accounts.models import DELETED_ACCOUNT
from accounts.personal_data import Person, by_address, school, when
from exchange.models import ExchangeTeacher, ObserverRegistration
from exchange.services import ExchangeRefused, observer_cancel
from hubs.audit import audit_record


def registrations_to_release(user, *, now=None):
    """Places to observe lessons still to come."""
    return (
        ObserverRegistration.objects.active()
        .filter(teacher=user, showcase__starts_at__gt=now or timezone.now())
        .select_related("showcase__hub")
        .order_by("showcase_id")
    )


def places_given_up(user) -> list[str]:
    return [
        f"Observing {r.showcase.class_and_topic} ({r.showcase.hub.name}, "
        f"{formats.date_format(timezone.localtime(r.showcase.starts_at), 'j F Y')})"
        for r in registrations_to_release(user)
    ]


def release_registrations(person: Person) -> None:
    """Cancel each place given up; once the account is anonymised, tell the hub."""
    user = person.user
    cancelled = []
    for registration in registrations_to_release(user, now=person.now):
        try:
            cancelled.append(observer_cancel(showcase_id=registration.showcase_id, teacher=user))
        except ExchangeRefused:
            continue  # the lesson started a moment ago: the registration stays

    def record() -> None:
        for registration in cancelled:
            registration.teacher = user
            audit_record(
                hub=registration.showcase.hub,
                user=user,
                action="observer.release",
                target=registration,
                before={"status": ObserverRegistration.Status.REGISTERED},
                after={"status": registration.status, "reason": "account deleted"},
            )

    person.afterwards(record)


def export_registrations(person: Person) -> list[dict]:
    registrations = (
        ObserverRegistration.objects.filter(teacher=person.user)
        .select_related("showcase__hub", "showcase__host_school", "school")
        .order_by("created_at", "pk")
    )
    return [
        {
            "lesson": r.showcase.class_and_topic,
            "hub": r.showcase.hub.name,
            "host_school": school(r.showcase.host_school),
            "starts_at": when(r.showcase.starts_at),
            "school_when_registered": school(r.school),
            "status": r.get_status_display(),
            "registered_at": when(r.created_at),
            "cancelled_at": when(r.cancelled_at),
        }
        for r in registrations
    ]


def _nominations(person: Person):
    return by_address(ExchangeTeacher.objects.all(), "email", person.addresses)


def export_nominations(person: Person) -> list[dict]:
    return [
        {
            "exchange_year": n.exchange_year.label,
            "hub": n.hub.name,
            "teacher_name": n.teacher_name,
            "email": n.email,
            "school": school(n.school),
            "phase": n.get_phase_display(),
            "recorded_at": when(n.created_at),
        }
        for n in _nominations(person)
        .select_related("hub", "exchange_year", "school")
        .order_by("exchange_year__academic_year", "pk")
    ]


def anonymise_nominations(person: Person) -> None:
    """Nominations keep the hub, year and school, not the person's name or address."""
    for nomination in _nominations(person).select_related("hub", "school").order_by("pk"):
        person.forget_name(nomination, nomination.teacher_name)
        # The id keeps the name unique (one nomination per name, school and year).
        nomination.teacher_name = f"{DELETED_ACCOUNT} {nomination.pk}"
        nomination.email = ""
        nomination.save(update_fields=["teacher_name", "email"])
        audit_record(
            hub=nomination.hub,
            user=person.user,
            action="exchange_teacher.anonymise",
            target=nomination,
            after={"teacher_name": nomination.teacher_name, "reason": "account deleted"},
        )


personal_data.register(
    "showcase_registrations",
    order=210,
    export=export_registrations,
    release=release_registrations,
    release_preview=places_given_up,
    links={
        "exchange.ObserverRegistration.teacher": (
            "kept under the deleted account; places at lessons still to come are cancelled"
        )
    },
)
personal_data.register(
    "exchange_nominations",
    order=230,
    export=export_nominations,
    erase=anonymise_nominations,
    addresses={"exchange.ExchangeTeacher.email": "exchange_nominations (by address; anonymised)"},
)
