"""axe-core over every public page, with the reference data loaded.

One page per test, so a failure names the page; the detail pages carry the
awkward cases (historical lead schools, a leadership team, a shared area).
"""

import pytest
from playwright.sync_api import Page

from hubs.models import LeadershipTeamMember
from tests.factories import make_lead, make_school

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def network(hub):
    """The 40 hubs, plus a lead school, a leadership team and schools to find."""
    make_lead(hub, make_school(name="Carmel College", urn=114292))
    make_school(name="Carmel Primary School")
    LeadershipTeamMember.objects.create(
        hub=hub,
        name="Alex Example",
        role=LeadershipTeamMember.Role.SENIOR_LEAD,
        email="alex@example.org",
    )
    return hub


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/", id="home"),
        pytest.param("/find/", id="find"),
        pytest.param("/find/?q=Carmel", id="find-results"),
        pytest.param("/find/?q=Nowhere+In+Particular", id="find-no-results"),
        pytest.param("/find/?la=841", id="find-by-authority"),
        pytest.param("/find/?q=", id="find-error"),
        pytest.param("/hubs/", id="hub-list"),
        pytest.param("/hubs/archimedes-ne/", id="hub-detail"),
        pytest.param("/hubs/cheshire-and-wirral/", id="hub-detail-historical"),
    ],
)
def test_public_page_has_no_accessibility_violations(page: Page, axe_check, network, path):
    response = page.goto(path)
    assert response is not None
    assert response.status == 200
    axe_check(page)


@pytest.mark.parametrize("template", ["500.html", "503.html"])
def test_the_standalone_error_pages_pass_axe(template, page: Page, axe_check, live_server):
    """The pages shown when something fails, as the server renders them (no request)."""
    from django.template.loader import render_to_string

    html = render_to_string(template)
    status = int(template.split(".")[0])
    page.route(
        f"{live_server.url}/standalone-error",
        lambda route: route.fulfill(status=status, body=html, content_type="text/html"),
    )

    page.goto("/standalone-error")

    assert page.locator("h1").count() == 1
    assert page.locator("link[rel=stylesheet]").evaluate("link => link.sheet !== null")
    axe_check(page)
