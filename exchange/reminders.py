"""Showcase reminders: an e-mail to every registered observer the day before the lesson."""

from datetime import datetime, timedelta
from itertools import batched

from django.utils import timezone

from exchange.models import ObserverRegistration, Showcase
from notifications.models import Email
from notifications.services import email_queue_template

REMINDER_WINDOW = timedelta(hours=24)
KEYS_PER_QUERY = 1000


def reminder_key(registration: ObserverRegistration) -> str:
    return f"showcase-reminder:{registration.pk}"


def showcase_reminders_queue(*, now: datetime | None = None) -> int:
    """Queue one reminder per registered observer of each showcase starting within 24 hours.

    The outbox key names the registration, so however often this runs (every
    15 minutes) each reminder is recorded, and sent, once. Returns how many
    this run queued.

    Queries: the registrations in the window with their showcases, hubs,
    schools and teachers (on the showcase's status and start index), the
    reminders already recorded (one query per 1,000 keys), then one insert per
    new reminder.
    """
    now = now or timezone.now()
    registrations = list(
        ObserverRegistration.objects.active()
        .filter(
            teacher__is_active=True,
            showcase__status__in=[Showcase.Status.OPEN, Showcase.Status.CLOSED],
            showcase__starts_at__gt=now,
            showcase__starts_at__lte=now + REMINDER_WINDOW,
        )
        .select_related("teacher", "showcase__hub", "showcase__host_school")
        .order_by("showcase__starts_at", "pk")
    )
    wanted = {reminder_key(registration): registration for registration in registrations}
    recorded = set()
    for keys in batched(wanted, KEYS_PER_QUERY):
        recorded.update(Email.objects.filter(key__in=keys).values_list("key", flat=True))

    queued = 0
    for key, registration in wanted.items():
        if key in recorded:
            continue
        email = email_queue_template(
            key=key,
            to=registration.teacher.email,
            template="showcase_reminder",
            context={
                "registration": registration,
                "showcase": registration.showcase,
                "teacher": registration.teacher,
            },
        )
        # None: a run at the same moment recorded it first.
        queued += email is not None
    return queued
