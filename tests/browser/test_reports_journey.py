"""An NCETM officer reads the network reports in a real browser.

National report, filtered to a region, then a hub and one of its Work Groups,
and a table downloaded as CSV; the gaps and the trend on the way. axe-core
checks every page, and the page fixture fails the test on any Content Security
Policy refusal (the charts are inline SVG styled from portal.css).
"""

import csv
import io
import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from hubs.models import Hub
from hubs_portal.lib.academic_year import academic_year_label, current_academic_year
from tests.factories import make_school, make_session, make_teacher, make_workgroup
from tests.helpers import AuthenticatorApp, enter_two_factor_code
from workgroups.models import Attendance, Enrolment, WorkGroup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Quintiles-and-medians-42"
YEAR_LABEL = academic_year_label(current_academic_year())


@pytest.fixture
def officer(ncetm_staff):
    ncetm_staff.set_password(PASSWORD)
    ncetm_staff.save(update_fields=["password"])
    EmailAddress.objects.create(
        user=ncetm_staff, email=ncetm_staff.email, verified=True, primary=True
    )
    return ncetm_staff


@pytest.fixture
def year_of_work_groups(hub):
    """Two North East hubs and one in the North West, each with a Work Group this year."""
    darlington = make_school(name="Harrowgate Hill Primary", fsm_percentage=Decimal("18.2"))
    gateshead = make_school(name="Gateshead Primary", la_code="390", fsm_percentage=Decimal("41.0"))
    bury = make_school(name="Bury Church Primary", la_code="351", fsm_percentage=Decimal("9.5"))
    fractions = make_workgroup(hub, title="Fractions in Year 4", capacity=12)
    session = make_session(fractions, 1, timezone.now())
    for school, status in ((darlington, "confirmed"), (gateshead, "completed")):
        enrolment = Enrolment.objects.create(
            workgroup=fractions, teacher=make_teacher(school=school), school=school, status=status
        )
        Attendance.objects.create(session=session, enrolment=enrolment, present=True)
    Enrolment.objects.create(
        workgroup=fractions, teacher=make_teacher(school=bury), school=bury, status="waiting"
    )
    WorkGroup.objects.filter(pk=fractions.pk).update(places_taken=2)
    for slug, school in (("great-north", gateshead), ("north-west-one", bury)):
        group = make_workgroup(Hub.objects.get(slug=slug), capacity=10)
        Enrolment.objects.create(
            workgroup=group, teacher=make_teacher(school=school), school=school, status="confirmed"
        )
        WorkGroup.objects.filter(pk=group.pk).update(places_taken=1)
    return fractions


def test_an_ncetm_officer_drills_down_from_the_nation_to_a_work_group(
    page: Page, axe_check, officer, year_of_work_groups
):
    page.goto("/account/login/")
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # NCETM staff have an authenticator app (tests/conftest.py): the second step.
    enter_two_factor_code(page, AuthenticatorApp().code(), axe_check)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto("/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"The Maths Hubs network, {YEAR_LABEL}"
    )
    expect(
        page.get_by_role(
            "img",
            name=f"Share of the area\N{RIGHT SINGLE QUOTATION MARK}s open schools engaged, by hub, {YEAR_LABEL}",
        )
    ).to_be_visible()
    axe_check(page)

    page.get_by_label("Region (optional)").select_option(label="North East")
    page.get_by_role("button", name="Show the report").click()
    expect(page).to_have_url(re.compile(r"/reports/\?year=\d{4}&region=E12000001"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Hubs based in North East, {YEAR_LABEL}"
    )
    hubs_table = page.get_by_role(
        "table", name=f"Engagement and Work Groups by hub, {YEAR_LABEL} (hubs based in North East)"
    )
    expect(hubs_table.get_by_role("row")).to_have_count(4)  # heading, two hubs, totals
    expect(hubs_table).not_to_contain_text("North West One")
    axe_check(page)

    hubs_table.get_by_role("link", name="Archimedes NE Maths Hub").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Archimedes NE Maths Hub, {YEAR_LABEL}"
    )
    axe_check(page)

    page.get_by_role("link", name="Fractions in Year 4").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fractions in Year 4")
    expect(page.get_by_text("2 of 12")).to_be_visible()
    axe_check(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV file: Schools taking part").click()
    download = download_info.value
    assert download.suggested_filename == f"work-group-{year_of_work_groups.slug}-schools.csv"
    with open(download.path(), encoding="utf-8-sig") as file:
        lines = list(csv.reader(io.StringIO(file.read())))
    assert lines[0][:4] == ["School", "URN", "Local authority", "Teachers holding a place"]
    assert sorted(line[0] for line in lines[1:]) == [
        "Bury Church Primary",
        "Gateshead Primary",
        "Harrowgate Hill Primary",
    ]

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="North East").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Hubs based in North East, {YEAR_LABEL}"
    )
    axe_check(page)

    page.get_by_role("navigation", name="Reports").get_by_role(
        "link", name="Closing the gaps"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Closing the gaps, {YEAR_LABEL}")
    axe_check(page)
    page.get_by_role("navigation", name="Reports").get_by_role(
        "link", name="Trend over the years"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trend over the years")
    axe_check(page)
