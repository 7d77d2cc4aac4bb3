"""Schools in every local authority, and who their teachers are."""

import bisect
import itertools
from collections import defaultdict
from decimal import Decimal

from accounts.models import User
from demo.placenames import INWARD_LETTERS, POSTCODE_AREAS, SAINTS
from demo.vocabulary import (
    AUTHORITY_WEIGHT,
    NO_FSM_TYPES,
    PHASE_WEIGHTS,
    PLACES,
    REGION_FSM,
    SCHOOL_KINDS,
    TEACHER_PHASES,
    TEACHERS_PER_SCHOOL,
    TINY_AUTHORITIES,
    TYPES,
)
from demo.world import weighted
from hubs.models import School

from .base import GeneratedSchool, P, largest_remainder
from .marks import GENERATED_URNS


class SchoolStage:
    """Writes the schools and draws the teachers (written by PeopleStage, once their first
    activity is known); ``_draw`` picks teachers for the other stages."""

    def _schools(self) -> None:
        rng = self.rng("schools")
        weights = []
        for la in self.authorities:
            base = TINY_AUTHORITIES.get(la.code, AUTHORITY_WEIGHT.get(la.gss_code[:3], 1.0))
            weights.append(base * rng.lognormvariate(0, 0.25))
        counts = largest_remainder(self.size["schools"], weights, minimum=2)
        ids = self.ids[School]
        urns = iter(range(GENERATED_URNS[0] + 1, GENERATED_URNS[1] + 1))
        self.schools: list[GeneratedSchool] = []
        for la, count in zip(self.authorities, counts, strict=True):
            gor = la.region.gias_gor_code
            la_mean = REGION_FSM.get(gor, 24) + rng.gauss(0, 4)
            town = "London" if gor == "H" else la.name.split(",")[0]
            for k in range(count):
                # Every authority has at least one primary and one secondary school.
                phase = (P.PRIMARY, P.SECONDARY)[k] if k < 2 else weighted(rng, PHASE_WEIGHTS)
                status = School.Status.OPEN
                if k >= 2:
                    status = rng.choices(
                        [School.Status.OPEN, School.Status.CLOSED, School.Status.PROPOSED],
                        weights=[93.5, 6, 0.5],
                    )[0]
                kind = weighted(rng, TYPES[phase])
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
        letters = INWARD_LETTERS
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
            weighted(rng, dict(TEACHER_PHASES[self.schools[s].phase])) for s in schools
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
