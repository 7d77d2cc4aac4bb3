"""Demo people: the persona accounts, a lead for every other hub, and teachers in every hub's area."""

from datetime import date, timedelta

from django.db.models import Min
from django.utils.text import slugify

from accounts.models import User
from exchange.models import ObserverRegistration
from hubs.models import HubMembership, School
from workgroups.models import Enrolment

from .accounts import DEMO_SUFFIX, HUB_LEAD, TEACHER, ensure_accounts
from .vocabulary import FIRST_NAMES, JOB_ROLES, LAST_NAMES, TEACHER_PHASES
from .world import Teacher, World, weighted

TEACHERS_PER_HUB = 45
# Django reads a password hash starting with "!" as no password: these people cannot log in.
NO_PASSWORD = "!"
# Teachers joined the portal over the years before this one (backdate_people then
# moves each to just before their first Work Group or showcase).
YEARS_JOINED = 4


def load_accounts(world: World) -> None:
    """The persona accounts; the teacher's school is a primary school in the demo hub's area."""
    schools = world.schools[world.demo_hub.pk]
    primary = [s for s in schools if s.phase == School.Phase.PRIMARY] or schools
    world.accounts = ensure_accounts(
        hub=world.demo_hub,
        school=primary[0],
        phases=[world.phases["eyfs"], world.phases["primary"]],
    )


def load_people(world: World) -> None:
    """A lead for each hub but the demo hub (whose lead is a persona), and its teachers."""
    rng = world.rng("people")
    joined_from = date(world.this_year - YEARS_JOINED, 7, 1)
    users, phase_rows, memberships = [], [], []

    def teacher_email(hub_index: int, serial: int) -> tuple[str, str]:
        # The hub's index and the serial make the address unique.
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{slugify(first)}.{slugify(last)}.{hub_index:02d}{serial:02d}{DEMO_SUFFIX}"
        return email, f"{first} {last}"

    world.recorders[world.demo_hub.pk] = world.accounts[HUB_LEAD.email]
    leads = {}
    for index, hub in enumerate(world.hubs):
        if hub.pk != world.demo_hub.pk:
            leads[hub.pk] = User(
                email=f"lead.{hub.slug}{DEMO_SUFFIX}",
                password=NO_PASSWORD,
                full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                date_joined=world.at(joined_from),
                calendar_token=f"demo-lead-{index:02d}-{rng.getrandbits(64):016x}",
            )
        schools = [s for s in world.schools[hub.pk] if s.phase in TEACHER_PHASES]
        teachers = []
        for serial in range(TEACHERS_PER_HUB if schools else 0):
            school = schools[int(rng.triangular(0, len(schools), 0))]
            codes = weighted(rng, dict(TEACHER_PHASES[school.phase]))
            email, name = teacher_email(index, serial)
            teachers.append(Teacher(email=email, name=name, school=school, phases=codes))
            joined = joined_from + timedelta(days=rng.randint(0, 365 * YEARS_JOINED - 60))
            teachers[-1].user = User(
                email=email,
                password=NO_PASSWORD,
                full_name=name,
                school=school,
                job_role=weighted(rng, JOB_ROLES),
                date_joined=world.at(joined),
                profile_completed_at=world.at(joined, 9, 20),
                calendar_token=f"demo-{index:02d}{serial:02d}-{rng.getrandbits(96):024x}",
            )
        world.teachers[hub.pk] = teachers
        users.extend(t.user for t in teachers)
    users.extend(leads.values())
    User.objects.bulk_create(users)
    for hub_id, lead in leads.items():
        world.recorders[hub_id] = lead
        memberships.append(HubMembership(hub_id=hub_id, user=lead, role=HubMembership.Role.LEAD))
    HubMembership.objects.bulk_create(memberships)
    for teachers in world.teachers.values():
        for teacher in teachers:
            for code in teacher.phases:
                phase_rows.append(
                    User.phases.through(user_id=teacher.user.pk, teachingphase=world.phases[code])
                )
    User.phases.through.objects.bulk_create(phase_rows)
    world.counts["people"] += len(users)


def backdate_people(world: World) -> None:
    """Each demo teacher joined the portal a little before they first took part in anything."""
    rng = world.rng("joined")
    first: dict[int, object] = {}
    for model, when in ((Enrolment, "requested_at"), (ObserverRegistration, "created_at")):
        rows = (
            model.objects.filter(teacher__email__iendswith=DEMO_SUFFIX)
            .order_by()
            .values("teacher_id")
            .annotate(first=Min(when))
            .values_list("teacher_id", "first")
        )
        for teacher_id, moment in rows:
            first[teacher_id] = min(moment, first.get(teacher_id, moment))
    people = list(User.objects.filter(pk__in=first).order_by("pk"))
    for person in people:
        person.date_joined = first[person.pk] - timedelta(days=rng.uniform(3, 60))
        person.profile_completed_at = person.date_joined + timedelta(minutes=rng.uniform(2, 30))
    User.objects.bulk_update(people, ["date_joined", "profile_completed_at"])


def teachers_for(world: World, hub_id: int, phases) -> tuple[list[Teacher], list[Teacher]]:
    """The hub's demo teachers who teach one of ``phases``, and the others."""
    wanted = set(phases)
    fits, others = [], []
    for teacher in world.teachers.get(hub_id, []):
        (fits if wanted & set(teacher.phases) else others).append(teacher)
    return fits, others


def persona_teacher(world: World) -> User:
    return world.accounts[TEACHER.email]
