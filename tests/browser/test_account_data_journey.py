"""A teacher downloads everything the portal holds about them, then deletes their account."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.factories import make_school, make_session, make_teacher, make_workgroup
from workgroups.models import Enrolment
from workgroups.services import enrolment_join

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "dora.data@example.org"
PASSWORD = "Bar-models-for-fractions-31"
NAME = "Dora Data"


@pytest.fixture
def teacher(hub):
    """A teacher with a verified address, a place in a Work Group that has begun
    and one in a Work Group still to come."""
    user = make_teacher(EMAIL, school=make_school(name="Carmel College", la_code="841"))
    user.full_name = NAME
    user.set_password(PASSWORD)
    user.save(update_fields=["full_name", "password"])
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    now = timezone.now()
    begun = make_workgroup(hub, title="Reasoning in the Primary Classroom")
    make_session(begun, 1, now - timedelta(days=7))
    coming = make_workgroup(hub, title="Mastering Fractions")
    make_session(coming, 1, now + timedelta(days=21))
    for group in (begun, coming):
        enrolment_join(workgroup_id=group.pk, teacher=user)
    return user


def test_a_teacher_downloads_their_data_then_deletes_their_account(page: Page, axe_check, teacher):
    # Log in.
    page.goto("/account/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # From the profile to "Your data".
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Profile").click()
    axe_check(page)
    page.get_by_role("link", name="Download your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    axe_check(page)

    # The download: a dated JSON file with everything about them.
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Download your data")).click()
    download = info.value
    today = timezone.localdate()
    assert download.suggested_filename == f"maths-hubs-your-data-{today:%Y-%m-%d}.json"
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == EMAIL
    assert data["account"]["full_name"] == NAME
    assert [e["work_group"] for e in data["enrolments"]] == [
        "Reasoning in the Primary Classroom",
        "Mastering Fractions",
    ]

    # The confirmation page explains, and lists the place given up.
    page.get_by_role("link", name="delete your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    expect(page.get_by_role("listitem").filter(has_text="Mastering Fractions")).to_be_visible()
    axe_check(page)

    # A wrong password is refused, and says so.
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_role("button", name="Delete your account").click()
    expect(page.get_by_role("alert")).to_contain_text("That is not your password")
    expect(page).to_have_title(re.compile("^Error: "))
    axe_check(page)
    assert User.objects.get(pk=teacher.pk).deleted_at is None

    # The right one deletes the account and logs out.
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account has been deleted")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    axe_check(page)

    teacher.refresh_from_db()
    assert teacher.is_deleted
    assert not User.objects.filter(email__iexact=EMAIL).exists()
    statuses = dict(
        Enrolment.objects.filter(teacher=teacher).values_list("workgroup__title", "status")
    )
    assert statuses == {
        "Reasoning in the Primary Classroom": "confirmed",
        "Mastering Fractions": "withdrawn",
    }

    # Logging in again is refused.
    page.goto("/account/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
