"""The generator: builds the network in memory, stage by stage and year by year, and COPYs it in."""

import random
import time as clock
from collections import Counter, defaultdict
from datetime import date, time

from django.db import connection, transaction
from tqdm import tqdm

from accounts.models import User
from demo.workgroups import ensure_programmes
from exchange.models import (
    ExchangeTeacher,
    ObserverRegistration,
    Pairing,
    ShanghaiTeacher,
    Showcase,
)
from hubs.models import Hub, HubMembership, LocalAuthority, School, TeachingPhase
from hubs_portal.lib.academic_year import academic_year_of
from projects.models import Allocation, NationalProject, ProjectParticipation, ProjectSchool, Spend
from workgroups.models import Attendance, Enrolment, Session, WorkGroup

from .base import Ids, Summary, Writer, london_time, sizes
from .exchange import ExchangeStage
from .marks import network_checksum
from .people import PeopleStage
from .projects import ProjectStage
from .schools import SchoolStage
from .workgroups import WorkGroupStage


class NetworkGenerator(SchoolStage, WorkGroupStage, ProjectStage, ExchangeStage, PeopleStage):
    """One run: the stages (one module each) share this object's state, in the order ``run``
    calls them."""

    def __init__(self, *, seed: int, scale: float, years: int, today: date, progress: bool):
        self.seed = seed
        self.scale = scale
        self.size = sizes(scale)
        self.today = today
        self.now = london_time(today, time(12))
        self.now_ts = self.now.timestamp()
        self.current_year = academic_year_of(today)
        self.years = list(range(self.current_year - years + 1, self.current_year + 1))
        self.progress = progress
        self.timings: dict[str, float] = {}
        self.enrolments_by_status: Counter = Counter()

    def rng(self, stage: str) -> random.Random:
        # A string seed is hashed with SHA-512 (not Python's salted hash): stable.
        return random.Random(f"{self.seed}:{stage}")

    def bar(self, **kwargs):
        return tqdm(disable=not self.progress, leave=False, dynamic_ncols=True, **kwargs)

    # --- Orchestration ---

    def run(self) -> Summary:
        started = clock.perf_counter()
        with transaction.atomic(), connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own cursor, for COPY
            self.writer = Writer(cursor)
            self._timed("reference data", self._reference)
            self.ids = {
                model: Ids(cursor, model)
                for model in (School, User, WorkGroup, Session, Enrolment, ProjectParticipation,
                              ExchangeTeacher, ShanghaiTeacher, Showcase)
            }  # fmt: skip
            self._timed("schools", self._schools)
            self._timed("teachers (in memory)", self._teachers)
            self._timed("Work Groups, sessions, enrolments, attendance", self._workgroups)
            self._timed("projects", self._projects)
            self._timed("exchange", self._exchange)
            self._timed("funding", self._funding)
            self._timed("people", self._users)
            for ids in self.ids.values():
                ids.close(cursor)
            # Deferred foreign keys are checked here, at commit.
            commit_started = clock.perf_counter()
        self.timings["commit (foreign key checks)"] = clock.perf_counter() - commit_started
        self._timed("statistics", self._analyse)
        checksum = self._timed("checksum", network_checksum)
        return Summary(
            counts=self.writer.counts,
            enrolments_by_status=self.enrolments_by_status,
            seconds=clock.perf_counter() - started,
            checksum=checksum,
            years=(self.years[0], self.years[-1]),
            timings=self.timings,
        )

    def _timed(self, label, step):
        started = clock.perf_counter()
        result = step()
        self.timings[label] = clock.perf_counter() - started
        return result

    def _analyse(self) -> None:
        tables = {
            m._meta.db_table
            for m in (School, User, User.phases.through, WorkGroup, WorkGroup.phases.through,
                      Session, Enrolment, Attendance, ProjectParticipation, ProjectSchool,
                      ProjectParticipation.workgroups.through, Allocation, Spend, ExchangeTeacher,
                      ShanghaiTeacher, Pairing, Showcase, ObserverRegistration, HubMembership)
        }  # fmt: skip
        # VACUUM also marks the freshly written pages all-visible (index-only
        # scans need that), but it cannot run inside a transaction (tests do).
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in sorted(tables):
                cursor.execute(f"{verb} {connection.ops.quote_name(table)}")

    # --- Reference data ---

    def _reference(self) -> None:
        self.hubs = list(Hub.objects.select_related("region").order_by("slug"))
        self.hub_index = {hub.pk: i for i, hub in enumerate(self.hubs)}
        self.authorities = list(LocalAuthority.objects.select_related("region").order_by("code"))
        self.la_hubs: dict[int, list[int]] = defaultdict(list)
        through = Hub.local_authorities.through.objects.order_by("hub__slug")
        for hub_id, la_id in through.values_list("hub_id", "localauthority_id"):
            self.la_hubs[la_id].append(self.hub_index[hub_id])
        self.phases = {p.code: p.pk for p in TeachingPhase.objects.all()}
        self.projects = {p.slug: p for p in NationalProject.objects.order_by("slug")}
        self.programmes = {slug: p.pk for slug, p in ensure_programmes().items()}
        self.region_hubs: dict[int, list[int]] = defaultdict(list)
        for i, hub in enumerate(self.hubs):
            self.region_hubs[hub.region_id].append(i)
