"""The shared layout: skip link, main navigation, error pages, axe-core."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_layout_is_keyboard_friendly_and_accessible(page: Page, axe_check):
    response = page.goto("/")
    assert response is not None
    assert response.status == 200

    # The skip link is the very first stop for a keyboard user...
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()

    # ...and following it puts focus on <main>, past the header and navigation.
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    for other in ("Find your hub", "All hubs"):
        expect(nav.get_by_role("link", name=other)).not_to_have_attribute("aria-current", "page")

    axe_check(page)


def test_navigation_marks_find_your_hub_as_current(page: Page):
    page.goto("/find/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Find your hub")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Home")).not_to_have_attribute("aria-current", "page")


def test_missing_page_shows_the_friendly_404(page: Page, axe_check):
    response = page.goto("/no-such-page/")
    assert response is not None
    assert response.status == 404

    expect(page).to_have_title("Page not found \N{EN DASH} Maths Hubs")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sorry, we can\N{RIGHT SINGLE QUOTATION MARK}t find that page"
    )
    expect(page.get_by_role("link", name="go to the home page")).to_have_attribute("href", "/")
    # No page is current, so no navigation link claims to be.
    expect(page.get_by_role("navigation", name="Main").locator("[aria-current]")).to_have_count(0)

    axe_check(page)
