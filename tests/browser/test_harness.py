"""The checks themselves: a broken page must fail them, or a green run means nothing."""

import pytest
from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_axe_check_reports_rule_impact_and_element(page: Page, axe_check):
    page.goto("/no-such-page/")
    page.evaluate(
        """() => {
            const image = document.createElement("img");
            image.id = "no-alt";
            image.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
            document.querySelector("main").append(image);
        }"""
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        axe_check(page)
    report = str(failure.value)
    assert "[image-alt] (critical)" in report
    assert "#no-alt" in report


def test_csp_refusals_fail_the_check(page: Page, axe_check, console_errors):
    page.goto("/no-such-page/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "document.title = 'ran'";
            document.body.append(script);
        }"""
    )
    with pytest.raises(pytest.fail.Exception, match=r"CSP: .*Content Security Policy"):
        axe_check(page)
    assert page.title() != "ran"
    # Handled here: without this the page fixture would fail the test on teardown.
    console_errors.clear()
