"""The demo's Work Groups: making one with its sessions, saving many, and a few for every hub
this academic year and last (``manage.py load_demo_workgroups``), from a fixed seed.

``load_demo`` adds groups of earlier years with the same functions (demo/load_workgroups.py).
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from hubs.models import Hub, TeachingPhase
from hubs_portal.lib.academic_year import Term, current_academic_year
from workgroups.models import Enrolment, Programme, Session, WorkGroup

from .plans import GAP_TASKS, LEAD_ROLES, PLANS, PROGRAMMES, TERM_WINDOWS, TIMES, Plan

SEED = 2026
# Every demo group's slug starts with this, so the demo can be found and reset
# without touching Work Groups that hubs entered themselves.
DEMO_PREFIX = "demo-"
GROUPS_THIS_YEAR = 5
GROUPS_LAST_YEAR = 2


class NotReady(Exception):
    """What has to be loaded first, in words for the person running the command."""


@transaction.atomic
def load_demo_workgroups(*, reset: bool = False) -> str:
    """Demo Work Groups for every hub, this academic year and last, unless there already
    (``reset``: afresh, with any enrolments in them). Returns what was done, in a sentence."""
    hubs = list(Hub.objects.with_current_leads().order_by("slug"))
    if not hubs:
        raise NotReady("No hubs yet: run `manage.py load_reference_data` first.")
    demo = WorkGroup.objects.filter(slug__startswith=DEMO_PREFIX)
    if demo.exists():
        if not reset:
            return (
                f"Demo Work Groups already loaded ({demo.count()}); use --reset to load them again."
            )
        Enrolment.objects.filter(workgroup__in=demo).delete()
        demo.delete()

    programmes = ensure_programmes()
    phases = {phase.code: phase for phase in TeachingPhase.objects.all()}
    missing = {code for plan in PLANS for code in plan.phases} - set(phases)
    if missing:
        raise NotReady(
            f"Teaching phases missing ({', '.join(sorted(missing))}): run `manage.py migrate`."
        )
    rng = random.Random(SEED)
    today = timezone.localdate()
    this_year = current_academic_year()

    groups, group_phases, group_sessions = [], [], []
    for hub in hubs:
        lead_school = hub.current_leads[0].partner_name if hub.current_leads else ""
        for year, how_many in (
            (this_year - 1, GROUPS_LAST_YEAR),
            (this_year, GROUPS_THIS_YEAR),
        ):
            for plan in rng.sample(PLANS, how_many):
                group, sessions = make_workgroup(
                    rng, hub=hub, lead_school=lead_school, plan=plan, year=year,
                    programmes=programmes, today=today,
                )  # fmt: skip
                groups.append(group)
                group_phases.append([phases[code] for code in plan.phases])
                group_sessions.append(sessions)
    sessions = save_workgroups(groups, group_phases, group_sessions)
    open_now = sum(1 for g in groups if g.status == WorkGroup.Status.OPEN)
    return (
        f"Demo Work Groups: {len(groups)} for {len(hubs)} hubs ({open_now} open), "
        f"{len(sessions)} sessions, {len(programmes)} national programmes."
    )


def ensure_programmes() -> dict[str, Programme]:
    """The national programmes, created with their phases where missing, by slug."""
    programmes = {}
    for slug, name, phase_codes, summary in PROGRAMMES:
        programme, created = Programme.objects.get_or_create(
            slug=slug, defaults={"name": name, "summary": summary}
        )
        if created:
            programme.phases.set(TeachingPhase.objects.filter(code__in=phase_codes))
        programmes[slug] = programme
    return programmes


def save_workgroups(groups, group_phases, group_sessions) -> list[Session]:
    """Save unsaved groups, each with its list of phases and of sessions; return the sessions."""
    WorkGroup.objects.bulk_create(groups)
    Through = WorkGroup.phases.through
    Through.objects.bulk_create(
        Through(workgroup_id=group.pk, teachingphase_id=phase.pk)
        for group, phase_list in zip(groups, group_phases, strict=True)
        for phase in phase_list
    )
    # bulk_create skips Session.save(): starts_on and the term were set by make_workgroup.
    sessions = []
    for group, session_list in zip(groups, group_sessions, strict=True):
        for session in session_list:
            session.workgroup = group
            sessions.append(session)
    Session.objects.bulk_create(sessions)
    return sessions


def make_workgroup(
    rng: random.Random, *, hub, lead_school: str, plan: Plan, year: int, programmes, today: date
) -> tuple[WorkGroup, list[Session]]:
    """A Work Group of ``plan`` in ``year`` with its sessions, unsaved (see save_workgroups)."""
    term = _term(rng, year, today)
    (start_month, start_day), (end_month, end_day), (gap_min, gap_max) = TERM_WINDOWS[term]
    calendar_year = year if term == Term.AUTUMN else year + 1
    window_start = date(calendar_year, start_month, start_day)
    window_days = (date(calendar_year, end_month, end_day) - window_start).days
    day = _weekday(window_start + timedelta(days=rng.randint(0, window_days)))

    delivery = rng.choices(
        [WorkGroup.Delivery.IN_PERSON, WorkGroup.Delivery.ONLINE, WorkGroup.Delivery.BLENDED],
        weights=[6, 2, 2],
    )[0]
    starts, ends = rng.choice(TIMES)
    gap_tasks = rng.sample(GAP_TASKS, 4)
    sessions = []
    session_count = rng.choice([3, 3, 4])
    for order in range(1, session_count + 1):
        online = delivery == WorkGroup.Delivery.ONLINE or (
            delivery == WorkGroup.Delivery.BLENDED and order % 2 == 0
        )
        sessions.append(
            Session(
                order=order,
                starts_at=timezone.make_aware(datetime.combine(day, starts)),
                ends_at=timezone.make_aware(datetime.combine(day, ends)),
                is_online=online,
                venue_name="" if online else lead_school,
                # Gap tasks fall between sessions: none after the last.
                gap_task=gap_tasks[order - 1] if order < session_count else "",
            )
        )
        day = _weekday(day + timedelta(days=rng.randint(gap_min, gap_max)))

    first_day = timezone.localdate(sessions[0].starts_at)
    if year < current_academic_year():
        status = WorkGroup.Status.CLOSED
    else:
        status = rng.choices(
            [WorkGroup.Status.OPEN, WorkGroup.Status.CLOSED, WorkGroup.Status.DRAFT],
            weights=[86, 7, 7],
        )[0]
    programme = programmes[plan.programme] if plan.programme else None
    cost = Decimal(0)
    if programme is None and rng.random() < 0.2:
        cost = Decimal(rng.choice([40, 60, 75, 120]))
    role = rng.choice(LEAD_ROLES)
    group = WorkGroup(
        hub=hub,
        title=plan.title,
        slug=f"{DEMO_PREFIX}{slugify(plan.title)[:60]}-{hub.slug}-{year}",
        programme=programme,
        local_need=plan.local_need,
        audience=plan.audience,
        description=plan.description,
        delivery=delivery,
        academic_year=year,
        capacity=rng.randint(12, 30),
        eligibility=_eligibility(plan),
        application_deadline=first_day - timedelta(days=rng.randint(7, 21)),
        cost=cost,
        status=status,
        lead_name=f"{role} from {lead_school}" if lead_school else f"{role} at {hub.name}",
        starts_on=first_day,
        starting_term=Term.of(first_day),
    )
    return group, sessions


def _term(rng, year, today) -> str:
    """A term for the first session; this year, mostly one that has not started yet."""
    weights = []
    for term, ((month, day), _, _) in TERM_WINDOWS.items():
        start = date(year if term == Term.AUTUMN else year + 1, month, day)
        weights.append(1 if start <= today else 3)
    return rng.choices(list(TERM_WINDOWS), weights=weights)[0]


def _weekday(day: date) -> date:
    """Move a Saturday or Sunday on to the Tuesday after."""
    return day + timedelta(days={5: 3, 6: 2}.get(day.weekday(), 0))


def _eligibility(plan: Plan) -> str:
    audience = {
        WorkGroup.Audience.TEACHING_ASSISTANTS: "Teaching assistants, with a teacher from the "
        "same school if possible.",
        WorkGroup.Audience.SEND: "Teachers in special schools, resourced provisions and "
        "mainstream classes with pupils who have special educational needs.",
        WorkGroup.Audience.MIXED_AGE: "Teachers of mixed-age classes, usually in small schools.",
        WorkGroup.Audience.LEADERS: "Experienced teachers and maths leads, with their "
        "headteacher's support.",
    }.get(
        plan.audience, "Teachers from any school; two from the same school get the most out of it."
    )
    return f"{audience} You need to attend every session and try the gap tasks in between."
