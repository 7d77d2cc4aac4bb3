"""What every part of the demo shares: the day, the years, the hubs, their schools, the people."""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from hubs.models import Hub, School, TeachingPhase
from hubs_portal.lib.academic_year import academic_year_of

SEED = 2026
# Academic years of Work Groups, enrolments, projects and funding: this one and
# the three before it, so the trend and the reports' year filter have a history.
YEARS_BACK = 3


@dataclass
class Teacher:
    """A demo teacher, before and after it is saved (``user`` is set then)."""

    email: str
    name: str
    school: School
    phases: tuple[str, ...]
    user: User | None = None


@dataclass
class World:
    today: date
    hubs: list[Hub]
    demo_hub: Hub
    # Open schools in each hub's area, in URN order.
    schools: dict[int, list[School]]
    phases: dict[str, TeachingPhase]
    # Who records each hub's work (attendance, evaluations, funding, newsletter issues).
    recorders: dict[int, User] = field(default_factory=dict)
    teachers: dict[int, list[Teacher]] = field(default_factory=dict)
    accounts: dict[str, User] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # The slug of the demo hub's group that started this term, if any.
    started_group: str = ""

    @property
    def this_year(self) -> int:
        return academic_year_of(self.today)

    @property
    def years(self) -> list[int]:
        return list(range(self.this_year - YEARS_BACK, self.this_year + 1))

    @property
    def now(self) -> datetime:
        # Midnight at the start of today: the same rows whenever today it runs.
        return timezone.make_aware(datetime.combine(self.today, time(0)))

    def rng(self, stage: str) -> random.Random:
        # A string seed is hashed with SHA-512, not Python's salted hash: stable.
        return random.Random(f"{SEED}:{stage}")

    def at(self, day: date, hour: int = 9, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def capped(self, moment: datetime) -> datetime:
        return min(moment, self.now)


def load_world(today: date, demo_hub_slug: str) -> World:
    hubs = list(Hub.objects.with_current_leads().select_related("region").order_by("slug"))
    demo_hub = next((hub for hub in hubs if hub.slug == demo_hub_slug), None) or hubs[0]
    by_authority: dict[int, list[School]] = defaultdict(list)
    for school in School.objects.filter(status=School.Status.OPEN).order_by("urn"):
        by_authority[school.local_authority_id].append(school)
    schools: dict[int, list[School]] = defaultdict(list)
    through = Hub.local_authorities.through.objects.order_by("hub_id", "localauthority_id")
    for hub_id, la_id in through.values_list("hub_id", "localauthority_id"):
        schools[hub_id].extend(by_authority.get(la_id, []))
    for hub_schools in schools.values():
        hub_schools.sort(key=lambda school: school.urn)
    phases = {phase.code: phase for phase in TeachingPhase.objects.all()}
    return World(today=today, hubs=hubs, demo_hub=demo_hub, schools=schools, phases=phases)


def weighted(rng: random.Random, options: dict):
    """One of ``options``' keys, drawn with its value as its weight."""
    return rng.choices(list(options), weights=list(options.values()))[0]


def money(value: float) -> Decimal:
    return Decimal(f"{max(value, 0.01):.2f}")


def weekday(day: date) -> date:
    """Move a Saturday or Sunday on to the Monday after."""
    return day + timedelta(days={5: 2, 6: 1}.get(day.weekday(), 0))
