"""A hub lead records the hub's part in a national project and its funding, in a real browser.

Two pilot schools are found through the register search (no JavaScript needed),
then a project allocation is recorded; axe-core checks every page on the way,
the public project pages included.
"""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from projects.models import Allocation, ProjectParticipation
from tests.factories import make_school
from tests.helpers import AuthenticatorApp, enter_two_factor_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAD_PASSWORD = "Number-bonds-to-ten-73"
PROJECT = "Teaching for Mastery and the Mastery Specialists programme"


@pytest.fixture
def lead(hub_lead):
    hub_lead.set_password(LEAD_PASSWORD)
    hub_lead.save(update_fields=["password"])
    EmailAddress.objects.create(user=hub_lead, email=hub_lead.email, verified=True, primary=True)
    return hub_lead


def test_a_lead_records_a_project_with_two_pilot_schools_and_its_funding(
    page: Page, axe_check, hub, lead
):
    make_school(name="Harrowgate Hill Primary School", la_code="841")
    make_school(name="Harrowgate Village Primary School", la_code="841")

    page.goto("/account/login/")
    page.get_by_label("Email").fill(lead.email)
    page.get_by_label("Password", exact=True).fill(LEAD_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    enter_two_factor_code(page, AuthenticatorApp().code(), axe_check)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"/manage/{hub.slug}/projects/")
    expect(page.get_by_role("heading", level=1)).to_have_text("National projects")
    axe_check(page)

    page.get_by_role(
        "link", name="Record your hub\N{RIGHT SINGLE QUOTATION MARK}s part in a project"
    ).first.click()
    axe_check(page)
    page.get_by_role("button", name="Record it").click()  # nothing chosen: errors
    expect(page.get_by_role("alert")).to_contain_text("Choose the national project.")
    axe_check(page)
    page.get_by_label("National project").select_option(label=PROJECT)
    page.get_by_label("Local lead (optional)").fill("Pat Primary")
    page.get_by_label("Targets (optional)").fill("Twelve schools begin the programme.")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROJECT)
    axe_check(page)

    for name in ("Harrowgate Hill Primary School", "Harrowgate Village Primary School"):
        page.get_by_role("link", name="Add a school").click()
        page.get_by_label("Search the school register").fill("Harrowgate")
        page.get_by_role("button", name="Search").click()
        axe_check(page)
        page.get_by_label(name).check()
        page.get_by_label("Its part in the project").select_option(label="Pilot school")
        page.get_by_role("button", name="Add the school", exact=True).click()
        expect(page.get_by_role("table")).to_contain_text(name)
    axe_check(page)

    participation = ProjectParticipation.objects.get(hub=hub)
    assert sorted(participation.schools.values_list("part", flat=True)) == ["pilot", "pilot"]

    page.get_by_role("navigation", name="Hub workspace").get_by_role("link", name="Funding").click()
    axe_check(page)
    page.get_by_role("link", name="Record an allocation").click()
    page.get_by_label("What it is for").select_option(label="Project costs")
    page.get_by_label("Amount (£)").fill("12500.555")
    page.get_by_role("button", name="Record the allocation").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the project these project costs")
    expect(page.get_by_role("alert")).to_contain_text("no more than two figures after the point")
    axe_check(page)
    page.get_by_label("Project (optional)").select_option(label=PROJECT)
    page.get_by_label("Amount (£)").fill("£12,500.50")
    page.get_by_role("button", name="Record the allocation").click()
    expect(page.get_by_text("£12,500.50 allocated")).to_be_visible()
    axe_check(page)
    assert Allocation.objects.get(hub=hub).amount == Decimal("12500.50")
    page.get_by_role("link", name="Record spending").click()
    page.get_by_role("button", name="Record the spending").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the amount.")
    axe_check(page)

    for path in ("workgroups/", "delete/", "edit/"):
        page.goto(f"/manage/{hub.slug}/projects/{participation.pk}/{path}")
        axe_check(page)

    page.goto("/projects/")
    axe_check(page)
    page.get_by_role("link", name=PROJECT).click()
    expect(page.get_by_role("main")).to_contain_text("Harrowgate Hill Primary School")
    expect(page.get_by_role("main")).not_to_contain_text("£")
    axe_check(page)


TEACHER_PASSWORD = "Equivalent-fractions-on-a-wall-19"


def test_a_teacher_registers_to_observe_a_showcase_lesson(page: Page, axe_check, hub):
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from exchange.models import ExchangeTeacher, ExchangeYear, ObserverRegistration, Showcase
    from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
    from tests.factories import make_teacher

    today = timezone.localdate()
    year = ExchangeYear.objects.create(
        academic_year=current_academic_year(),
        shanghai_visit_start=today - timedelta(days=2),
        shanghai_visit_end=today + timedelta(days=12),
    )
    host_school = make_school(name="Dene Primary", la_code="841")
    ExchangeTeacher.objects.create(
        hub=hub, exchange_year=year, teacher_name="Hana Host", school=host_school, phase="primary"
    )
    starts = timezone.now() + timedelta(days=3)
    Showcase.objects.create(
        hub=hub,
        exchange_year=year,
        host_school=host_school,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        class_and_topic="Year 4: equivalent fractions",
        observer_places=8,
        status=Showcase.Status.OPEN,
    )
    teacher = make_teacher("observer@example.org")
    teacher.set_password(TEACHER_PASSWORD)
    teacher.save(update_fields=["password"])
    EmailAddress.objects.create(user=teacher, email=teacher.email, verified=True, primary=True)

    page.goto("/account/login/")
    page.get_by_label("Email").fill(teacher.email)
    page.get_by_label("Password", exact=True).fill(TEACHER_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("link", name="Shanghai exchange").first.click()
    axe_check(page)
    page.get_by_role("link", name=academic_year_label(year.academic_year)).first.click()
    expect(page.get_by_text("Year 4: equivalent fractions").first).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Year 4: equivalent fractions").first.click()
    axe_check(page)
    page.get_by_role("button", name="Register to observe").click()
    expect(page.get_by_role("heading", name="Your place")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel my place")).to_be_visible()
    axe_check(page)

    registration = ObserverRegistration.objects.get(teacher=teacher)
    assert registration.status == "registered"
    assert [m.to for m in mail.outbox if m.to == [teacher.email]] == [[teacher.email]]
