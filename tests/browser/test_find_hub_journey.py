"""A teacher finds their Maths Hub from their school's name, in a real browser."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_school

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def carmel(hub):
    lead = hub.partnerships.get(role="lead")
    lead.school = make_school(name="Carmel College", la_code="841", postcode="DL3 8RW")
    lead.save()
    make_school(name="Carmel Road Primary", la_code="840")
    return lead.school


def test_a_teacher_finds_their_hub_from_their_school_name(page: Page, axe_check, carmel):
    page.goto("/")
    axe_check(page)

    page.get_by_label("School name, URN or postcode").fill("carmel college")
    page.get_by_role("button", name="Find my hub").click()

    expect(page).to_have_url("/find/?q=carmel+college")
    results = page.get_by_role("region", name="1 school found for “carmel college”")
    expect(results).to_be_visible()
    expect(results).to_contain_text(f"URN {carmel.urn}")
    expect(results).to_contain_text("Darlington")
    axe_check(page)

    results.get_by_role("link", name="Archimedes NE Maths Hub").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Archimedes NE Maths Hub")
    leads = page.get_by_role("region", name="Lead school")
    expect(leads).to_contain_text("Carmel College")
    expect(page.get_by_role("region", name="Area covered")).to_contain_text("Darlington")
    axe_check(page)


def test_a_teacher_who_cannot_find_their_school_picks_their_authority(
    page: Page, axe_check, carmel
):
    page.goto("/find/")
    page.get_by_label("School name, URN or postcode").fill("Nowhere Academy")
    page.get_by_role("button", name="Find my hub").click()
    expect(
        page.get_by_role("heading", name="No schools found for “Nowhere Academy”")
    ).to_be_visible()
    axe_check(page)

    page.get_by_label("School name, URN or postcode").fill("")
    page.get_by_label("Or choose your local authority").select_option(label="Lancashire")
    page.get_by_role("button", name="Find my hub").click()

    answer = page.get_by_role("region", name="Hubs covering Lancashire")
    expect(answer).to_contain_text("Abacus NW Maths Hub")
    expect(answer).to_contain_text("Cumbria and North Lancashire Maths Hub")
    axe_check(page)
