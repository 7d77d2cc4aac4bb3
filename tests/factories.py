"""Plain factory functions: boring on purpose, one style for the whole suite."""

from datetime import datetime, timedelta
from itertools import count

from django.db import connection
from django.utils import timezone

from accounts.models import User
from hubs.models import Hub, LocalAuthority, Partnership, School, TeachingPhase
from hubs_portal.lib.academic_year import current_academic_year
from workgroups.models import Session, WorkGroup

_urns = count(800001)
_serials = count(1)


def make_school(*, la_code: str = "841", name: str | None = None, **fields) -> School:
    urn = fields.pop("urn", next(_urns))
    fields.setdefault("postcode", "DL1 1AA")
    fields.setdefault("phase", School.Phase.PRIMARY)
    return School.objects.create(
        urn=urn,
        name=name or f"Test School {urn}",
        local_authority=LocalAuthority.objects.get(code=la_code),
        **fields,
    )


REGISTER_WORDS = ["Oakfield", "Carmel", "Hummersknott", "Harrowgate", "Dene", "Ribble", "Haughton"]


def analyse_for_the_planner(table: str) -> None:
    """Make ``table``'s statistics and indexes what a long-running database has.

    For tests that prove a search uses its index: autovacuum would by now have
    moved bulk inserts out of the GIN indexes' pending lists (which the
    planner prices as a full read) and analysed the table.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE i.indrelid = %s::regclass AND a.amname = 'gin'",
            [table],
        )
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def make_register(count: int = 3000) -> None:
    """``count`` more schools in Darlington, a quarter of them closed, analysed.

    On a table of a few rows, reading it whole (or through another index that
    happens to fit) costs the planner as little as the right index: a test
    that proves a search uses its index needs a table of a realistic shape.
    """
    authority = LocalAuthority.objects.get(code="841")
    School.objects.bulk_create(
        School(
            urn=next(_urns),
            name=f"{REGISTER_WORDS[n % len(REGISTER_WORDS)]} School {n}",
            local_authority=authority,
            status=School.Status.CLOSED if n % 4 == 0 else School.Status.OPEN,
        )
        for n in range(count)
    )
    analyse_for_the_planner(School._meta.db_table)


def make_catalogue(hub: Hub, count: int = 3000) -> None:
    """``count`` more published Work Groups of ``hub`` over five years, analysed
    (see ``make_register``)."""
    year = current_academic_year()
    WorkGroup.objects.bulk_create(
        WorkGroup(
            hub=hub,
            title=f"{REGISTER_WORDS[n % len(REGISTER_WORDS)]} Work Group {n}",
            slug=f"catalogue-work-group-{n}",
            local_need="Schools in the area asked for it.",
            description=f"Teachers meet to try out and discuss ideas ({n}).",
            academic_year=year - n % 5,
            capacity=20,
            status=WorkGroup.Status.OPEN,
        )
        for n in range(count)
    )
    analyse_for_the_planner(WorkGroup._meta.db_table)


def make_lead(hub: Hub, school: School | None = None, **fields) -> Partnership:
    fields.setdefault("role", Partnership.Role.LEAD_SCHOOL)
    return Partnership.objects.create(hub=hub, school=school, **fields)


def phase(code: str) -> TeachingPhase:
    # load_reference_data (the reference_data fixture) ensures the phases
    # exist, even after a transactional test has flushed the migration's rows.
    return TeachingPhase.objects.get(code=code)


def make_workgroup(hub: Hub, **fields) -> WorkGroup:
    """An open, local, primary Work Group of 20 places in the current academic year.

    ``phases`` takes phase codes or TeachingPhase objects (default: primary).
    Add sessions with ``make_session``; they set ``starts_on`` and the term.
    """
    serial = next(_serials)
    phases = fields.pop("phases", ["primary"])
    fields.setdefault("title", f"Test Work Group {serial}")
    fields.setdefault("slug", f"test-work-group-{serial}")
    fields.setdefault("description", "Teachers meet to try out and discuss ideas.")
    if fields.get("programme") is None:
        fields.setdefault("local_need", "Schools in the area asked for it.")
    fields.setdefault("academic_year", current_academic_year())
    fields.setdefault("capacity", 20)
    fields.setdefault("status", WorkGroup.Status.OPEN)
    workgroup = WorkGroup.objects.create(hub=hub, **fields)
    workgroup.phases.set([p if isinstance(p, TeachingPhase) else phase(p) for p in phases])
    return workgroup


def make_session(workgroup: WorkGroup, order: int, starts_at: datetime, **fields) -> Session:
    """A two-hour session; saving it refreshes the group's start date and term."""
    fields.setdefault("ends_at", starts_at + timedelta(hours=2))
    return Session.objects.create(workgroup=workgroup, order=order, starts_at=starts_at, **fields)


def make_teacher(
    email: str | None = None, school: School | None = None, complete: bool = True
) -> User:
    """A teacher; with ``complete`` their profile (name, role, phase, school) is filled in."""
    serial = next(_serials)
    user = User.objects.create_user(email or f"teacher{serial}@example.org", school=school)
    if not complete:
        return user
    user.full_name = f"Test Teacher {serial}"
    user.job_role = User.JobRole.CLASS_TEACHER
    user.school = school or make_school()
    user.profile_completed_at = timezone.now()
    user.save(update_fields=["full_name", "job_role", "school", "profile_completed_at"])
    user.phases.set([phase("primary")])
    return user
