"""How generated rows are told apart from real ones: finding, deleting and fingerprinting them.

Schools have URNs in GENERATED_URNS (real URNs are six digits below 160,000;
the test factories count from 800,001, the GIAS sample uses 900,000 and up
and the import benchmark 5,000,001 and up), people's addresses end in
@example.invalid and Work Group slugs start with "gen-". Everything else
hangs off those: project schools, exchange nominations and showcases are at
generated schools, and funding is recorded by a generated hub lead.
"""

import hashlib

from django.db import connection
from django.db.models import Q

from accounts.models import User
from exchange.models import (
    ExchangeTeacher,
    ObserverRegistration,
    Pairing,
    ShanghaiTeacher,
    Showcase,
)
from hubs.models import HubMembership, School
from projects.models import Allocation, ProjectParticipation, ProjectSchool, Spend
from workgroups.models import (
    Attendance,
    Enrolment,
    Evaluation,
    ParticipantMessage,
    Session,
    WorkGroup,
)

GENERATED_URNS = (700_000, 799_999)
EMAIL_DOMAIN = "example.invalid"
SLUG_PREFIX = "gen-"
NCETM_EMAIL = f"ncetm@{EMAIL_DOMAIN}"


def generated_schools() -> Q:
    return Q(urn__range=GENERATED_URNS)


def generated_users() -> Q:
    return Q(email__endswith=f"@{EMAIL_DOMAIN}")


def generated_workgroups() -> Q:
    return Q(slug__startswith=SLUG_PREFIX)


# --- Who is there already ---------------------------------------------------


def _other_data_querysets() -> dict:
    """Rows generate_network did not write, per kind of record (reference data aside)."""
    school = {"school__urn__range": GENERATED_URNS}
    return {
        "schools": School.objects.exclude(generated_schools()),
        "users": User.objects.exclude(generated_users()),
        "Work Groups": WorkGroup.objects.exclude(generated_workgroups()),
        "enrolments": Enrolment.objects.exclude(workgroup__slug__startswith=SLUG_PREFIX),
        "project participations": ProjectParticipation.objects.exclude(
            schools__school__urn__range=GENERATED_URNS
        ),
        "funding allocations": Allocation.objects.exclude(
            recorded_by__email__endswith=f"@{EMAIL_DOMAIN}"
        ),
        "spending records": Spend.objects.exclude(recorded_by__email__endswith=f"@{EMAIL_DOMAIN}"),
        "exchange nominations": ExchangeTeacher.objects.exclude(**school),
        "showcases": Showcase.objects.exclude(host_school__urn__range=GENERATED_URNS),
    }


def other_data() -> dict[str, int]:
    """How many rows of each kind the database holds that generate_network did not write."""
    counts = {label: qs.count() for label, qs in _other_data_querysets().items()}
    return {label: count for label, count in counts.items() if count}


def is_generated() -> bool:
    """Whether a generated network is in the database."""
    return School.objects.filter(generated_schools()).exists()


def delete_generated() -> None:
    """Delete every generated row (and nothing else), children first."""
    wg = f"SELECT id FROM {WorkGroup._meta.db_table} WHERE slug LIKE '{SLUG_PREFIX}%'"
    users = f"SELECT id FROM {User._meta.db_table} WHERE email LIKE '%@{EMAIL_DOMAIN}'"
    schools = (
        f"SELECT id FROM {School._meta.db_table} "
        f"WHERE urn BETWEEN {GENERATED_URNS[0]} AND {GENERATED_URNS[1]}"
    )
    t = _tables()
    participations = (
        f"SELECT participation_id FROM {t['project_school']} WHERE school_id IN ({schools})"
    )
    exchange_teachers = f"SELECT id FROM {t['exchange_teacher']} WHERE school_id IN ({schools})"
    shanghai = f"SELECT shanghai_teacher_id FROM {t['pairing']} WHERE english_teacher_id IN ({exchange_teachers})"
    showcases = f"SELECT id FROM {t['showcase']} WHERE host_school_id IN ({schools})"
    # Foreign keys are checked at commit (Django makes them DEFERRABLE INITIALLY
    # DEFERRED), so the order only has to leave no child behind by then.
    statements = [
        f"DELETE FROM {t['attendance']} WHERE enrolment_id IN "
        f"(SELECT id FROM {t['enrolment']} WHERE workgroup_id IN ({wg}) OR teacher_id IN ({users}))",
        f"DELETE FROM {t['observer']} WHERE showcase_id IN ({showcases}) OR teacher_id IN ({users})",
        f"DELETE FROM {t['enrolment']} WHERE workgroup_id IN ({wg}) OR teacher_id IN ({users})",
        f"DELETE FROM {t['participation_workgroups']} WHERE workgroup_id IN ({wg}) "
        f"OR projectparticipation_id IN ({participations})",
        f"DELETE FROM {t['participation']} WHERE id IN ({participations})",
        f"DELETE FROM {t['project_school']} WHERE participation_id IN ({participations}) "
        f"OR school_id IN ({schools})",
        f"DELETE FROM {t['session']} WHERE workgroup_id IN ({wg})",
        f"DELETE FROM {t['workgroup_phases']} WHERE workgroup_id IN ({wg})",
        f"DELETE FROM {t['evaluation']} WHERE workgroup_id IN ({wg})",
        f"DELETE FROM {t['message']} WHERE workgroup_id IN ({wg})",
        f"DELETE FROM {t['workgroup']} WHERE id IN ({wg})",
        f"DELETE FROM {t['showcase']} WHERE id IN ({showcases})",
        f"DELETE FROM {t['shanghai']} WHERE id IN ({shanghai})",
        f"DELETE FROM {t['pairing']} WHERE english_teacher_id IN ({exchange_teachers})",
        f"DELETE FROM {t['exchange_teacher']} WHERE id IN ({exchange_teachers})",
        f"DELETE FROM {t['allocation']} WHERE recorded_by_id IN ({users})",
        f"DELETE FROM {t['spend']} WHERE recorded_by_id IN ({users})",
        f"DELETE FROM {t['user_phases']} WHERE user_id IN ({users})",
        f"DELETE FROM {t['membership']} WHERE user_id IN ({users})",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        for model, rows, condition in ((User, users, generated_users()),
                                       (School, schools, generated_schools())):  # fmt: skip
            if _referenced(cursor, model, rows):
                # Something this module does not know points at them (an
                # allauth address, an audit entry): the ORM follows every
                # relation, slowly (it lists the ids in each query).
                model.objects.filter(condition).delete()
            else:
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id IN ({rows})")


def _referenced(cursor, model, rows: str) -> bool:
    """Whether any row of any table points at one of ``rows`` (SQL selecting ids)."""
    for relation in model._meta.get_fields(include_hidden=True):
        # Reverse foreign keys, hidden ones too (related_name="+", many-to-many tables).
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        if relation.many_to_many:
            continue  # its table's foreign key is listed as a hidden relation of its own
        table = relation.related_model._meta.db_table
        column = relation.field.column
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} IN ({rows}))")
        if cursor.fetchone()[0]:
            return True
    return False


def _tables() -> dict[str, str]:
    return {
        "attendance": Attendance._meta.db_table,
        "enrolment": Enrolment._meta.db_table,
        "observer": ObserverRegistration._meta.db_table,
        "participation_workgroups": ProjectParticipation.workgroups.through._meta.db_table,
        "participation": ProjectParticipation._meta.db_table,
        "project_school": ProjectSchool._meta.db_table,
        "session": Session._meta.db_table,
        "workgroup_phases": WorkGroup.phases.through._meta.db_table,
        "evaluation": Evaluation._meta.db_table,
        "message": ParticipantMessage._meta.db_table,
        "workgroup": WorkGroup._meta.db_table,
        "showcase": Showcase._meta.db_table,
        "shanghai": ShanghaiTeacher._meta.db_table,
        "pairing": Pairing._meta.db_table,
        "exchange_teacher": ExchangeTeacher._meta.db_table,
        "allocation": Allocation._meta.db_table,
        "spend": Spend._meta.db_table,
        "user_phases": User.phases.through._meta.db_table,
        "membership": HubMembership._meta.db_table,
    }


CHECKSUM_QUERIES = [
    # Natural keys only (URNs, addresses, slugs): ids differ between runs.
    """SELECT count(*), sum(hashtext(concat_ws('|', s.urn, s.name, la.code, s.phase,
           s.establishment_type, s.status, s.fsm_percentage, s.postcode))::bigint)
       FROM hubs_school s JOIN hubs_localauthority la ON la.id = s.local_authority_id
       WHERE s.urn BETWEEN %(urn_low)s AND %(urn_high)s""",
    """SELECT count(*), sum(hashtext(concat_ws('|', u.email, u.full_name, s.urn, u.job_role,
           u.date_joined, u.is_ncetm_staff))::bigint)
       FROM accounts_user u LEFT JOIN hubs_school s ON s.id = u.school_id
       WHERE u.email LIKE %(email)s""",
    """SELECT count(*), sum(hashtext(concat_ws('|', w.slug, w.title, h.slug, p.slug,
           w.academic_year, w.capacity, w.places_taken, w.status, w.starts_on, w.delivery))::bigint)
       FROM workgroups_workgroup w JOIN hubs_hub h ON h.id = w.hub_id
       LEFT JOIN workgroups_programme p ON p.id = w.programme_id WHERE w.slug LIKE %(slug)s""",
    """SELECT count(*), sum(hashtext(concat_ws('|', w.slug, x.order, x.starts_at, x.venue_name))::bigint)
       FROM workgroups_session x JOIN workgroups_workgroup w ON w.id = x.workgroup_id
       WHERE w.slug LIKE %(slug)s""",
    """SELECT count(*), sum(hashtext(concat_ws('|', w.slug, u.email, s.urn, e.status,
           e.requested_at, e.confirmed_at, e.withdrawn_at, e.completed_at))::bigint)
       FROM workgroups_enrolment e JOIN workgroups_workgroup w ON w.id = e.workgroup_id
       JOIN accounts_user u ON u.id = e.teacher_id LEFT JOIN hubs_school s ON s.id = e.school_id
       WHERE w.slug LIKE %(slug)s""",
    """SELECT count(*), sum(hashtext(concat_ws('|', w.slug, x.order, u.email, a.present))::bigint)
       FROM workgroups_attendance a JOIN workgroups_session x ON x.id = a.session_id
       JOIN workgroups_workgroup w ON w.id = x.workgroup_id
       JOIN workgroups_enrolment e ON e.id = a.enrolment_id
       JOIN accounts_user u ON u.id = e.teacher_id WHERE w.slug LIKE %(slug)s""",
    """SELECT count(*), sum(hashtext(concat_ws('|', h.slug, p.slug, pp.academic_year, s.urn,
           ps.part))::bigint)
       FROM projects_projectschool ps JOIN hubs_school s ON s.id = ps.school_id
       JOIN projects_projectparticipation pp ON pp.id = ps.participation_id
       JOIN hubs_hub h ON h.id = pp.hub_id JOIN projects_nationalproject p ON p.id = pp.project_id
       WHERE s.urn BETWEEN %(urn_low)s AND %(urn_high)s""",
    """SELECT count(*), sum(hashtext(concat_ws('|', h.slug, a.academic_year, a.category,
           a.amount, a.sponsor))::bigint)
       FROM projects_allocation a JOIN hubs_hub h ON h.id = a.hub_id
       JOIN accounts_user u ON u.id = a.recorded_by_id WHERE u.email LIKE %(email)s""",
    """SELECT count(*), sum(hashtext(concat_ws('|', h.slug, x.spent_on, x.category,
           x.amount))::bigint)
       FROM projects_spend x JOIN hubs_hub h ON h.id = x.hub_id
       JOIN accounts_user u ON u.id = x.recorded_by_id WHERE u.email LIKE %(email)s""",
    """SELECT count(*), sum(hashtext(concat_ws('|', h.slug, y.academic_year, x.teacher_name,
           s.urn))::bigint)
       FROM exchange_exchangeteacher x JOIN hubs_hub h ON h.id = x.hub_id
       JOIN exchange_exchangeyear y ON y.id = x.exchange_year_id
       JOIN hubs_school s ON s.id = x.school_id WHERE s.urn BETWEEN %(urn_low)s AND %(urn_high)s""",
    """SELECT count(*), sum(hashtext(concat_ws('|', s.urn, x.starts_at, x.places_taken,
           x.observer_places))::bigint)
       FROM exchange_showcase x JOIN hubs_school s ON s.id = x.host_school_id
       WHERE s.urn BETWEEN %(urn_low)s AND %(urn_high)s""",
]


def network_checksum() -> str:
    """A fingerprint of the generated rows' content: the same seed, scale and day give the same."""
    params = {
        "urn_low": GENERATED_URNS[0],
        "urn_high": GENERATED_URNS[1],
        "email": f"%@{EMAIL_DOMAIN}",
        "slug": f"{SLUG_PREFIX}%",
    }
    digest = hashlib.sha256()
    # Timestamps are hashed as text, in the connection's zone: Django sets UTC.
    with connection.cursor() as cursor:
        for sql in CHECKSUM_QUERIES:
            cursor.execute(sql, params)
            digest.update(repr(cursor.fetchone()).encode())
    return digest.hexdigest()[:16]
