"""The England-China exchange of 2014-2018: nominations, guests, pairings, showcases."""

from collections import defaultdict
from datetime import date, time, timedelta

from demo.load_exchange import ensure_exchange_year
from demo.vocabulary import (
    EXCHANGE_PROJECT,
    EXCHANGE_YEARS,
    SHANGHAI_NAMES,
    SHANGHAI_SCHOOLS,
    SHOWCASE_TOPICS,
)
from demo.world import weekday
from exchange.models import (
    ExchangeTeacher,
    ObserverRegistration,
    Pairing,
    ShanghaiTeacher,
    Showcase,
)
from projects.models import ProjectSchool

from .base import london_time
from .marks import EMAIL_DOMAIN


class ExchangeStage:
    """Nominates teachers, pairs them with Shanghai teachers and writes their showcases
    and observers; the host schools join the exchange project."""

    def _exchange(self) -> None:
        rng = self.rng("exchange")
        years = {year: ensure_exchange_year(year) for year in EXCHANGE_YEARS}
        nominations, guests, pairings, showcases, registrations = [], [], [], [], []
        exchange = self.projects.get(EXCHANGE_PROJECT)
        nominated: dict[int, set[int]] = defaultdict(set)
        nominated_names: dict[int, set[tuple[str, int]]] = defaultdict(set)
        for hub in range(len(self.hubs)):
            hub_pk = self.hubs[hub].pk
            for year, exchange_year in years.items():
                visit_start = exchange_year.shanghai_visit_start or date(year + 1, 3, 1)
                # A teacher in an authority two hubs share is nominated once a year.
                taken = nominated[year]
                names = nominated_names[year]
                hosts = []
                wanted = rng.choices([2, 3], [45, 55])[0]
                for _ in range(wanted * 10):
                    if len(hosts) == wanted:
                        break
                    phase = "secondary" if year >= 2016 and rng.random() < 0.4 else "primary"
                    picked = self._draw(rng, hub, (phase,), self.years[0], 1, 0.0, taken)
                    if not picked:
                        continue
                    t = picked[0]
                    school = self.schools[self.teacher_school[t]]
                    name = self._teacher_name(t)
                    if (name.lower(), school.id) in names:
                        continue
                    names.add((name.lower(), school.id))
                    nid = self.ids[ExchangeTeacher].take()
                    created = london_time(
                        date(year, 9, 20) + timedelta(days=rng.randint(0, 20)), time(9)
                    )
                    nominations.append(
                        (nid, hub_pk, exchange_year.pk, name, school.id, phase,
                         f"t{t + 1:06d}@{EMAIL_DOMAIN}", created)
                    )  # fmt: skip
                    self._seen(t, created.timestamp())
                    hosts.append((nid, school, phase))
                if hosts and exchange and exchange.is_active_in(year):
                    pid = self._participation(rng, hub, exchange, year)
                    for school in dict.fromkeys(school.id for _, school, _ in hosts):
                        self.project_schools.append((pid, school, ProjectSchool.Part.LEAD))
                for i, (nid, school, phase) in enumerate(hosts):
                    if i > 0 and rng.random() > 0.75:
                        continue
                    gid = self.ids[ShanghaiTeacher].take()
                    guests.append(
                        (gid, hub_pk, exchange_year.pk, rng.choice(SHANGHAI_NAMES),
                         rng.choice(SHANGHAI_SCHOOLS), phase, self.now)
                    )  # fmt: skip
                    pairings.append((gid, nid, self.now))
                    for _ in range(rng.randint(1, 3)):
                        self._showcase(
                            rng, hub, exchange_year, visit_start, school, gid, showcases,
                            registrations,
                        )  # fmt: skip
        w = self.writer
        w.copy(
            ExchangeTeacher,
            ["id", "hub", "exchange_year", "teacher_name", "school", "phase", "email",
             "created_at"],
            nominations,
            "exchange nominations",
        )  # fmt: skip
        w.copy(
            ShanghaiTeacher,
            ["id", "hub", "exchange_year", "name", "shanghai_school", "phase", "created_at"],
            guests,
            "Shanghai teachers",
        )
        w.copy(Pairing, ["shanghai_teacher", "english_teacher", "created_at"], pairings, "pairings")
        w.copy(
            Showcase,
            ["id", "hub", "exchange_year", "host_school", "starts_at", "ends_at",
             "class_and_topic", "shanghai_teacher", "observer_places", "places_taken",
             "discussion_notes", "notes_recorded_at", "status", "created_at", "updated_at"],
            showcases,
            "showcases",
        )  # fmt: skip
        w.copy(
            ObserverRegistration,
            ["showcase", "teacher", "school", "status", "created_at", "cancelled_at"],
            registrations,
            "observer registrations",
        )
        self._write_projects()

    def _showcase(self, rng, hub, exchange_year, visit_start, school, guest, showcases, regs):
        day = weekday(visit_start + timedelta(days=rng.randint(0, 11)))
        starts = london_time(day, rng.choice([time(9, 30), time(11, 0), time(13, 30)]))
        ends = starts + timedelta(minutes=75)
        places = rng.randint(10, 40)
        sid = self.ids[Showcase].take()
        taken: set[int] = set()
        wanted = round(places * rng.uniform(0.5, 1.0))
        observers = self._draw(
            rng, hub, ("primary", "secondary"), self.years[0], wanted, 0.05, taken
        )
        registered = 0
        for t in observers:
            created = starts - timedelta(days=rng.uniform(5, 40))
            self._seen(t, created.timestamp())
            cancelled = rng.random() < 0.12
            if not cancelled:
                registered += 1
            regs.append(
                (
                    sid, self.teacher_ids[t], self.schools[self.teacher_school[t]].id,
                    ObserverRegistration.Status.CANCELLED if cancelled
                    else ObserverRegistration.Status.REGISTERED,
                    created, created + timedelta(days=rng.uniform(1, 4)) if cancelled else None,
                )
            )  # fmt: skip
        notes = "Observers discussed the lesson's use of variation and the pace of the class."
        showcases.append(
            (
                sid, self.hubs[hub].pk, exchange_year.pk, school.id, starts, ends,
                rng.choice(SHOWCASE_TOPICS), guest, places, registered, notes,
                ends + timedelta(days=1), Showcase.Status.CLOSED,
                starts - timedelta(days=45), ends + timedelta(days=1),
            )
        )  # fmt: skip
