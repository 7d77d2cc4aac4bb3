"""Each hub's part in the national projects (with pilot schools and its Work Groups), and its
money: allocations for its structure and its projects, and what it has spent so far.

A participation is recorded with the audit entry the workspace writes when a
hub records one ("project_participation.create", by the hub's demo lead): the
hub's change history shows it, and it is how --reset finds the demo's
participations (they have no field of their own to mark them).
"""

from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType

from hubs.audit import snapshot
from hubs.models import AuditEntry, School
from hubs_portal.lib.academic_year import academic_year_of
from projects.models import (
    Allocation,
    NationalProject,
    ProjectParticipation,
    ProjectSchool,
    Spend,
    Sponsor,
)
from projects.services import PARTICIPATION_FIELDS
from workgroups.models import WorkGroup

from .texts import PROJECT_OUTCOMES, PROJECT_TARGETS
from .vocabulary import (
    EXCHANGE_PROJECT,
    PROGRAMME_PROJECT,
    PROJECT_TAKE_UP,
    SPEND_CATEGORIES,
    TEACHER_PHASES,
)
from .workgroups import DEMO_PREFIX
from .world import World, money

PARTICIPATION_CREATED = "project_participation.create"
# The demo's hubs are a sample of the register (20 to 40 open schools each),
# not the real 500: a project takes a share of the real numbers of schools.
SCHOOL_SHARE = 0.3


def participation_audit(participation: ProjectParticipation, user, when) -> AuditEntry:
    return AuditEntry(
        hub_id=participation.hub_id,
        user=user,
        action=PARTICIPATION_CREATED,
        content_type=ContentType.objects.get_for_model(ProjectParticipation),
        object_id=str(participation.pk),
        object_repr=str(participation)[:200],
        after=snapshot(participation, PARTICIPATION_FIELDS)
        | {"project_name": participation.project.name},
        at=when,
    )


def load_projects(world: World, extra: list[tuple] | None = None) -> list[ProjectParticipation]:
    """Participations for every hub in the demo's years.

    ``extra``: (hub, project, year, host schools) from the exchange, recorded
    the same way, with the host schools as lead schools.
    """
    rng = world.rng("projects")
    projects = {
        p.slug: p for p in NationalProject.objects.prefetch_related("phases").order_by("slug")
    }
    national_groups: dict[tuple, list[WorkGroup]] = {}
    for group in (
        WorkGroup.objects.filter(slug__startswith=DEMO_PREFIX, programme__isnull=False)
        .published()
        .select_related("programme")
        .order_by("slug")
    ):
        project_slug = PROGRAMME_PROJECT.get(group.programme.slug)
        key = (group.hub_id, group.academic_year, project_slug)
        national_groups.setdefault(key, []).append(group)
    # Already recorded (by a hub, or a load before): the unique constraint allows one.
    recorded = set(
        ProjectParticipation.objects.values_list("hub_id", "project_id", "academic_year")
    )
    plans = []  # (participation, schools with their parts, Work Groups)
    for hub in world.hubs:
        pool = world.schools.get(hub.pk, [])
        for slug, project in projects.items():
            if slug == EXCHANGE_PROJECT:
                continue
            chance, fewest, most = PROJECT_TAKE_UP.get(slug, (0.5, 3, 8))
            phase_codes = {p.code for p in project.phases.all()}
            fitting = [s for s in pool if _teaches(s, phase_codes)] or pool
            for year in world.years:
                if not project.is_active_in(year) or rng.random() > chance or not fitting:
                    continue
                wanted = max(2, round(rng.randint(fewest, most) * SCHOOL_SHARE))
                chosen = rng.sample(fitting, min(wanted, len(fitting)))
                parts = [ProjectSchool.Part.LEAD, ProjectSchool.Part.PILOT] + [
                    rng.choices(
                        [ProjectSchool.Part.PARTICIPANT, ProjectSchool.Part.PILOT,
                         ProjectSchool.Part.OTHER],
                        [75, 20, 5],
                    )[0]
                    for _ in chosen[2:]
                ]  # fmt: skip
                n = len(chosen)
                participation = _participation(world, rng, hub, project, year, n)
                groups = national_groups.get((hub.pk, year, slug), [])
                plans.append((participation, list(zip(chosen, parts, strict=False)), groups))
    for hub, project_slug, year, hosts in extra or []:
        project = projects.get(project_slug)
        if project is None or not project.is_active_in(year):
            continue
        participation = _participation(world, rng, hub, project, year, len(hosts))
        plans.append((participation, [(s, ProjectSchool.Part.LEAD) for s in hosts], []))
    plans = [
        plan
        for plan in plans
        if (plan[0].hub_id, plan[0].project_id, plan[0].academic_year) not in recorded
    ]
    participations = ProjectParticipation.objects.bulk_create([plan[0] for plan in plans])
    ProjectSchool.objects.bulk_create(
        ProjectSchool(participation=participation, school=school, part=part)
        for participation, schools, _ in plans
        for school, part in schools
    )
    Link = ProjectParticipation.workgroups.through
    Link.objects.bulk_create(
        Link(projectparticipation_id=participation.pk, workgroup_id=group.pk)
        for participation, _, groups in plans
        for group in groups
    )
    AuditEntry.objects.bulk_create(
        participation_audit(
            p,
            world.recorders[p.hub_id],
            world.capped(
                world.at(date(p.academic_year, 9, 1) + timedelta(days=rng.randint(3, 40)))
            ),
        )
        for p in participations
    )
    world.counts["project participations"] += len(participations)
    return participations


def _teaches(school: School, phase_codes: set[str]) -> bool:
    if not phase_codes:
        return True
    return any(phase_codes & set(codes) for codes, _ in TEACHER_PHASES.get(school.phase, []))


def _participation(world, rng, hub, project, year, schools: int) -> ProjectParticipation:
    teacher = rng.choice(world.teachers.get(hub.pk) or [None])
    return ProjectParticipation(
        hub=hub,
        project=project,
        academic_year=year,
        local_lead=teacher.name if teacher else "",
        targets=rng.choice(PROJECT_TARGETS).format(n=schools),
        outcomes=rng.choice(PROJECT_OUTCOMES) if year < world.this_year else "",
    )


def load_funding(world: World, participations: list[ProjectParticipation]) -> None:
    """Each hub's allocations for the demo's years, and its spending up to today."""
    rng = world.rng("funding")
    projects_of: dict[tuple[int, int], list[int]] = {}
    for p in participations:
        if p.academic_year in world.years:
            projects_of.setdefault((p.hub_id, p.academic_year), []).append(p.project_id)
    categories = list(SPEND_CATEGORIES)
    weights = [weight for weight, _ in SPEND_CATEGORIES.values()]
    allocations, spending = [], []
    for hub in world.hubs:
        recorder = world.recorders[hub.pk]
        for i, year in enumerate(world.years):
            growth = 1 + 0.04 * i
            first = date(year, 9, 1)
            stamp = world.capped(world.at(first + timedelta(days=rng.randint(2, 20))))
            structural = rng.uniform(180_000, 320_000) * growth
            allocations.append(
                Allocation(
                    hub=hub, academic_year=year, sponsor=Sponsor.DFE,
                    category=Allocation.Category.STRUCTURAL, amount=money(structural),
                    note="Structural funding", recorded_by=recorder, recorded_at=stamp,
                )
            )  # fmt: skip
            total = structural
            projects = projects_of.get((hub.pk, year), [])
            for project_id in projects:
                amount = rng.uniform(10_000, 90_000) * growth
                total += amount
                allocations.append(
                    Allocation(
                        hub=hub, academic_year=year,
                        sponsor=Sponsor.EEF if rng.random() < 0.05 else Sponsor.DFE,
                        category=Allocation.Category.PROJECT, project_id=project_id,
                        amount=money(amount), recorded_by=recorder,
                        recorded_at=world.capped(stamp + timedelta(days=rng.randint(0, 30))),
                    )
                )  # fmt: skip
            last = min(date(year + 1, 8, 31), world.today)
            if last < first:
                continue
            done = min(max((last - first).days, 1) / 365, 1.0)
            spent = total * rng.uniform(0.86, 0.99) * done
            lines = rng.choices(categories, weights=weights, k=max(4, round(24 * done)))
            parts = [rng.uniform(0.5, 1.5) for _ in lines]
            whole = sum(parts)
            for category, part in zip(lines, parts, strict=True):
                spent_on = first + timedelta(days=rng.randint(0, (last - first).days))
                project = rng.choice(projects) if projects and rng.random() < 0.3 else None
                spending.append(
                    Spend(
                        hub=hub, academic_year=academic_year_of(spent_on), category=category,
                        project_id=project, amount=money(spent * part / whole),
                        description=SPEND_CATEGORIES[category][1], spent_on=spent_on,
                        recorded_by=recorder,
                        recorded_at=world.capped(world.at(spent_on, 15) + timedelta(days=rng.randint(0, 20))),
                    )
                )  # fmt: skip
    Allocation.objects.bulk_create(allocations)
    # bulk_create skips Spend.save(): the academic year was set from the date above.
    Spend.objects.bulk_create(spending)
    world.counts["funding allocations"] += len(allocations)
    world.counts["spending records"] += len(spending)
