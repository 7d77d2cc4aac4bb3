"""The generator: builds the network in memory, year by year, and COPYs it in."""

import bisect
import itertools
import random
import time as clock
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils.text import slugify
from tqdm import tqdm

from accounts.models import User
from exchange.models import (
    ExchangeTeacher,
    ExchangeYear,
    ObserverRegistration,
    Pairing,
    ShanghaiTeacher,
    Showcase,
)
from hubs.models import Hub, HubMembership, LocalAuthority, School, TeachingPhase
from hubs_portal.lib.academic_year import Term, academic_year_of
from projects.models import (
    Allocation,
    NationalProject,
    ProjectParticipation,
    ProjectSchool,
    Spend,
    Sponsor,
)
from workgroups.management.commands.load_demo_workgroups import (
    GAP_TASKS,
    LEAD_ROLES,
    PLANS,
    PROGRAMMES,
    TERM_WINDOWS,
    TIMES,
)
from workgroups.models import Attendance, Enrolment, Programme, Session, WorkGroup

from .marks import EMAIL_DOMAIN, GENERATED_URNS, NCETM_EMAIL, SLUG_PREFIX, network_checksum
from .vocabulary import (
    AUTHORITY_WEIGHT,
    DEMAND_CAP,
    DEMAND_MU,
    DEMAND_SIGMA,
    EXCHANGE_PROJECT,
    EXCHANGE_YEARS,
    FIRST_NAMES,
    JOB_ROLES,
    LAST_NAMES,
    LOCAL_PLANS,
    NO_FSM_TYPES,
    PHASE_WEIGHTS,
    PLACES,
    POSTCODE_AREAS,
    PROGRAMME_PROJECT,
    PROJECT_TAKE_UP,
    REAPPLY_CHANCE,
    REGION_FSM,
    SAINTS,
    SCHOOL_KINDS,
    SHANGHAI_NAMES,
    SHANGHAI_SCHOOLS,
    SHOWCASE_TOPICS,
    SPEND_CATEGORIES,
    TEACHER_PHASES,
    TEACHERS_PER_SCHOOL,
    TINY_AUTHORITIES,
    TYPES,
    WITHDRAW_CHANCE,
)

DEFAULT_SEED = 2026
# What scale 1.0 means: the size of the real network.
FULL_SCHOOLS = 22_000
FULL_TEACHERS = 150_000
FULL_GROUPS_PER_YEAR = 3_000
MAX_SCALE = 4.0

LONDON = ZoneInfo("Europe/London")
DAY = 86_400
UNUSABLE_PASSWORD = "!"  # Django treats a hash starting with "!" as no password at all.
P = School.Phase

# --- Writing ----------------------------------------------------------------


class Ids:
    """Ids claimed from a table's sequence, handed out one by one.

    The table is locked against other writers for the transaction, so nobody
    else draws from the sequence meanwhile; ``close`` moves the sequence past
    the last id used.
    """

    def __init__(self, cursor, model):
        table = model._meta.db_table
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        self.sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [self.sequence])
        self.first = self.next_id = cursor.fetchone()[0]

    def take(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def close(self, cursor) -> None:
        if self.next_id > self.first:
            cursor.execute("SELECT setval(%s, %s, true)", [self.sequence, self.next_id - 1])
        else:
            cursor.execute("SELECT setval(%s, %s, false)", [self.sequence, self.first])


class Writer:
    """COPY rows into a model's table and count them."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.counts: Counter = Counter()

    def copy(self, model, fields: list[str], rows: Iterable[tuple], label: str = "") -> int:
        opts = model._meta
        columns = ", ".join(connection.ops.quote_name(opts.get_field(f).column) for f in fields)
        sql = f"COPY {connection.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN"
        written = 0
        with self.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        self.counts[label or opts.verbose_name_plural] += written
        return written


# --- The world ------------------------------------------------------------------


@dataclass
class GeneratedSchool:
    id: int
    urn: int
    name: str
    la_code: str
    phase: str
    status: str
    fsm: Decimal | None
    town: str
    postcode: str
    hubs: tuple[int, ...]
    establishment_type: str = ""
    closed_year: int | None = None  # teachers take no part from this year on
    quintile: int | None = None  # 0 = lowest FSM fifth


@dataclass
class Summary:
    counts: Counter
    enrolments_by_status: Counter
    seconds: float
    checksum: str = ""
    years: tuple[int, int] = (0, 0)
    timings: dict[str, float] = field(default_factory=dict)


def sizes(scale: float) -> dict[str, int]:
    """Targets at ``scale``; small scales keep enough of everything to be a network."""
    return {
        "schools": max(round(FULL_SCHOOLS * scale), 3 * 153),
        "teachers": max(round(FULL_TEACHERS * scale), 1_500),
        "groups_per_year": max(round(FULL_GROUPS_PER_YEAR * scale), 40),
    }


def _largest_remainder(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights``, each share at least ``minimum``."""
    spare = total - minimum * len(weights)
    if spare < 0:
        return [minimum] * len(weights)
    whole = sum(weights)
    exact = [spare * w / whole for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in order[: spare - sum(shares)]:
        shares[i] += 1
    return [minimum + s for s in shares]


def _weighted(rng: random.Random, options: dict):
    return rng.choices(list(options), weights=list(options.values()))[0]


def _weekday(day: date) -> date:
    """Move a Saturday or Sunday on to the Monday after."""
    return day + timedelta(days={5: 2, 6: 1}.get(day.weekday(), 0))


def _at(day: date, at: time) -> datetime:
    return datetime.combine(day, at, LONDON)


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def _money(value: float) -> Decimal:
    return Decimal(f"{max(value, 0.01):.2f}")


class NetworkGenerator:
    def __init__(self, *, seed: int, scale: float, years: int, today: date, progress: bool):
        self.seed = seed
        self.scale = scale
        self.size = sizes(scale)
        self.today = today
        self.now = _at(today, time(12))
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
        self.programmes = self._ensure_programmes()
        self.region_hubs: dict[int, list[int]] = defaultdict(list)
        for i, hub in enumerate(self.hubs):
            self.region_hubs[hub.region_id].append(i)

    def _ensure_programmes(self) -> dict[str, int]:
        programmes = {}
        for slug, name, phase_codes, summary in PROGRAMMES:
            programme, created = Programme.objects.get_or_create(
                slug=slug, defaults={"name": name, "summary": summary}
            )
            if created:
                programme.phases.set(TeachingPhase.objects.filter(code__in=phase_codes))
            programmes[slug] = programme.pk
        return programmes

    # --- Schools ---

    def _schools(self) -> None:
        rng = self.rng("schools")
        weights = []
        for la in self.authorities:
            base = TINY_AUTHORITIES.get(la.code, AUTHORITY_WEIGHT.get(la.gss_code[:3], 1.0))
            weights.append(base * rng.lognormvariate(0, 0.25))
        counts = _largest_remainder(self.size["schools"], weights, minimum=2)
        ids = self.ids[School]
        urns = iter(range(GENERATED_URNS[0] + 1, GENERATED_URNS[1] + 1))
        self.schools: list[GeneratedSchool] = []
        for la, count in zip(self.authorities, counts, strict=True):
            gor = la.region.gias_gor_code
            la_mean = REGION_FSM.get(gor, 24) + rng.gauss(0, 4)
            town = "London" if gor == "H" else la.name.split(",")[0]
            for k in range(count):
                # Every authority has at least one primary and one secondary school.
                phase = (P.PRIMARY, P.SECONDARY)[k] if k < 2 else _weighted(rng, PHASE_WEIGHTS)
                status = School.Status.OPEN
                if k >= 2:
                    status = rng.choices(
                        [School.Status.OPEN, School.Status.CLOSED, School.Status.PROPOSED],
                        weights=[93.5, 6, 0.5],
                    )[0]
                kind = _weighted(rng, TYPES[phase])
                self.schools.append(
                    GeneratedSchool(
                        id=ids.take(),
                        urn=next(urns),
                        name=self._school_name(rng, phase),
                        establishment_type=kind,
                        la_code=la.code,
                        phase=phase,
                        status=status,
                        fsm=self._fsm(rng, phase, kind, la_mean),
                        town=town,
                        postcode=self._postcode(rng, gor),
                        hubs=tuple(self.la_hubs[la.pk]),
                        closed_year=(
                            rng.randint(self.years[0] + 1, self.current_year)
                            if status == School.Status.CLOSED
                            else None
                        ),
                    )
                )
        self.la_ids = {la.code: la.pk for la in self.authorities}
        # FSM fifths across the generated schools (the reports' bands are the same idea).
        known = sorted(s.fsm for s in self.schools if s.fsm is not None)
        cuts = [known[len(known) * q // 5] for q in (1, 2, 3, 4)]
        for school in self.schools:
            if school.fsm is not None:
                school.quintile = bisect.bisect_right(cuts, school.fsm)
        now = self.now
        fields = ["id", "urn", "name", "local_authority", "phase", "establishment_type",
                  "status", "town", "postcode", "postcode_normalised", "fsm_percentage",
                  "updated_at"]  # fmt: skip
        rows = (
            (s.id, s.urn, s.name, self.la_ids[s.la_code], s.phase, s.establishment_type,
             s.status, s.town, s.postcode, s.postcode.replace(" ", ""), s.fsm, now)
            for s in self.bar(iterable=self.schools, desc="Schools", unit=" schools")
        )  # fmt: skip
        self.writer.copy(School, fields, rows, "schools")
        self.hub_schools: list[list[int]] = [[] for _ in self.hubs]
        for index, school in enumerate(self.schools):
            for hub in school.hubs:
                self.hub_schools[hub].append(index)

    @staticmethod
    def _school_name(rng, phase) -> str:
        kind = rng.choice(SCHOOL_KINDS[phase])
        if kind.startswith(("CE ", "Catholic ")):
            return f"{rng.choice(SAINTS)} {kind}"
        return f"{rng.choice(PLACES)} {kind}"

    @staticmethod
    def _fsm(rng, phase, kind, la_mean) -> Decimal | None:
        if kind in NO_FSM_TYPES or (phase == P.NURSERY and rng.random() < 0.4):
            return None
        spread = 7 if phase in (P.SECONDARY, P.SIXTEEN_PLUS) else 10
        value = min(max(rng.gauss(la_mean, spread), 0.5), 85.0)
        return Decimal(f"{value:.1f}")

    @staticmethod
    def _postcode(rng, gor) -> str:
        area = rng.choice(POSTCODE_AREAS.get(gor, ("XX",)))
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return f"{area}{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"

    # --- Teachers ---

    def _teachers(self) -> None:
        """Who the teachers are (written last, once their first activity is known)."""
        rng = self.rng("teachers")
        weights = []
        for s in self.schools:
            w = 0.0 if s.status == School.Status.PROPOSED else TEACHERS_PER_SCHOOL[s.phase]
            if s.status == School.Status.CLOSED:
                w *= 0.6
            weights.append(w * rng.lognormvariate(0, 0.4))
        cumulative = list(itertools.accumulate(weights))
        n = self.size["teachers"]
        schools = [bisect.bisect(cumulative, rng.random() * cumulative[-1]) for _ in range(n)]
        # Most teachers who sign up come back now and then; a few come very often.
        self.teacher_school = schools
        self.teacher_phases = [
            _weighted(rng, dict(TEACHER_PHASES[self.schools[s].phase])) for s in schools
        ]
        self.propensity = [
            0.0 if rng.random() < 0.09 else min(rng.paretovariate(2.0), 6.0) for _ in range(n)
        ]
        self.first_activity: dict[int, float] = {}
        users = self.ids[User]
        self.ncetm_id = users.take()
        self.lead_ids = [users.take() for _ in self.hubs]
        self.teacher_ids = [users.take() for _ in range(n)]
        # Pools: the teachers of each phase in each hub's area.
        self.pools: dict[tuple[int, str], list[int]] = defaultdict(list)
        for t, s in enumerate(schools):
            for hub in self.schools[s].hubs:
                for phase in self.teacher_phases[t]:
                    self.pools[hub, phase].append(t)
        self._cumulative: dict = {}

    def _school_factor(self, school: GeneratedSchool, year: int) -> float:
        if school.closed_year is not None and year >= school.closed_year:
            return 0.0
        if school.quintile is None:
            return 1.0
        # Schools with more disadvantaged pupils took part less at first; the
        # gap narrows over the years (what the "closing the gaps" report shows).
        progress = (year - self.years[0]) / max(len(self.years) - 1, 1)
        gap = 0.45 - 0.30 * progress
        return 1.0 + gap * (2 - school.quintile) / 2

    def _pool(self, hub: int, phase: str, year: int):
        key = (hub, phase, year)
        if key not in self._cumulative:
            pool = self.pools.get((hub, phase), [])
            weights = [
                self.propensity[t] * self._school_factor(self.schools[self.teacher_school[t]], year)
                for t in pool
            ]
            cumulative = list(itertools.accumulate(weights))
            usable = bool(cumulative) and cumulative[-1] > 0
            self._cumulative[key] = (pool, cumulative) if usable else None
        return self._cumulative[key]

    def _draw(self, rng, hub: int, phases, year: int, n: int, away: float, taken: set) -> list:
        """Up to ``n`` distinct teachers for a group, mostly from the hub's own area."""
        region = self.region_hubs[self.hubs[hub].region_id]
        neighbours = [h for h in region if h != hub] or [
            h for h in range(len(self.hubs)) if h != hub
        ]
        picks = []
        for _ in range(n * 3):
            if len(picks) == n:
                break
            source = rng.choice(neighbours) if rng.random() < away else hub
            found = self._pool(source, rng.choice(phases), year)
            if found is None:
                continue
            pool, cumulative = found
            t = pool[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
            if t not in taken:
                taken.add(t)
                picks.append(t)
        return picks

    def _seen(self, teacher: int, ts: float) -> None:
        if ts < self.first_activity.get(teacher, float("inf")):
            self.first_activity[teacher] = ts

    # --- Work Groups ---

    def _workgroups(self) -> None:
        rng = self.rng("workgroups")
        plans = [(plan, 3 if plan.programme else 2) for plan in PLANS]
        plans += [(plan, 1) for plan in LOCAL_PLANS]
        plan_list, plan_weights = zip(*plans, strict=True)
        hub_weights = [
            max(len(self.hub_schools[h]), 1) ** 0.8 * rng.lognormvariate(0, 0.2)
            for h in range(len(self.hubs))
        ]
        open_schools = [
            [s for s in self.hub_schools[h] if self.schools[s].status == School.Status.OPEN]
            or self.hub_schools[h]
            for h in range(len(self.hubs))
        ]
        self.national_groups: dict[tuple, list[int]] = defaultdict(list)
        n_years = len(self.years)
        total = self.size["groups_per_year"] * n_years
        # The network grows: from 80% of the average a year to 120%.
        ramp = [0.8 + 0.4 * i / max(n_years - 1, 1) for i in range(n_years)]
        per_year = _largest_remainder(total, ramp)
        bar = self.bar(total=total, desc="Work Groups", unit=" groups")
        for year, groups_this_year in zip(self.years, per_year, strict=True):
            per_hub = _largest_remainder(groups_this_year, hub_weights, minimum=1)
            batch = _YearBatch()
            for hub, count in enumerate(per_hub):
                for k in range(count):
                    plan = rng.choices(plan_list, weights=plan_weights)[0]
                    self._workgroup(rng, batch, year, hub, k, plan, open_schools[hub])
                    bar.update()
                bar.set_postfix_str(f"{year}-{(year + 1) % 100:02d}", refresh=False)
            self._write_year(batch)
        bar.close()

    def _workgroup(self, rng, batch, year, hub, k, plan, open_schools) -> None:
        hub_obj = self.hubs[hub]
        term = rng.choices([Term.AUTUMN, Term.SPRING, Term.SUMMER], weights=[45, 40, 15])[0]
        (sm, sd), (em, ed), (gap_min, gap_max) = TERM_WINDOWS[term]
        calendar_year = year if term == Term.AUTUMN else year + 1
        window_start = date(calendar_year, sm, sd)
        window = (date(calendar_year, em, ed) - window_start).days
        day = _weekday(window_start + timedelta(days=rng.randint(0, window)))
        online_share = 0.05 if year < 2020 else 0.3
        delivery = rng.choices(
            [WorkGroup.Delivery.IN_PERSON, WorkGroup.Delivery.ONLINE, WorkGroup.Delivery.BLENDED],
            weights=[1 - online_share - 0.15, online_share, 0.15],
        )[0]
        host = self.schools[rng.choice(open_schools)]
        starts, ends = rng.choice(TIMES)
        n_sessions = rng.choices([3, 4, 5], weights=[4, 4, 2])[0]
        tasks = rng.sample(GAP_TASKS, n_sessions)
        wg_id = self.ids[WorkGroup].take()
        sessions = []
        for order in range(1, n_sessions + 1):
            online = delivery == WorkGroup.Delivery.ONLINE or (
                delivery == WorkGroup.Delivery.BLENDED and order % 2 == 0
            )
            session = (
                self.ids[Session].take(), wg_id, order, _at(day, starts), _at(day, ends), online,
                "" if online else host.name, "" if online else f"{host.town}, {host.postcode}",
                tasks[order - 1] if order < n_sessions else "",
            )  # fmt: skip
            sessions.append(session)
            day = _weekday(day + timedelta(days=rng.randint(gap_min, gap_max)))
        batch.sessions.extend(sessions)
        first_day = sessions[0][3].date()
        last_end = sessions[-1][4].timestamp()
        deadline = first_day - timedelta(days=rng.randint(7, 21))
        started = sessions[0][3].timestamp() <= self.now_ts

        if year < self.current_year:
            status = WorkGroup.Status.CLOSED
        elif started:
            status = rng.choices([WorkGroup.Status.CLOSED, WorkGroup.Status.OPEN], [6, 4])[0]
        else:
            status = rng.choices([WorkGroup.Status.OPEN, WorkGroup.Status.DRAFT], [88, 12])[0]
        capacity = round(rng.triangular(10, 30, 28))
        opens = deadline - timedelta(days=rng.randint(40, 100))
        places_taken = 0
        if status != WorkGroup.Status.DRAFT:
            places_taken = self._enrolments(
                rng, batch, year, hub, plan, delivery, wg_id, capacity, sessions, opens,
                deadline, last_end,
            )  # fmt: skip
        programme = self.programmes[plan.programme] if plan.programme else None
        if programme:
            self.national_groups[hub, year, plan.programme].append(wg_id)
        created = _at(opens, time(10)) - timedelta(days=rng.randint(7, 40))
        cost = Decimal(0)
        if programme is None and rng.random() < 0.15:
            cost = Decimal(rng.choice([40, 60, 75, 120]))
        batch.groups.append(
            (
                wg_id, hub_obj.pk, plan.title,
                f"{SLUG_PREFIX}{slugify(plan.title)[:50]}-{hub_obj.slug}-{year}-{k}",
                programme, plan.local_need, plan.audience, plan.description, delivery, year,
                capacity, places_taken,
                "Teachers from any school; two from the same school get the most out of it.",
                deadline, cost, status, f"{rng.choice(LEAD_ROLES)} from {host.name}", first_day,
                Term.of(first_day), created, max(created, min(self.now, _at(deadline, time(17)))),
            )
        )  # fmt: skip
        for code in plan.phases:
            batch.group_phases.append((wg_id, self.phases[code]))

    def _enrolments(
        self, rng, batch, year, hub, plan, delivery, wg_id, capacity, sessions, opens, deadline,
        last_end,
    ) -> int:  # fmt: skip
        """Write a group's enrolments and attendance into ``batch``; return places taken."""
        open_ts = _at(opens, time(8)).timestamp()
        close_full = _at(deadline, time(23, 59)).timestamp()
        close_ts = min(close_full, self.now_ts)
        if close_ts <= open_ts:
            return 0
        elapsed = (close_ts - open_ts) / (close_full - open_ts)
        demand = min(rng.lognormvariate(DEMAND_MU, DEMAND_SIGMA), DEMAND_CAP)
        wanted = round(capacity * demand * elapsed)
        # A small network's hubs have few teachers: a group takes at most half
        # of them, so that it is still filled mostly from its own area.
        local = sum(len(self.pools.get((hub, phase), ())) for phase in plan.phases)
        wanted = min(wanted, local // 2)
        away = {"in_person": 0.04, "blended": 0.08, "online": 0.18}[delivery]
        teachers = self._draw(rng, hub, plan.phases, year, wanted, away, set())
        arrivals = sorted((rng.uniform(open_ts, close_ts), t) for t in teachers)
        # (requested, teacher, days until they withdraw or None): a few who
        # withdraw apply again later, which the partial unique constraint allows.
        entrants = []
        for requested, t in arrivals:
            leaves_after = rng.uniform(1, 40) if rng.random() < WITHDRAW_CHANCE else None
            entrants.append((requested, t, leaves_after))
            if leaves_after and rng.random() < REAPPLY_CHANCE:
                again = requested + (leaves_after + rng.uniform(1, 10)) * DAY
                if again < close_ts:
                    entrants.append((again, t, None))
        entrants.sort()
        group_over = last_end <= self.now_ts
        past_sessions = [s for s in sessions if s[4].timestamp() <= self.now_ts]
        lead = self.lead_ids[hub]
        completion = 0.86 if plan.programme else 0.8
        holders = 0
        for requested, t, leaves_after in entrants:
            school = self.schools[self.teacher_school[t]].id
            teacher = self.teacher_ids[t]
            self._seen(t, requested)
            confirmed = completed = withdrawn = None
            has_place = holders < capacity
            if leaves_after:
                status = Enrolment.Status.WITHDRAWN
                withdrawn = min(
                    requested + leaves_after * DAY, max(last_end, requested + DAY), self.now_ts
                )
                if has_place:
                    confirmed = requested + rng.uniform(0.05, 0.5) * (withdrawn - requested)
            elif has_place:
                holders += 1
                confirmed = min(requested + rng.uniform(0.1, 3) * DAY, self.now_ts)
                status = Enrolment.Status.CONFIRMED
                if group_over and rng.random() < completion:
                    completed = min(last_end + rng.uniform(1, 10) * DAY, self.now_ts)
                    status = Enrolment.Status.COMPLETED
            else:
                status = Enrolment.Status.WAITING
            updated = max(x for x in (requested, confirmed, withdrawn, completed) if x)
            # The id is given in _write_year, once the year's rows are in arrival order.
            enrolment = [
                None, wg_id, teacher, school, status, _utc(requested),
                confirmed and _utc(confirmed), withdrawn and _utc(withdrawn),
                completed and _utc(completed), _utc(updated),
            ]  # fmt: skip
            batch.enrolments.append(enrolment)
            self.enrolments_by_status[status] += 1
            if status in Enrolment.HOLDS_PLACE and past_sessions:
                if status == Enrolment.Status.COMPLETED:
                    chance = 0.93
                elif group_over:
                    chance = 0.45
                else:
                    chance = 0.88
                for session in past_sessions:
                    recorded = min(session[4].timestamp() + rng.uniform(0.05, 3) * DAY, self.now_ts)
                    batch.attendance.append(
                        (recorded, session[0], enrolment, rng.random() < chance, lead)
                    )
        return holders

    def _write_year(self, batch: "_YearBatch") -> None:
        # Rows go in in the order a real database receives them (enrolments as
        # teachers apply, attendance as it is recorded), not group by group: a
        # group's enrolments are then scattered over the table as they would
        # be, and the benchmark does not flatter queries that read by group.
        batch.enrolments.sort(key=lambda row: (row[5], row[1], row[2]))
        ids = self.ids[Enrolment]
        for row in batch.enrolments:
            row[0] = ids.take()
        batch.attendance.sort(key=lambda row: (row[0], row[1], row[2][0]))
        attendance = (
            (session, enrolment[0], present, lead, _utc(recorded))
            for recorded, session, enrolment, present, lead in batch.attendance
        )
        w = self.writer
        w.copy(
            WorkGroup,
            ["id", "hub", "title", "slug", "programme", "local_need", "audience", "description",
             "delivery", "academic_year", "capacity", "places_taken", "eligibility",
             "application_deadline", "cost", "status", "lead_name", "starts_on", "starting_term",
             "created_at", "updated_at"],
            batch.groups,
            "Work Groups",
        )  # fmt: skip
        w.copy(
            WorkGroup.phases.through, ["workgroup", "teachingphase"], batch.group_phases,
            "Work Group phases",
        )  # fmt: skip
        w.copy(
            Session,
            ["id", "workgroup", "order", "starts_at", "ends_at", "is_online", "venue_name",
             "venue_address", "gap_task"],
            batch.sessions,
            "sessions",
        )  # fmt: skip
        w.copy(
            Enrolment,
            ["id", "workgroup", "teacher", "school", "status", "requested_at", "confirmed_at",
             "withdrawn_at", "completed_at", "updated_at"],
            batch.enrolments,
            "enrolments",
        )  # fmt: skip
        w.copy(
            Attendance,
            ["session", "enrolment", "present", "recorded_by", "recorded_at"],
            attendance,
            "attendance",
        )  # fmt: skip

    # --- Projects ---

    def _eligible_schools(self, hub: int, phase_codes) -> list[int]:
        wanted = set(phase_codes)
        return [
            s
            for s in self.hub_schools[hub]
            if self.schools[s].status == School.Status.OPEN
            and wanted
            & {p for options, _ in TEACHER_PHASES[self.schools[s].phase] for p in options}
        ]

    def _projects(self) -> None:
        rng = self.rng("projects")
        project_phases = {
            slug: list(p.phases.values_list("code", flat=True)) or ["primary", "secondary"]
            for slug, p in self.projects.items()
        }
        self.participations, self.project_schools, links = [], [], []
        schools = self.project_schools
        for hub in range(len(self.hubs)):
            eligible = {
                slug: self._eligible_schools(hub, project_phases[slug]) for slug in self.projects
            }
            for slug, project in self.projects.items():
                if slug == EXCHANGE_PROJECT:
                    continue  # its schools are the nominated teachers': see _exchange
                chance, fewest, most = PROJECT_TAKE_UP.get(slug, (0.5, 3, 8))
                for year in self.years:
                    if not project.is_active_in(year) or rng.random() > chance:
                        continue
                    pid = self._participation(rng, hub, project, year, fewest, most)
                    pool = eligible[slug] or self.hub_schools[hub]
                    # The counts are for the real network; a smaller one has fewer schools.
                    wanted = max(1, round(rng.randint(fewest, most) * min(self.scale, 1.0)))
                    chosen = rng.sample(pool, min(len(pool), wanted))
                    for i, s in enumerate(chosen):
                        if i == 0:
                            part = ProjectSchool.Part.LEAD
                        else:
                            part = rng.choices(
                                [ProjectSchool.Part.PARTICIPANT, ProjectSchool.Part.PILOT,
                                 ProjectSchool.Part.OTHER],
                                [80, 15, 5],
                            )[0]  # fmt: skip
                        schools.append((pid, self.schools[s].id, part))
                    for programme, project_slug in PROGRAMME_PROJECT.items():
                        if project_slug == slug:
                            for wg_id in self.national_groups.get((hub, year, programme), ()):
                                links.append((pid, wg_id))
        self.project_links = links
        # Written with the exchange's participations, at the end of _exchange.

    def _participation(self, rng, hub, project, year, fewest=2, most=3) -> int:
        pid = self.ids[ProjectParticipation].take()
        stamp = _at(date(year, 9, 1) + timedelta(days=rng.randint(0, 40)), time(10))
        self.participations.append(
            (
                pid, self.hubs[hub].pk, project.pk, year,
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                f"Involve {rng.randint(fewest, most)} schools this year.",
                "Targets met; see the evaluation report." if year < self.current_year else "",
                stamp, stamp,
            )
        )  # fmt: skip
        return pid

    def _write_projects(self) -> None:
        self.writer.copy(
            ProjectParticipation,
            ["id", "hub", "project", "academic_year", "local_lead", "targets", "outcomes",
             "created_at", "updated_at"],
            self.participations,
            "project participations",
        )  # fmt: skip
        self.writer.copy(
            ProjectParticipation.workgroups.through,
            ["projectparticipation", "workgroup"],
            self.project_links,
            "project Work Groups",
        )
        self.writer.copy(
            ProjectSchool, ["participation", "school", "part"], self.project_schools,
            "project schools",
        )  # fmt: skip

    # --- The England-China exchange ---

    def _exchange(self) -> None:
        rng = self.rng("exchange")
        years = {}
        for year in EXCHANGE_YEARS:
            english = _weekday(date(year, 11, 8))
            shanghai = _weekday(date(year + 1, 2, 26))
            exchange_year, _ = ExchangeYear.objects.get_or_create(
                academic_year=year,
                defaults={
                    "english_visit_start": english,
                    "english_visit_end": english + timedelta(days=13),
                    "shanghai_visit_start": shanghai,
                    "shanghai_visit_end": shanghai + timedelta(days=13),
                },
            )
            years[year] = exchange_year
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
                    created = _at(date(year, 9, 20) + timedelta(days=rng.randint(0, 20)), time(9))
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
        day = _weekday(visit_start + timedelta(days=rng.randint(0, 11)))
        starts = _at(day, rng.choice([time(9, 30), time(11, 0), time(13, 30)]))
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

    # --- Funding ---

    def _funding(self) -> None:
        rng = self.rng("funding")
        by_hub_year = defaultdict(list)
        for row in self.participations:
            by_hub_year[row[1], row[3]].append(row[2])
        allocations, spends = [], []
        categories = list(SPEND_CATEGORIES)
        category_weights = [w for w, _ in SPEND_CATEGORIES.values()]
        for hub, hub_obj in enumerate(self.hubs):
            lead = self.lead_ids[hub]
            for i, year in enumerate(self.years):
                growth = 1 + 0.03 * i
                total = 0.0
                day = _at(date(year, 9, 1), time(9))
                structural = rng.uniform(180_000, 320_000) * growth
                allocations.append(
                    (hub_obj.pk, year, Sponsor.DFE, Allocation.Category.STRUCTURAL, None,
                     _money(structural), "Structural funding", lead, day)
                )  # fmt: skip
                total += structural
                projects = by_hub_year.get((hub_obj.pk, year), [])
                for project in projects:
                    amount = rng.uniform(10_000, 90_000) * growth
                    sponsor = Sponsor.EEF if rng.random() < 0.05 else Sponsor.DFE
                    allocations.append(
                        (hub_obj.pk, year, sponsor, Allocation.Category.PROJECT, project,
                         _money(amount), "", lead, day + timedelta(days=rng.randint(0, 30)))
                    )  # fmt: skip
                    total += amount
                first = date(year, 9, 1)
                last = min(date(year + 1, 8, 31), self.today)
                if last < first:
                    continue
                share = (last - first).days / 365
                spent = total * rng.uniform(0.86, 1.0) * min(share, 1.0)
                n_lines = max(3, round(rng.randint(30, 60) * min(share, 1.0)))
                lines = rng.choices(categories, weights=category_weights, k=n_lines)
                parts = [rng.uniform(0.5, 1.5) for _ in lines]
                whole = sum(parts)
                for category, part in zip(lines, parts, strict=True):
                    spent_on = first + timedelta(days=rng.randint(0, (last - first).days))
                    project = rng.choice(projects) if projects and rng.random() < 0.3 else None
                    recorded = min(
                        _at(spent_on, time(15)) + timedelta(days=rng.randint(0, 20)), self.now
                    )
                    spends.append(
                        (hub_obj.pk, academic_year_of(spent_on), category, project,
                         _money(spent * part / whole), SPEND_CATEGORIES[category][1], spent_on,
                         lead, recorded)
                    )  # fmt: skip
        self.writer.copy(
            Allocation,
            ["hub", "academic_year", "sponsor", "category", "project", "amount", "note",
             "recorded_by", "recorded_at"],
            allocations,
            "funding allocations",
        )  # fmt: skip
        self.writer.copy(
            Spend,
            ["hub", "academic_year", "category", "project", "amount", "description", "spent_on",
             "recorded_by", "recorded_at"],
            spends,
            "spending records",
        )  # fmt: skip

    # --- People ---

    def _teacher_name(self, t: int) -> str:
        # Derived from the index, so a teacher keeps the same name wherever it appears.
        rng = random.Random(f"{self.seed}:name:{t}")
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"

    def _users(self) -> None:
        rng = self.rng("users")
        first_ts = _at(date(self.years[0], 9, 1), time(9)).timestamp()
        fields = ["id", "password", "email", "full_name", "is_staff", "is_active",
                  "is_superuser", "is_ncetm_staff", "date_joined", "school", "job_role",
                  "profile_completed_at", "calendar_token"]  # fmt: skip
        joined = _at(date(self.years[0], 7, 1), time(9))
        staff = [
            (self.ncetm_id, UNUSABLE_PASSWORD, NCETM_EMAIL, "NCETM Network Analyst", False, True,
             False, True, joined, None, "", None, f"gen-ncetm-{self.seed}")
        ]  # fmt: skip
        for hub, hub_obj in enumerate(self.hubs):
            staff.append(
                (self.lead_ids[hub], UNUSABLE_PASSWORD, f"lead.{hub_obj.slug}@{EMAIL_DOMAIN}",
                 f"{hub_obj.name} Lead", False, True, False, False, joined, None, "", None,
                 f"gen-lead-{hub}-{self.seed}")
            )  # fmt: skip

        def teachers():
            for t, user_id in enumerate(self.teacher_ids):
                seen = self.first_activity.get(t)
                if seen is None:
                    seen = rng.uniform(first_ts, self.now_ts)
                when = _utc(seen - rng.uniform(1, 90) * DAY)
                school = self.schools[self.teacher_school[t]]
                role = _weighted(rng, JOB_ROLES)
                yield (
                    user_id, UNUSABLE_PASSWORD, f"t{t + 1:06d}@{EMAIL_DOMAIN}",
                    self._teacher_name(t), False, True, False, False, when, school.id, role,
                    when + timedelta(minutes=rng.randint(2, 30)),
                    f"gen{t:07d}{rng.getrandbits(96):024x}",
                )  # fmt: skip

        rows = itertools.chain(staff, teachers())
        total = len(staff) + len(self.teacher_ids)
        self.writer.copy(
            User, fields, self.bar(iterable=rows, total=total, desc="People", unit=" users"),
            "people",
        )  # fmt: skip
        self.writer.copy(
            User.phases.through,
            ["user", "teachingphase"],
            (
                (user_id, self.phases[code])
                for t, user_id in enumerate(self.teacher_ids)
                for code in self.teacher_phases[t]
            ),
            "teachers' phases",
        )
        self.writer.copy(
            HubMembership,
            ["hub", "user", "role", "created_at"],
            (
                (hub.pk, self.lead_ids[i], HubMembership.Role.LEAD, joined)
                for i, hub in enumerate(self.hubs)
            ),
            "hub memberships",
        )


@dataclass
class _YearBatch:
    groups: list = field(default_factory=list)
    group_phases: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    enrolments: list = field(default_factory=list)
    attendance: list = field(default_factory=list)
