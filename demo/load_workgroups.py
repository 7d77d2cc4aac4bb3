"""Work Groups of earlier years, and who took part: enrolments, waiting lists, attendance,
completions and evaluations.

The Work Groups themselves come from ``load_demo_workgroups`` (this year and
last); this adds groups in the years before, one more last year, and in the
demo hub one that started this term, all made by the same code (demo/workgroups.py).
Places are counted here as the enrolment services count them: a group's
``places_taken`` is its confirmed and completed enrolments, never above its
capacity, and a waiting list only forms on a full group.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.text import slugify

from hubs_portal.lib.academic_year import Term
from workgroups.models import Attendance, Enrolment, Evaluation, Session, WorkGroup

from .people import persona_teacher, teachers_for
from .plans import PLANS
from .texts import EVALUATION_IMPACT, EVALUATION_OUTCOMES
from .workgroups import DEMO_PREFIX, ensure_programmes, make_workgroup, save_workgroups
from .world import World

# Work Groups added per hub, by how many years before this one (load_demo_workgroups
# makes five this year and two last year): the network grows year on year.
EXTRA_GROUPS = {3: 2, 2: 3, 1: 1}
WITHDRAW_CHANCE = 0.08
COMPLETION_CHANCE = 0.85
EVALUATION_CHANCE = 0.8
# The demo hub's group that started this year: its last session is this far ahead.
LAST_SESSION_AHEAD = timedelta(days=10)
S = Enrolment.Status


def load_older_workgroups(world: World) -> None:
    """Closed Work Groups with sessions for the years load_demo_workgroups does not cover,
    and one in the demo hub that started this term (its team can record attendance)."""
    programmes = ensure_programmes()
    rng = world.rng("older-workgroups")
    existing = set(
        WorkGroup.objects.filter(slug__startswith=DEMO_PREFIX).values_list("slug", flat=True)
    )
    groups, group_phases, group_sessions = [], [], []

    def free_plans(hub, year):
        return [
            plan
            for plan in PLANS
            if f"{DEMO_PREFIX}{slugify(plan.title)[:60]}-{hub.slug}-{year}" not in existing
        ]

    def add(group, sessions, plan):
        groups.append(group)
        group_phases.append([world.phases[code] for code in plan.phases])
        group_sessions.append(sessions)

    for hub in world.hubs:
        lead_school = hub.current_leads[0].partner_name if hub.current_leads else ""
        for back, how_many in sorted(EXTRA_GROUPS.items(), reverse=True):
            year = world.this_year - back
            free = free_plans(hub, year)
            for plan in rng.sample(free, min(how_many, len(free))):
                group, sessions = make_workgroup(
                    rng, hub=hub, lead_school=lead_school, plan=plan, year=year,
                    programmes=programmes, today=world.today,
                )  # fmt: skip
                add(group, sessions, plan)
        free = free_plans(hub, world.this_year)
        if hub.pk == world.demo_hub.pk and free:
            plan = rng.choice(free)
            group, sessions = make_workgroup(
                rng, hub=hub, lead_school=lead_school, plan=plan, year=world.this_year,
                programmes=programmes, today=world.today,
            )  # fmt: skip
            if _move_to(world, group, sessions):
                world.started_group = group.slug
                add(group, sessions, plan)
    save_workgroups(groups, group_phases, group_sessions)
    world.counts["Work Groups added"] += len(groups)


def _move_to(world: World, group: WorkGroup, sessions: list[Session]) -> bool:
    """Move a new group's sessions by whole weeks (same days and times) so that it started
    this school year and its last session is still to come; applications closed before it
    started. False when this school year is too young for that."""
    first = timezone.localtime(sessions[0].starts_at).date()
    last = timezone.localtime(sessions[-1].starts_at).date()
    wanted = world.today + LAST_SESSION_AHEAD - (last - first)
    shift = timedelta(days=-(-(wanted - first).days // 7) * 7)  # whole weeks, rounded up
    if not (
        date(world.this_year, 9, 8) <= first + shift < world.today
        and last + shift <= date(world.this_year + 1, 7, 20)
    ):
        return False
    for session in sessions:
        starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        session.starts_at = world.at(starts.date() + shift, starts.hour, starts.minute)
        session.ends_at = world.at(ends.date() + shift, ends.hour, ends.minute)
    group.starts_on = first + shift
    group.starting_term = Term.of(group.starts_on)
    group.application_deadline = group.starts_on - timedelta(days=10)
    group.status = WorkGroup.Status.CLOSED
    return True


@dataclass
class _Batch:
    enrolments: list = field(default_factory=list)
    # (enrolment, session, present, recorded_at): the enrolment's id comes after bulk_create.
    attendance: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    changed: list = field(default_factory=list)


def load_enrolments(world: World) -> None:
    """Teachers in every published demo Work Group, as far as each group has got by today."""
    rng = world.rng("enrolments")
    groups = list(
        WorkGroup.objects.filter(slug__startswith=DEMO_PREFIX)
        .published()
        .select_related("hub")
        .prefetch_related("sessions", "phases")
        .order_by("hub__slug", "academic_year", "slug")
    )
    taken = set(
        Enrolment.objects.active()
        .filter(workgroup__slug__startswith=DEMO_PREFIX)
        .values_list("workgroup_id", "teacher_id")
    )
    persona = _persona_plan(world, groups)
    batch = _Batch()
    for group in groups:
        _fill(world, rng, batch, group, persona.get(group.pk), taken)
    Enrolment.objects.bulk_create(batch.enrolments)
    Attendance.objects.bulk_create(
        Attendance(
            session=session,
            enrolment_id=enrolment.pk,
            present=present,
            recorded_by=world.recorders[enrolment.workgroup.hub_id],
            recorded_at=recorded_at,
        )
        for enrolment, session, present, recorded_at in batch.attendance
    )
    WorkGroup.objects.bulk_update(batch.changed, ["places_taken"])
    Evaluation.objects.bulk_create(batch.evaluations)
    world.counts["enrolments"] += len(batch.enrolments)
    world.counts["attendance records"] += len(batch.attendance)
    world.counts["evaluations"] += len(batch.evaluations)


def _persona_plan(world: World, groups: list[WorkGroup]) -> dict[int, str]:
    """The demo teacher's groups: a full one to wait for, two this year, one done last year."""
    mine = [g for g in groups if g.hub_id == world.demo_hub.pk]
    current = sorted(
        (g for g in mine if g.academic_year == world.this_year),
        key=lambda g: (g.starts_on or world.today, g.slug),
    )
    # Best a group still taking applications; late in the year, any open (or published) one.
    full = (
        [g for g in current if not g.refusal_reason(world.today)]
        or [g for g in current if g.status == WorkGroup.Status.OPEN]
        or current
    )
    plan: dict[int, str] = {}
    if full:
        plan[full[-1].pk] = S.WAITING
    # Started ones first, so that the teacher has sessions behind them as well as ahead.
    for group in [g for g in current if g.pk not in plan][:2]:
        plan[group.pk] = S.CONFIRMED
    last_year = [
        g for g in mine if g.academic_year == world.this_year - 1 and _last_end(g) <= world.now
    ]
    if last_year:
        plan[last_year[0].pk] = S.COMPLETED
    return plan


def _last_end(group: WorkGroup) -> datetime:
    return max(s.ends_at for s in group.sessions.all())


def _fill(world, rng, batch: _Batch, group: WorkGroup, persona_status, taken) -> None:
    sessions = sorted(group.sessions.all(), key=lambda s: s.order)
    if not sessions:
        return
    first_start, last_end = sessions[0].starts_at, sessions[-1].ends_at
    over = last_end <= world.now
    close = group.application_deadline or first_start.date()
    opens = close - timedelta(days=75)
    window_end = min(world.at(close, 17), world.now - timedelta(hours=2))
    window_start = min(world.at(opens), window_end - timedelta(days=20))
    room = group.capacity - group.places_taken
    waiting = 0
    if persona_status == S.WAITING:
        holders, waiting = room, rng.randint(3, 6)
    elif over or group.status == WorkGroup.Status.CLOSED:
        holders = round(group.capacity * rng.uniform(0.55, 1.0))
    else:
        span = max((close - opens).days, 1)
        elapsed = min(max((world.today - opens).days / span, 0.15), 1.0)
        holders = round(group.capacity * min(1.0, elapsed * rng.uniform(0.6, 1.5)))
        if holders >= group.capacity and rng.random() < 0.6:
            waiting = rng.randint(1, 5)
    holders = max(min(holders, room), 0)
    if holders < room:
        waiting = 0  # a waiting list only forms on a full group
    withdrawn = sum(rng.random() < WITHDRAW_CHANCE for _ in range(holders))

    fits, others = teachers_for(world, group.hub_id, [p.code for p in group.phases.all()])
    rng.shuffle(fits)
    rng.shuffle(others)
    pool = [t.user for t in fits + others if (group.pk, t.user.pk) not in taken]
    people = []
    if persona_status in (S.CONFIRMED, S.COMPLETED) and holders:
        people.append(persona_teacher(world))
        holders -= 1
    people += pool[:holders]
    holders = len(people)
    waiters = pool[holders : holders + waiting]
    leavers = pool[holders + len(waiters) : holders + len(waiters) + withdrawn]
    if persona_status == S.WAITING and holders == room and room > 0:
        waiters.insert(min(1, len(waiters)), persona_teacher(world))

    span = (window_end - window_start).total_seconds()
    # A full group filled up first; its waiting list formed afterwards, in arrival order.
    filled = span * (0.7 if waiters else 1.0)
    times = sorted(window_start + timedelta(seconds=rng.uniform(0, filled)) for _ in people)
    step = (span - filled) / (len(waiters) + 1)
    # The demo hub's group that started this term: its latest session is left for the
    # team to record.
    recorded = [s for s in sessions if s.ends_at <= world.now]
    if group.slug == world.started_group and len(recorded) > 1:
        recorded.pop()
    completed = 0
    for teacher, requested in zip(people, times, strict=True):
        enrolment = _enrolment(group, teacher, requested)
        enrolment.status = S.CONFIRMED
        enrolment.confirmed_at = world.capped(requested + timedelta(hours=rng.uniform(1, 48)))
        is_persona = teacher.pk == persona_teacher(world).pk
        if over and (
            persona_status == S.COMPLETED if is_persona else rng.random() < COMPLETION_CHANCE
        ):
            enrolment.status = S.COMPLETED
            enrolment.completed_at = world.capped(last_end + timedelta(days=rng.uniform(1, 10)))
            completed += 1
        batch.enrolments.append(enrolment)
        _attend(world, rng, batch, enrolment, recorded, over, is_persona)
    for i, teacher in enumerate(waiters, start=1):
        enrolment = _enrolment(group, teacher, window_start + timedelta(seconds=filled + i * step))
        enrolment.status = S.WAITING
        batch.enrolments.append(enrolment)
    for teacher in leavers:
        requested = window_start + timedelta(seconds=rng.uniform(0, span))
        enrolment = _enrolment(group, teacher, requested)
        enrolment.status = S.WITHDRAWN
        enrolment.withdrawn_at = world.capped(requested + timedelta(days=rng.uniform(1, 20)))
        batch.enrolments.append(enrolment)
    if holders:
        group.places_taken += holders
        batch.changed.append(group)
    if over and holders and rng.random() < EVALUATION_CHANCE:
        batch.evaluations.append(
            Evaluation(
                workgroup=group,
                outcomes=rng.choice(EVALUATION_OUTCOMES),
                impact_notes=rng.choice(EVALUATION_IMPACT),
                completed_count=completed,
                written_by=world.recorders[group.hub_id],
                written_at=world.capped(last_end + timedelta(days=rng.uniform(7, 30))),
            )
        )


def _enrolment(group, teacher, requested) -> Enrolment:
    return Enrolment(
        workgroup=group,
        teacher=teacher,
        school_id=teacher.school_id,
        requested_at=requested,
    )


def _attend(world, rng, batch, enrolment, sessions, over, is_persona) -> None:
    if enrolment.status == S.COMPLETED:
        chance = 1.0 if is_persona else 0.93
    else:
        chance = 0.6 if over else 0.88
    for session in sessions:
        recorded = world.capped(session.ends_at + timedelta(hours=rng.uniform(2, 72)))
        batch.attendance.append((enrolment, session, rng.random() < chance, recorded))
