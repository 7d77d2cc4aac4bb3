"""`manage.py generate_network`: a small network (scale 0.001) has the shape of the real one."""

import io
from datetime import date, datetime, time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q

from accounts.models import User
from demo.network import (
    GENERATED_URNS,
    NCETM_EMAIL,
    generate_network,
    network_checksum,
    other_data,
    sizes,
)
from demo.network.base import LONDON
from exchange.models import ExchangeTeacher, Showcase
from hubs.models import Hub, HubMembership, LocalAuthority, School
from hubs_portal.lib.academic_year import academic_year_of
from projects.models import Allocation, ProjectParticipation, Spend
from tests.factories import make_school
from workgroups.models import Attendance, Enrolment, Session, WorkGroup

SCALE = 0.001
TODAY = date(2026, 11, 23)  # the generator's "today": fixed, so every run is the same
YEARS = list(range(2017, 2027))
NOW = datetime.combine(TODAY, time(12), LONDON)


def generate(seed: int = 2026):
    return generate_network(seed=seed, scale=SCALE, years=10, today=TODAY, progress=False)


def check_foreign_keys() -> None:
    # The generator's foreign keys are checked at commit, which a test never
    # reaches: check them now.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def network(reference_data):
    summary = generate()
    check_foreign_keys()
    return summary


def test_every_local_authority_has_schools_of_plausible_kinds(network):
    assert not LocalAuthority.objects.annotate(n=Count("schools")).filter(n=0).exists()
    schools = School.objects.filter(urn__range=GENERATED_URNS)
    assert schools.count() == sizes(SCALE)["schools"] == network.counts["schools"]
    # Every authority has an open primary and an open secondary school.
    for phase in (School.Phase.PRIMARY, School.Phase.SECONDARY):
        assert not LocalAuthority.objects.exclude(
            schools__phase=phase, schools__status=School.Status.OPEN
        ).exists()
    assert schools.filter(status=School.Status.CLOSED).exists()
    fsm = [s for s in schools.values_list("fsm_percentage", flat=True) if s is not None]
    assert 15 < sum(fsm) / len(fsm) < 35
    assert all(0 <= value <= 100 for value in fsm)


def test_the_forty_hubs_run_work_groups_in_each_of_ten_years(network):
    assert Hub.objects.count() == 40
    groups = WorkGroup.objects.filter(slug__startswith="gen-")
    per_year = dict(groups.values_list("academic_year").annotate(n=Count("pk")))
    assert sorted(per_year) == YEARS
    assert all(n >= sizes(SCALE)["groups_per_year"] for n in per_year.values())
    # Every hub runs at least one group every year.
    assert groups.values("hub", "academic_year").distinct().count() == 40 * 10
    assert groups.filter(programme__isnull=True).exists()
    assert groups.filter(programme__isnull=False).exists()
    assert not groups.filter(Q(capacity__lt=10) | Q(capacity__gt=30)).exists()
    assert set(groups.values_list("status", flat=True)) == set(WorkGroup.Status.values)
    assert not groups.filter(academic_year__lt=2026).exclude(status="closed").exists()
    # Three to five sessions each.
    sessions = groups.annotate(n=Count("sessions")).values_list("n", flat=True)
    assert set(sessions) <= {3, 4, 5}


def test_enrolments_hold_together(network):
    enrolments = Enrolment.objects.filter(workgroup__slug__startswith="gen-")
    statuses = dict(enrolments.values_list("status").annotate(n=Count("pk")))
    assert set(statuses) == set(Enrolment.Status.values)
    total = sum(statuses.values())
    assert total == network.counts["enrolments"]
    assert statuses["completed"] + statuses["confirmed"] > total / 2
    # The school is the teacher's school.
    assert not enrolments.exclude(school=F("teacher__school")).exists()
    # Mostly a school in the area of the hub that runs the group.
    in_area = enrolments.filter(school__local_authority__hubs=F("workgroup__hub")).count()
    assert in_area / total > 0.8
    # Places taken are the confirmed and completed enrolments, never above capacity,
    # and there is a waiting list only when the group is full.
    groups = WorkGroup.objects.filter(slug__startswith="gen-").annotate(
        held=Count("enrolments", filter=Q(enrolments__status__in=Enrolment.HOLDS_PLACE)),
        waiting=Count("enrolments", filter=Q(enrolments__status="waiting")),
    )
    assert not groups.exclude(places_taken=F("held")).exists()
    assert not groups.filter(places_taken__gt=F("capacity")).exists()
    assert not groups.filter(waiting__gt=0, places_taken__lt=F("capacity")).exists()
    assert not groups.filter(status="draft", held__gt=0).exists()
    # One active enrolment per teacher per group (the partial unique constraint);
    # some teachers withdrew and applied again, which it allows.
    active = enrolments.filter(status__in=Enrolment.ACTIVE)
    assert not active.values("workgroup", "teacher").annotate(n=Count("pk")).filter(n__gt=1)
    again = enrolments.values("workgroup", "teacher").annotate(n=Count("pk")).filter(n__gt=1)
    assert again.exists()
    # Nobody asks before they joined, or confirms before they asked.
    assert not enrolments.filter(requested_at__lt=F("teacher__date_joined")).exists()
    assert not enrolments.filter(confirmed_at__lt=F("requested_at")).exists()
    assert not enrolments.filter(withdrawn_at__lt=F("requested_at")).exists()


def test_attendance_is_for_past_sessions_of_those_with_a_place(network):
    attendance = Attendance.objects.filter(session__workgroup__slug__startswith="gen-")
    assert attendance.exists()
    assert not attendance.exclude(enrolment__status__in=Enrolment.HOLDS_PLACE).exists()
    assert not attendance.exclude(enrolment__workgroup=F("session__workgroup")).exists()
    assert not attendance.filter(session__ends_at__gt=NOW).exists()
    upcoming = Session.objects.filter(starts_at__gt=NOW, workgroup__slug__startswith="gen-")
    assert upcoming.exists()


def test_people_projects_exchange_and_funding(network):
    teachers = User.objects.filter(email__regex=r"^t[0-9]{6}@example\.invalid$")
    assert teachers.count() == sizes(SCALE)["teachers"]
    assert not teachers.filter(school__isnull=True).exists()
    assert not any(user.has_usable_password() for user in teachers[:50])
    assert User.objects.get(email=NCETM_EMAIL).is_ncetm_staff
    assert (
        HubMembership.objects.filter(role="lead", user__email__endswith="example.invalid").count()
        == 40
    )

    participations = ProjectParticipation.objects.annotate(n=Count("schools"))
    assert participations.exists()
    assert not participations.filter(n=0).exists()

    per_hub_year = ExchangeTeacher.objects.values("hub", "exchange_year").annotate(n=Count("pk"))
    assert {row["n"] for row in per_hub_year} <= {1, 2, 3}
    assert {row["exchange_year"] for row in per_hub_year}
    assert not Showcase.objects.filter(places_taken__gt=F("observer_places")).exists()

    assert set(Allocation.objects.values_list("academic_year", flat=True)) == set(YEARS)
    spends = list(Spend.objects.values_list("spent_on", "academic_year"))
    assert spends
    assert all(academic_year_of(day) == year and day <= TODAY for day, year in spends)


def test_the_same_seed_gives_the_same_network(reference_data):
    first = generate()
    second = generate()  # replaces the first
    assert second.counts == first.counts
    assert second.checksum == first.checksum == network_checksum()
    assert School.objects.filter(urn__range=GENERATED_URNS).count() == first.counts["schools"]
    other = generate(seed=7)
    assert other.checksum != first.checksum
    check_foreign_keys()


def test_it_refuses_years_before_the_network(reference_data):
    with pytest.raises(CommandError, match="--years must be between 1 and 13"):
        call_command("generate_network", "--years", "14", "--today", "2026-11-23")


def test_it_refuses_a_database_with_other_data_unless_told(reference_data):
    real = make_school(urn=123456)
    with pytest.raises(CommandError, match=r"did not generate \(1 schools\)"):
        call_command("generate_network", "--scale", "0.001", "--no-progress", stdout=io.StringIO())
    assert not School.objects.filter(urn__range=GENERATED_URNS).exists()

    out = io.StringIO()
    call_command(
        "generate_network", "--scale", "0.001", "--no-progress", "--yes", "--today", "2026-11-23",
        stdout=out,
    )  # fmt: skip
    assert "Done in" in out.getvalue()
    assert School.objects.filter(pk=real.pk).exists()
    assert other_data() == {"schools": 1}
    check_foreign_keys()
