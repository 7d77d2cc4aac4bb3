"""`manage.py load_demo`, `demo_code` and `demo_accounts`: what `make run` shows a newcomer.

The demo is loaded once for the module (reference data, the GIAS sample, then
load_demo, as `make run` does) inside a transaction rolled back at the end;
each test runs in a savepoint of it. The removal test runs last.
"""

import csv
import io
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from demo.accounts import (
    ADMIN,
    ANALYST,
    DEMO_ACCOUNTS,
    DEMO_HUB,
    DEMO_PASSWORD,
    DEMO_SUFFIX,
    HUB_LEAD,
    HUB_MEMBER,
    TEACHER,
)
from exchange.models import ExchangeTeacher, ExchangeYear, ObserverRegistration, Showcase
from hubs.models import Hub, HubMembership, School
from newsletters.models import Delivery, Issue, Subscriber
from projects.models import (
    Allocation,
    NationalProject,
    ProjectParticipation,
    ProjectSchool,
    Spend,
)
from projects.services import allocation_record, participation_create
from tests.factories import make_session, make_teacher, make_workgroup
from tests.helpers import words
from workgroups.models import Attendance, Enrolment, Evaluation, Programme, WorkGroup

MODELS = [User, EmailAddress, HubMembership, WorkGroup, Enrolment, Attendance, Evaluation,
          ProjectParticipation, ProjectSchool, Allocation, Spend, ExchangeTeacher, Showcase,
          ObserverRegistration, Subscriber, Issue, Delivery]  # fmt: skip


IMPORTS_DEMO = re.compile(r"^\s*(from|import)\s+demo\b", re.MULTILINE)


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def fingerprint() -> dict:
    """Natural keys of what was loaded (ids differ between loads)."""
    return {
        "enrolments": sorted(
            Enrolment.objects.values_list("workgroup__slug", "teacher__email", "status")
        ),
        "allocated": Allocation.objects.aggregate(t=Sum("amount"))["t"],
        "spent": Spend.objects.aggregate(t=Sum("amount"))["t"],
        "schools": sorted(
            ProjectSchool.objects.values_list(
                "participation__hub__slug",
                "participation__project__slug",
                "participation__academic_year",
                "school__urn",
                "part",
            )
        ),
        "subscribers": sorted(Subscriber.objects.values_list("hub__slug", "email", "status")),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """`make run`'s data, loaded once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        run("load_reference_data")
        run("import_schools", "--no-progress", str(settings.BASE_DIR / "fixtures/gias_sample.csv"))
        started = time.monotonic()
        output = run("load_demo", "--allow-no-debug")
        seconds = time.monotonic() - started
        yield {"output": output, "seconds": seconds, "counts": counts()}
        transaction.set_rollback(True)


def hub() -> Hub:
    return Hub.objects.get(slug=DEMO_HUB)


def client_for(client, account):
    # force_login skips the password and code (the log-in test below does both).
    client.force_login(User.objects.get(email=account.email))
    return client


def test_load_demo_refuses_where_debug_is_off_without_being_told():
    assert not settings.DEBUG
    with pytest.raises(CommandError, match="--allow-no-debug"):
        call_command("load_demo", stdout=io.StringIO())


def test_the_demo_loads_quickly_and_loads_the_same_again(demo, db):
    assert "Demo loaded in" in demo["output"]
    assert demo["seconds"] < 30, demo["output"]
    assert all(demo["counts"].values()), demo["counts"]
    before = fingerprint()

    output = run("load_demo", "--allow-no-debug")

    assert "already loaded" in output
    assert counts() == demo["counts"]
    assert fingerprint() == before

    # Afresh: the same rows again (from the seed), whatever ids they get.
    output = run("load_demo", "--allow-no-debug", "--reset")

    assert "Removed the demo" in output
    assert "Demo loaded in" in output
    assert counts() == demo["counts"]
    assert fingerprint() == before


def test_the_data_keeps_the_models_rules(demo, db):
    held = Count("enrolments", filter=Q(enrolments__status__in=Enrolment.HOLDS_PLACE))
    groups = WorkGroup.objects.annotate(held=held)
    assert [g.slug for g in groups if g.places_taken != g.held] == []
    waiting = Enrolment.objects.filter(status=Enrolment.Status.WAITING)
    assert waiting.exists()
    assert not waiting.filter(workgroup__places_taken__lt=F("workgroup__capacity")).exists()
    assert not Attendance.objects.filter(session__ends_at__gt=timezone.now()).exists()
    years = set(
        WorkGroup.objects.filter(enrolments__isnull=False).values_list("academic_year", flat=True)
    )
    assert len(years) >= 4
    for issue in Issue.objects.filter(status=Issue.Status.SENT):
        assert issue.deliveries.count() == issue.recipients_count > 0
    for showcase in Showcase.objects.all():
        assert showcase.registrations.active().count() == showcase.places_taken
    # Work Groups on national programmes are linked to their hub's part in the project.
    assert ProjectParticipation.workgroups.through.objects.exists()
    assert ProjectSchool.objects.filter(part=ProjectSchool.Part.PILOT).exists()


def test_the_demo_accounts_can_log_in_at_once_and_are_listed(demo, db):
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
        has_totp = user.authenticator_set.filter(type="totp").exists()
        assert has_totp == account.two_factor, account.email
    lead = User.objects.get(email=HUB_LEAD.email)
    assert lead.hub_memberships.get().role == HubMembership.Role.LEAD
    assert User.objects.get(email=HUB_MEMBER.email).hub_memberships.get().hub == hub()
    assert User.objects.get(email=ANALYST.email).is_ncetm_staff
    assert User.objects.get(email=ADMIN.email).is_superuser

    output = run("demo_accounts")
    for account in DEMO_ACCOUNTS:
        assert account.email in output
        assert account.persona in output
    assert DEMO_PASSWORD in output
    assert f"demo_code {HUB_LEAD.email}" in output
    assert f"/manage/{DEMO_HUB}/funding/" in output

    # demo_code gives the codes of the demo accounts with two factors, and nobody else's.
    someone = make_teacher("someone@example.org")
    with pytest.raises(CommandError, match="not a demo account"):
        run("demo_code", someone.email)
    crowd = User.objects.filter(email__endswith=DEMO_SUFFIX).exclude(
        email__in=[a.email for a in DEMO_ACCOUNTS]
    )
    with pytest.raises(CommandError, match="not a demo account"):
        run("demo_code", crowd.first().email)
    with pytest.raises(CommandError, match="no code is asked"):
        run("demo_code", TEACHER.email)


def test_a_demo_code_logs_the_lead_in_through_allauth(demo, db, client):
    response = client.post(
        reverse("account_login"), {"login": HUB_LEAD.email, "password": DEMO_PASSWORD}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("mfa_authenticate"))
    # A code is good for its own 30 seconds only: not one about to expire.
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)

    output = run("demo_code", HUB_LEAD.email)

    code = re.match(r"(\d{6})\n", output).group(1)
    assert "otpauth://totp/" in output
    assert "secret=" in output
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email=HUB_LEAD.email).pk)
    assert client.get(reverse("manage-hubs:dashboard", args=[DEMO_HUB])).status_code == 200


def test_each_persona_finds_their_pages_filled(demo, db, client):
    # The teacher: My Work Groups.
    response = client_for(client, TEACHER).get(reverse("workgroups:mine"))

    assert response.status_code == 200
    statuses = sorted(e.status for e in response.context["enrolments"])
    assert {"completed", "confirmed", "waiting"} <= set(statuses)
    text = words(response)
    for enrolment in response.context["enrolments"]:
        assert enrolment.workgroup.title in text
    assert "Waiting list: number 2" in text
    assert response.context["upcoming"]
    assert response.context["past"]
    assert User.objects.get(email=TEACHER.email).school is not None

    # The hub lead: the hub's money this year.
    response = client_for(client, HUB_LEAD).get(reverse("manage-funding:home", args=[DEMO_HUB]))

    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary["allocated"] > summary["spent"] > Decimal(0)
    assert summary["classroom_cpd"] > 0
    assert f"£{summary['allocated']:,}" in words(response)
    assert response.context["allocations"]
    assert response.context["spending"]

    # A member of the hub's team: the exchange, the newsletter, the dashboard and history.
    client_for(client, HUB_MEMBER)
    exchange = client.get(reverse("manage-exchange:home", args=[DEMO_HUB]))
    assert exchange.status_code == 200
    assert exchange.context["nominations"]
    assert exchange.context["guests"]
    assert any(s.places_taken for s in exchange.context["showcases"])

    newsletter = client.get(reverse("manage-newsletters:home", args=[DEMO_HUB]))
    assert newsletter.status_code == 200
    assert newsletter.context["subscriber_counts"]["confirmed"] > 10
    statuses = {issue.status for issue in newsletter.context["issues"]}
    assert statuses == {Issue.Status.SENT, Issue.Status.DRAFT}

    dashboard = client.get(reverse("manage-hubs:dashboard", args=[DEMO_HUB]))
    assert dashboard.status_code == 200
    assert client.get(reverse("manage-hubs:audit", args=[DEMO_HUB])).status_code == 200

    # The NCETM analyst: every report, national to one Work Group, and the CSV.
    client_for(client, ANALYST)
    national = client.get(reverse("reports:national"), {"format": "csv"})
    assert national.status_code == 200
    hubs = set(Hub.objects.values_list("name", flat=True))
    rows = [
        row
        for row in csv.DictReader(io.StringIO(national.content.decode("utf-8-sig")))
        if row["Hub"] in hubs
    ]
    assert len(rows) == 40
    assert all(int(row["Places offered"]) > 0 for row in rows)
    assert sum(int(row["Teachers engaged"]) for row in rows) > 500

    last_year = str(WorkGroup.objects.order_by("-academic_year").first().academic_year - 1)
    finished = client.get(reverse("reports:national"), {"year": last_year, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(finished.content.decode("utf-8-sig"))))
    assert any(float(row["Completion rate (%)"] or 0) > 50 for row in rows)
    assert any(float(row["Attendance rate (%)"] or 0) > 50 for row in rows)

    trend = client.get(reverse("reports:trend"))
    text = words(trend)
    for year in WorkGroup.objects.values_list("academic_year", flat=True).distinct():
        assert f"{year}-{(year + 1) % 100:02d}" in text
    assert client.get(reverse("reports:gaps")).status_code == 200
    region = hub().region.code
    assert client.get(reverse("reports:region", args=[region])).status_code == 200
    hub_page = client.get(reverse("reports:hub", args=[DEMO_HUB]))
    assert hub_page.status_code == 200
    assert "teachers engaged" in words(hub_page)
    group = (
        WorkGroup.objects.filter(hub__slug=DEMO_HUB, evaluation__isnull=False)
        .order_by("slug")
        .first()
    )
    drill = client.get(reverse("reports:workgroup", args=[group.slug]))
    assert drill.status_code == 200
    assert group.title in words(drill)


def test_nothing_outside_the_demo_app_imports_it():
    # The development scripts (benchmarks, load test, the GIAS sample) may; the portal may not.
    root = Path(settings.BASE_DIR)
    skip = {".venv", ".git", "var", "node_modules", "static", "demo", "tests", "scripts"}
    offenders = []
    for folder, folders, files in os.walk(root):
        folders[:] = [f for f in folders if f not in skip]
        for name in files:
            path = Path(folder) / name
            if name.endswith(".py") and IMPORTS_DEMO.search(path.read_text()):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_remove_takes_the_demo_rows_and_nothing_else(demo, db):
    # Someone's own records beside the demo: a teacher in their own Work Group,
    # a subscriber, and a project with its funding recorded by a real lead.
    the_hub = hub()
    school = School.objects.order_by("urn").first()
    teacher = make_teacher("own.teacher@example.org", school=school)
    group = make_workgroup(the_hub, slug="own-group")
    make_session(group, 1, timezone.now())
    Enrolment.objects.create(workgroup=group, teacher=teacher, school=school, status="waiting")
    Subscriber.objects.create(hub=the_hub, email="reader@example.org", status="confirmed")
    lead = User.objects.create_user("own.lead@example.org")
    project = NationalProject.objects.get(slug="teaching-for-mastery")
    own = participation_create(hub=the_hub, user=lead, project=project, academic_year=2015)
    allocation_record(
        hub=the_hub, user=lead, academic_year=2015, sponsor="dfe", category="structural",
        amount=Decimal("100.00"),
    )  # fmt: skip
    references = (Hub.objects.count(), School.objects.count(), Programme.objects.count(),
                  ExchangeYear.objects.count())  # fmt: skip

    output = run("load_demo", "--remove")

    assert "Removed the demo" in output
    assert not User.objects.filter(email__iendswith=DEMO_SUFFIX).exists()
    assert not WorkGroup.objects.filter(slug__startswith="demo-").exists()
    assert not EmailAddress.objects.filter(email__iendswith=DEMO_SUFFIX).exists()
    assert not ExchangeTeacher.objects.exists()
    assert not Showcase.objects.exists()
    assert list(ProjectParticipation.objects.all()) == [own]
    assert list(Allocation.objects.values_list("amount", flat=True)) == [Decimal("100.00")]
    assert not Spend.objects.exists()
    assert not Issue.objects.exists()
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["reader@example.org"]
    assert list(Enrolment.objects.values_list("teacher__email", flat=True)) == [teacher.email]
    assert set(User.objects.values_list("email", flat=True)) == {teacher.email, lead.email}
    assert (Hub.objects.count(), School.objects.count(), Programme.objects.count(),
            ExchangeYear.objects.count()) == references  # fmt: skip
    assert run("load_demo", "--remove").strip() == "No demo rows."
