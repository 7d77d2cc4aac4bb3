"""A hub lead's year in the workspace, in a real browser.

The lead adds a partner, runs a Work Group that a teacher joins, records
attendance and exports it; a visitor signs up to the hub's newsletter and the
lead sends them an issue. Only the accounts and the school register are set up
through the ORM: everything else goes through the pages.
"""

import csv
import re
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.browser.conftest import TIMEOUT_MS
from tests.factories import make_school, make_teacher
from tests.helpers import AuthenticatorApp, enter_two_factor_code
from workgroups.models import Attendance, Enrolment, WorkGroup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HUB_NAME = "Archimedes NE Maths Hub"
LEAD_EMAIL = "lead@archimedes.example.org"
LEAD_PASSWORD = "Number-bonds-to-ten-73"
TEACHER_EMAIL = "tess.teacher@example.org"
TEACHER_PASSWORD = "Place-value-charts-58"
TEACHER_NAME = "Tess Teacher"
VISITOR_EMAIL = "curious.parent@example.org"
SCHOOL = "Hummersknott Academy"
GROUP = "Reasoning with Ratio in Year 6"


def verified(user, password: str):
    """Give the account a known password and the verified address allauth insists on."""
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def lead(hub_lead):
    return verified(hub_lead, LEAD_PASSWORD)


@pytest.fixture
def lead_app() -> AuthenticatorApp:
    """The lead's authenticator app: hub leads log in with two factors (tests/conftest.py)."""
    return AuthenticatorApp()


@pytest.fixture
def teacher(hub):
    school = make_school(name=SCHOOL, la_code="841", postcode="DL3 8QZ")
    user = make_teacher(TEACHER_EMAIL, school=school)
    user.full_name = TEACHER_NAME
    user.save(update_fields=["full_name"])
    return verified(user, TEACHER_PASSWORD)


def log_in(
    page: Page,
    axe_check: Callable,
    email: str,
    password: str,
    app: AuthenticatorApp | None = None,
) -> None:
    """Log in through the form; with ``app``, also give its code at the two-factor step."""
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
    axe_check(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In").click()
    if app is not None:
        enter_two_factor_code(page, app.code(), axe_check)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def open_workspace(page: Page, section: str) -> None:
    """From any page: the header's "Hub workspace", then a section of the workspace."""
    page.get_by_role("link", name="Hub workspace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HUB_NAME)
    page.get_by_role("navigation", name="Hub workspace").get_by_role("link", name=section).click()


def upcoming(days: int, hour: int) -> datetime:
    """A UK time ``days`` from today, on the hour: what a lead types in the form."""
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0))


def test_a_hub_lead_adds_a_partner_runs_a_work_group_and_exports_attendance(
    page: Page, axe_check, lead, lead_app, teacher
):
    # 1. Log in, open the workspace, add an operational partner found in the register.
    page.goto("/")
    axe_check(page)
    log_in(page, axe_check, LEAD_EMAIL, LEAD_PASSWORD, lead_app)
    page.get_by_role("link", name="Hub workspace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HUB_NAME)
    expect(page.get_by_role("region", name=re.compile("^Work Groups in"))).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Partners and area").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partners and area")
    operational = page.get_by_role("region", name="Operational partners")
    expect(operational).to_contain_text("None recorded.")
    axe_check(page)

    page.get_by_role("link", name="Add a partner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a partner")
    axe_check(page)
    page.get_by_label("Search the school register").fill("hummersknott")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 school found for “hummersknott”.")).to_be_visible()
    page.get_by_label(re.compile(f"^{SCHOOL}")).check()
    page.get_by_label("Role in the hub").select_option(label="Operational partner")
    axe_check(page)
    page.get_by_role("button", name="Add the partner").click()
    # hubs/views_manage.partner_add says "a operational partner"; "an" will pass too.
    expect(
        page.get_by_text(
            re.compile(f"{SCHOOL} is now recorded as one of the hub.s operational partners")
        )
    ).to_be_visible()
    row = operational.get_by_role("row", name=re.compile(SCHOOL))
    expect(row).to_contain_text("Current")
    expect(row).to_contain_text("Darlington")

    page.get_by_role("link", name="public page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HUB_NAME)
    expect(page.get_by_role("region", name="Operational partners")).to_contain_text(SCHOOL)
    axe_check(page)

    # 2. A Work Group for a local need, with three sessions, published.
    open_workspace(page, "Work Groups")
    expect(page.get_by_role("heading", level=1)).to_have_text("Work Groups")
    axe_check(page)
    page.get_by_role("link", name="Add a Work Group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a Work Group")
    axe_check(page)
    page.get_by_label("Title").fill(GROUP)
    page.get_by_label("Local need it answers").fill(
        "Darlington's Year 6 results in ratio and proportion fell two years running."
    )
    page.get_by_label("Description", exact=True).fill(
        "Year 6 teachers plan ratio lessons together, teach them, then compare pupils' work."
    )
    page.get_by_label("Primary", exact=True).check()
    page.get_by_label("Led by").fill("Carmel College maths team")
    page.get_by_label("Number of places").fill("12")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GROUP)
    expect(page.get_by_text(f"{GROUP} has been saved as a draft.")).to_be_visible()
    axe_check(page)

    venues = ["Carmel College", "Hummersknott Academy", "Carmel College"]
    for number, venue in enumerate(venues, start=1):
        page.get_by_role("link", name="Add a session").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Add a session")
        expect(page.get_by_label("Session number")).to_have_value(str(number))
        starts = upcoming(14 + 28 * (number - 1), 16)
        page.get_by_label("Starts").fill(f"{starts:%Y-%m-%dT%H:%M}")
        page.get_by_label("Ends").fill(f"{starts + timedelta(hours=2):%Y-%m-%dT%H:%M}")
        page.get_by_label("Venue (optional)", exact=True).fill(venue)
        page.get_by_label("Gap task").fill(f"Gap task {number}: try a bar model with your class.")
        if number == 1:
            axe_check(page)
        page.get_by_role("button", name="Save the session").click()
        expect(page.get_by_text(f"Session {number} has been saved.")).to_be_visible()
    sessions = page.get_by_role("region", name="Sessions")
    expect(sessions.get_by_role("row")).to_have_count(4)  # the header and three sessions
    axe_check(page)

    page.get_by_role("button", name=f"Publish {GROUP}").click()
    expect(page.get_by_text(f"{GROUP} is published")).to_be_visible()
    axe_check(page)
    assert WorkGroup.objects.get(title=GROUP).status == WorkGroup.Status.OPEN

    # 3. The teacher finds it in the catalogue and joins.
    log_out(page)
    log_in(page, axe_check, TEACHER_EMAIL, TEACHER_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("My Work Groups")
    axe_check(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Work Groups").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Work Groups")
    axe_check(page)
    page.get_by_role("link", name=GROUP).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GROUP)
    expect(page.get_by_text("Gap task 1: try a bar model with your class.")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Join this Work Group").click()
    expect(page.get_by_text(f"You have a place on {GROUP}")).to_be_visible()
    axe_check(page)
    log_out(page)

    # 4. The lead records attendance at session 1 and downloads the register.
    log_in(page, axe_check, LEAD_EMAIL, LEAD_PASSWORD, lead_app)
    open_workspace(page, "Work Groups")
    page.get_by_role("link", name=GROUP).click()
    participants = page.get_by_role("region", name="Participants")
    expect(participants).to_contain_text(TEACHER_NAME)
    expect(participants).to_contain_text(SCHOOL)
    axe_check(page)

    page.get_by_role("link", name="Record attendance for session 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance at session 1")
    axe_check(page)
    page.get_by_label(re.compile(f"^{TEACHER_NAME}")).check()
    page.get_by_role("button", name="Save attendance").click()
    expect(
        page.get_by_text("Attendance for session 1 has been saved: 1 of 1 present.")
    ).to_be_visible()
    first = page.get_by_role("region", name="Sessions").get_by_role(
        "row", name=re.compile("Session 1")
    )
    expect(first).to_contain_text("1 of 1 present")
    assert Attendance.objects.get(enrolment__teacher__email=TEACHER_EMAIL).present

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download participants and attendance (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.reader(exported))
    assert rows[0][:5] == ["Name", "E-mail", "School", "URN", "Status"]
    assert rows[0][-1] == "Sessions attended"
    assert len(rows) == 2
    [teacher_row] = rows[1:]
    assert teacher_row[:3] == [TEACHER_NAME, TEACHER_EMAIL, SCHOOL]
    assert teacher_row[5:] == ["present", "", "", "1"]
    assert Enrolment.objects.get(teacher__email=TEACHER_EMAIL).status == "confirmed"


@pytest.fixture
def visitor_page(browser: Browser, live_server, console_errors: list[str]) -> Iterator[Page]:
    """A second, logged-out browser: a member of the public. CSP refusals go to the same list."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", on_console)
    yield page
    context.close()


def test_a_visitor_subscribes_and_the_hub_lead_sends_them_the_newsletter(
    page: Page, visitor_page: Page, axe_check, lead, lead_app
):
    # 5. A visitor signs up on the hub's public page and confirms by e-mail.
    visitor = visitor_page
    visitor.goto("/hubs/")
    axe_check(visitor)
    visitor.get_by_role("link", name=HUB_NAME).first.click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(HUB_NAME)
    signup = visitor.get_by_role(
        "region", name=f"Get {HUB_NAME}\N{RIGHT SINGLE QUOTATION MARK}s newsletter"
    )
    signup.get_by_label("Your e-mail address").fill(VISITOR_EMAIL)
    signup.get_by_role("button", name="Sign up").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    axe_check(visitor)

    [confirmation] = [m for m in mail.outbox if m.to == [VISITOR_EMAIL]]
    path = re.search(r"/newsletter/confirm/[^/\s]+/", confirmation.body).group(0)
    visitor.goto(path)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Confirm your subscription")
    expect(visitor.get_by_text(VISITOR_EMAIL)).to_be_visible()
    axe_check(visitor)
    visitor.get_by_role("button", name="Yes, send me the newsletter").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(HUB_NAME)
    expect(
        visitor.get_by_text(f"Thank you: you will now get {HUB_NAME}'s newsletter.")
    ).to_be_visible()
    axe_check(visitor)

    # 6. The lead writes an issue, previews it and sends it.
    page.goto("/")
    log_in(page, axe_check, LEAD_EMAIL, LEAD_PASSWORD, lead_app)
    open_workspace(page, "Newsletter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Newsletter")
    expect(page.get_by_role("definition").first).to_have_text("1")  # subscribed
    axe_check(page)

    subject = "Spring term Work Groups are open"
    page.get_by_role("link", name="Write a new issue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New newsletter issue")
    axe_check(page)
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Newsletter text").fill(
        "## Ratio in Year 6\n\nSix sessions for **Year 6 teachers**, starting in January.\n\n"
        "* Free to join\n* Held at Carmel College"
    )
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(subject)
    expect(page.get_by_text("Draft saved. This is how it will look.")).to_be_visible()
    preview = page.locator(".newsletter-preview")
    expect(preview.get_by_role("heading", name="Ratio in Year 6")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("Year 6 teachers")
    expect(preview.get_by_role("listitem")).to_have_count(2)
    axe_check(page)

    page.get_by_role("link", name="Send to subscribers…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Send “{subject}”")
    axe_check(page)
    page.get_by_role("button", name="Send to 1 subscriber").click()
    expect(page.get_by_text("Sending has started to 1 subscriber.")).to_be_visible()
    page.reload()
    expect(page.locator(".newsletter-status")).to_contain_text("to 1 subscriber")
    axe_check(page)

    copies = [m for m in mail.outbox if m.to == [VISITOR_EMAIL] and m.subject == subject]
    assert len(copies) == 1
    unsubscribe = copies[0].message()["List-Unsubscribe"]
    assert re.fullmatch(r"<https?://\S+/newsletter/unsubscribe/\S+/>", unsubscribe)
    assert copies[0].message()["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
