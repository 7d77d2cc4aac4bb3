"""Work Groups year by year, with their sessions, enrolments and attendance."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from django.utils.text import slugify

from demo.plans import GAP_TASKS, LEAD_ROLES, PLANS, TERM_WINDOWS, TIMES
from demo.vocabulary import (
    DEMAND_CAP,
    DEMAND_MU,
    DEMAND_SIGMA,
    LOCAL_PLANS,
    REAPPLY_CHANCE,
    WITHDRAW_CHANCE,
)
from demo.world import weekday
from hubs.models import School
from hubs_portal.lib.academic_year import Term
from workgroups.models import Attendance, Enrolment, Session, WorkGroup

from .base import DAY, largest_remainder, london_time, utc
from .marks import SLUG_PREFIX


@dataclass
class _YearBatch:
    """One academic year's rows, written together."""

    groups: list = field(default_factory=list)
    group_phases: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    enrolments: list = field(default_factory=list)
    attendance: list = field(default_factory=list)


class WorkGroupStage:
    """Writes each year's Work Groups as a batch; remembers the national programmes'
    groups (``national_groups``) for the projects."""

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
        per_year = largest_remainder(total, ramp)
        bar = self.bar(total=total, desc="Work Groups", unit=" groups")
        for year, groups_this_year in zip(self.years, per_year, strict=True):
            per_hub = largest_remainder(groups_this_year, hub_weights, minimum=1)
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
        day = weekday(window_start + timedelta(days=rng.randint(0, window)))
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
                self.ids[Session].take(), wg_id, order, london_time(day, starts), london_time(day, ends), online,
                "" if online else host.name, "" if online else f"{host.town}, {host.postcode}",
                tasks[order - 1] if order < n_sessions else "",
            )  # fmt: skip
            sessions.append(session)
            day = weekday(day + timedelta(days=rng.randint(gap_min, gap_max)))
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
        created = london_time(opens, time(10)) - timedelta(days=rng.randint(7, 40))
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
                Term.of(first_day), created, max(created, min(self.now, london_time(deadline, time(17)))),
            )
        )  # fmt: skip
        for code in plan.phases:
            batch.group_phases.append((wg_id, self.phases[code]))

    def _enrolments(
        self, rng, batch, year, hub, plan, delivery, wg_id, capacity, sessions, opens, deadline,
        last_end,
    ) -> int:  # fmt: skip
        """Write a group's enrolments and attendance into ``batch``; return places taken."""
        open_ts = london_time(opens, time(8)).timestamp()
        close_full = london_time(deadline, time(23, 59)).timestamp()
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
                None, wg_id, teacher, school, status, utc(requested),
                confirmed and utc(confirmed), withdrawn and utc(withdrawn),
                completed and utc(completed), utc(updated),
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

    def _write_year(self, batch: _YearBatch) -> None:
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
            (session, enrolment[0], present, lead, utc(recorded))
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
