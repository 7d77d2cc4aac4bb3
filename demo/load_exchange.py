"""The England-China exchange in its last two years (it ran 2014-15 to 2018-19): each hub's
nominated teachers, the Shanghai teachers they hosted, and the showcase lessons observed.

Nominations carry the teacher's demo address, which is how --reset finds them;
Shanghai teachers, pairings, showcases and registrations hang off them.
"""

from datetime import date, timedelta

from exchange.models import (
    ExchangeTeacher,
    ExchangeYear,
    ObserverRegistration,
    Pairing,
    Phase,
    ShanghaiTeacher,
    Showcase,
)

from .texts import SHOWCASE_NOTES
from .vocabulary import (
    EXCHANGE_PROJECT,
    EXCHANGE_YEARS,
    SHANGHAI_NAMES,
    SHANGHAI_SCHOOLS,
    SHOWCASE_TOPICS,
)
from .world import World, weekday

DEMO_EXCHANGE_YEARS = list(EXCHANGE_YEARS)[-2:]
CANCEL_CHANCE = 0.1


def exchange_years() -> list[ExchangeYear]:
    """The demo's exchange years, with their visits, unless already recorded.

    Kept by --reset, like the national programmes: they are the exchange's own
    calendar, not the demo's records.
    """
    return [ensure_exchange_year(year) for year in DEMO_EXCHANGE_YEARS]


def ensure_exchange_year(year: int) -> ExchangeYear:
    """The exchange's ``year``, with two weeks' visits each way, unless already recorded."""
    english = weekday(date(year, 11, 8))
    shanghai = weekday(date(year + 1, 2, 26))
    exchange_year, _ = ExchangeYear.objects.get_or_create(
        academic_year=year,
        defaults={
            "english_visit_start": english,
            "english_visit_end": english + timedelta(days=13),
            "shanghai_visit_start": shanghai,
            "shanghai_visit_end": shanghai + timedelta(days=13),
        },
    )
    return exchange_year


def load_exchange(world: World) -> list[tuple]:
    """Nominations, guests, pairings, showcases and observers for every hub.

    Returns (hub, project slug, year, host schools) for the hubs' participation
    in the exchange project, which load_projects records.
    """
    rng = world.rng("exchange")
    years = exchange_years()
    nominations, guests, pairings, showcases, registrations = [], [], [], [], []
    participations = []
    named: set[tuple] = set()
    taken = set(ExchangeTeacher.objects.values_list("hub_id", "exchange_year_id").distinct())
    for hub in world.hubs:
        crowd = world.teachers.get(hub.pk, [])
        teaching = [t for t in crowd if {"primary", "secondary"} & set(t.phases)]
        for exchange_year in years:
            if (hub.pk, exchange_year.pk) in taken or len(teaching) < 3:
                continue
            hosts = rng.sample(teaching, rng.choice([2, 3, 3]))
            mine = []
            for teacher in hosts:
                # One nomination per name and school a year (a database constraint).
                key = (exchange_year.pk, teacher.name.lower(), teacher.school.pk)
                if key in named:
                    continue
                named.add(key)
                phase = Phase.SECONDARY if "secondary" in teacher.phases else Phase.PRIMARY
                nomination = ExchangeTeacher(
                    hub=hub, exchange_year=exchange_year, teacher_name=teacher.name,
                    school=teacher.school, phase=phase, email=teacher.email,
                    created_at=world.at(date(exchange_year.academic_year, 9, 20)
                                        + timedelta(days=rng.randint(0, 20))),
                )  # fmt: skip
                mine.append(nomination)
            nominations.extend(mine)
            schools = list(dict.fromkeys(n.school for n in mine))
            participations.append((hub, EXCHANGE_PROJECT, exchange_year.academic_year, schools))
            for i, school in enumerate(schools):
                if i > 0 and rng.random() < 0.6:
                    continue
                at_school = [n for n in mine if n.school == school]
                guest = ShanghaiTeacher(
                    hub=hub, exchange_year=exchange_year, name=rng.choice(SHANGHAI_NAMES),
                    shanghai_school=rng.choice(SHANGHAI_SCHOOLS), phase=at_school[0].phase,
                    created_at=world.at(exchange_year.shanghai_visit_start - timedelta(days=60)),
                )  # fmt: skip
                guests.append(guest)
                pairings.extend((guest, host) for host in at_school)
                for _ in range(rng.randint(1, 2)):
                    showcase, regs = _showcase(world, rng, hub, exchange_year, school, guest, crowd)
                    showcases.append(showcase)
                    registrations.extend(regs)
    ExchangeTeacher.objects.bulk_create(nominations)
    ShanghaiTeacher.objects.bulk_create(guests)
    Pairing.objects.bulk_create(
        Pairing(shanghai_teacher=guest, english_teacher=host, created_at=guest.created_at)
        for guest, host in pairings
    )
    Showcase.objects.bulk_create(showcases)
    ObserverRegistration.objects.bulk_create(registrations)
    world.counts["exchange nominations"] += len(nominations)
    world.counts["Shanghai teachers"] += len(guests)
    world.counts["showcases"] += len(showcases)
    world.counts["observer registrations"] += len(registrations)
    return participations


def _showcase(world, rng, hub, exchange_year, school, guest, crowd):
    visit = exchange_year.shanghai_visit_start
    day = weekday(visit + timedelta(days=rng.randint(0, 11)))
    starts = world.at(day, *rng.choice([(9, 30), (11, 0), (13, 30)]))
    ends = starts + timedelta(minutes=75)
    places = rng.randint(12, 30)
    showcase = Showcase(
        hub=hub, exchange_year=exchange_year, host_school=school, starts_at=starts,
        ends_at=ends, class_and_topic=rng.choice(SHOWCASE_TOPICS), shanghai_teacher=guest,
        observer_places=places, discussion_notes=SHOWCASE_NOTES,
        notes_recorded_at=ends + timedelta(days=1), status=Showcase.Status.CLOSED,
        created_at=starts - timedelta(days=45),
    )  # fmt: skip
    observers = [t for t in crowd if t.school != school]
    registered = min(round(places * rng.uniform(0.5, 1.0)), len(observers))
    regs = []
    for teacher in rng.sample(observers, registered):
        created = starts - timedelta(days=rng.uniform(5, 40))
        regs.append(
            ObserverRegistration(
                showcase=showcase, teacher=teacher.user, school=teacher.school,
                status=ObserverRegistration.Status.REGISTERED, created_at=created,
            )
        )  # fmt: skip
        if rng.random() < CANCEL_CHANCE:
            regs[-1].status = ObserverRegistration.Status.CANCELLED
            regs[-1].cancelled_at = created + timedelta(days=rng.uniform(1, 4))
            registered -= 1
    showcase.places_taken = registered
    return showcase, regs
