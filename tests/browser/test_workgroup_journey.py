"""A teacher's whole journey: sign up, verify, profile, find a Work Group, join, withdraw."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import make_school, make_session, make_workgroup
from workgroups.models import Enrolment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "sam.teacher@example.org"
PASSWORD = "Fractions-on-a-number-line-42"


@pytest.fixture
def catalogue(hub):
    make_school(name="Carmel College", la_code="841", postcode="DL3 8RW")
    soon = timezone.now() + timedelta(days=14)
    fractions = make_workgroup(hub, title="Mastering Fractions", capacity=12)
    make_session(fractions, 1, soon, venue_name="Carmel College", gap_task="Try a fraction wall.")
    make_session(fractions, 2, soon + timedelta(days=28), is_online=True)
    early = make_workgroup(hub, title="Developing Number Skills in Early Years", phases=["eyfs"])
    make_session(early, 1, soon)
    return fractions


def verification_link() -> str:
    [message] = [m for m in mail.outbox if m.to == [EMAIL]]
    return re.search(r"https?://\S+/account/confirm-email/\S+/", message.body).group(0)


def test_a_teacher_signs_up_joins_a_work_group_and_withdraws(
    page: Page, axe_check, catalogue, live_server
):
    # Sign up.
    page.goto("/account/signup/")
    axe_check(page)
    page.get_by_label("Email", exact=False).first.fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile(r"Password \(again\)|Confirm password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign up", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("e-?mail", re.I))
    axe_check(page)

    # Verify through the link in the e-mail (sent through the outbox).
    page.goto(verification_link())
    axe_check(page)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()

    # Complete the profile: find the school, then fill in the rest.
    page.goto("/account/profile/")
    axe_check(page)
    page.get_by_label("Search for your school").fill("carmel")
    page.get_by_role("button", name="Search").click()
    page.get_by_label(re.compile("^Carmel College")).check()
    page.get_by_label("Full name").fill("Sam Teacher")
    page.get_by_label("Your role").select_option(label="Class teacher")
    page.get_by_label("Primary").check()
    axe_check(page)
    page.get_by_role("button", name="Save your profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()

    # Filter the catalogue and open the Work Group.
    page.goto("/workgroups/")
    axe_check(page)
    page.get_by_label("Phase").select_option(label="Primary")
    page.get_by_role("button", name="Show Work Groups").click()
    expect(page.get_by_role("heading", name="1 Work Group matches")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Mastering Fractions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mastering Fractions")
    expect(page.get_by_text("Try a fraction wall.")).to_be_visible()
    axe_check(page)

    # Join.
    page.get_by_role("button", name="Join this Work Group").click()
    expect(page.get_by_text("You have a place on Mastering Fractions")).to_be_visible()
    axe_check(page)
    assert Enrolment.objects.get(teacher__email=EMAIL).status == "confirmed"

    # My Work Groups: the group, its sessions, the calendar link.
    page.get_by_role("link", name="My Work Groups").first.click()
    groups = page.get_by_role("region", name="Your Work Groups")
    expect(groups).to_contain_text("Mastering Fractions")
    expect(groups).to_contain_text("Place confirmed")
    expect(page.get_by_role("region", name="Upcoming sessions")).to_contain_text("Carmel College")
    axe_check(page)

    # Withdraw.
    groups.get_by_role("button", name=re.compile("Withdraw")).click()
    expect(page.get_by_text("You have withdrawn from Mastering Fractions.")).to_be_visible()
    expect(page.get_by_role("region", name="Your Work Groups")).to_contain_text(
        "You have not joined a Work Group yet"
    )
    axe_check(page)
    assert Enrolment.objects.get(teacher__email=EMAIL).status == "withdrawn"
    subjects = [m.subject for m in mail.outbox if m.to == [EMAIL]]
    assert "You have a place on Mastering Fractions" in subjects
    assert "You have withdrawn from Mastering Fractions" in subjects
