"""A new hub lead sets up two-factor authentication on the way to the workspace, in a real browser.

They log in with their password, are sent from the workspace to set up an
authenticator app, "scan" it (the test reads the setup key shown under the QR
code and computes the codes as the app would), keep their recovery codes and
carry on to the workspace. Then they log in with password and code, and once
with a recovery code. axe-core checks every page; the page fixture fails the
test on any Content Security Policy refusal.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from accounts.models import User
from hubs.models import HubMembership
from tests.helpers import AuthenticatorApp, enter_two_factor_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HUB_NAME = "Archimedes NE Maths Hub"
EMAIL = "nadia.new@archimedes.example.org"
PASSWORD = "Times-tables-to-twelve-88"


@pytest.fixture
def new_lead(hub) -> User:
    """A lead just given the role in the admin: a password, a verified address, no app yet."""
    user = User.objects.create_user(EMAIL, PASSWORD, full_name="Nadia New")
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    HubMembership.objects.create(hub=hub, user=user, role=HubMembership.Role.LEAD)
    return user


def log_in_with_password(page: Page, axe_check) -> None:
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_a_new_lead_sets_up_two_factors_then_logs_in_with_a_code_and_a_recovery_code(
    page: Page, axe_check, new_lead
):
    # 1. Password only: no authenticator yet. The workspace sends them to set one up.
    page.goto("/")
    log_in_with_password(page, axe_check)
    expect(page.get_by_role("heading", level=1)).to_have_text("My Work Groups")
    page.get_by_role("link", name="Hub workspace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(
        page.get_by_text(
            "Hub team members and NCETM staff must sign in with two-factor authentication. "
            "Set up an authenticator app to continue to the hub workspace."
        )
    ).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("^QR code for your authenticator app"))
    ).to_be_visible()
    axe_check(page)

    # 2. "Scan" the QR code: the app gets the setup key shown beside it.
    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    app = AuthenticatorApp(secret)

    # A mistyped code is refused, with the error tied to the field.
    code = page.get_by_label("Code from your authenticator app")
    code.fill("12345")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_label("Code from your authenticator app")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert page.locator("#totp-secret").inner_text().strip() == secret  # the same key
    axe_check(page)

    page.get_by_label("Code from your authenticator app").fill(app.code())
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    # 3. The recovery codes, then on to where they were going.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_text("Two-factor authentication is on")).to_be_visible()
    codes = page.get_by_role("list", name="Unused codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    assert all(re.fullmatch(r"\d{8}", code) for code in codes), codes
    axe_check(page)
    page.get_by_role("link", name="Continue to the hub workspace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HUB_NAME)
    axe_check(page)

    # The profile leads to the two-factor page.
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    expect(page.get_by_role("region", name="Authenticator app")).to_contain_text("On.")
    expect(page.get_by_role("region", name="Recovery codes")).to_contain_text(
        "10 of 10 codes unused"
    )
    axe_check(page)

    # 4. Logging in again asks for a code from the app.
    log_out(page)
    log_in_with_password(page, axe_check)
    enter_two_factor_code(page, app.code(), axe_check)
    expect(page.get_by_role("heading", level=1)).to_have_text("My Work Groups")
    page.get_by_role("link", name="Hub workspace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HUB_NAME)

    # 5. Without the phone: a recovery code, once.
    log_out(page)
    log_in_with_password(page, axe_check)
    enter_two_factor_code(page, codes[0])
    expect(page.get_by_role("heading", level=1)).to_have_text("My Work Groups")
    page.goto("/account/2fa/")
    expect(page.get_by_role("region", name="Recovery codes")).to_contain_text(
        "9 of 10 codes unused"
    )
    axe_check(page)

    # allauth's own pages for making new codes and turning it off, in the same layout.
    page.get_by_role("link", name="Make new codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    axe_check(page)
    page.go_back()
    page.get_by_role("link", name="Turn off two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Authenticator App")
    axe_check(page)
