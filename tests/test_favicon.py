"""The portal's icon: linked from every layout, and /favicon.ico answers too."""

import pytest
from django.template.loader import render_to_string
from django.templatetags.static import static

ICON = static("img/favicon.svg")
LINK = f'<link rel="icon" href="{ICON}" type="image/svg+xml">'


def test_favicon_ico_leads_to_the_svg_icon(client):
    # Browsers ask for /favicon.ico whatever the page links: no 404 in the logs.
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == ICON
    assert "max-age=86400" in response["Cache-Control"]

    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    svg = b"".join(icon.streaming_content).decode()
    assert svg.startswith("<svg")
    # Drawn with shapes only: nothing a strict CSP or a sanitiser would drop.
    assert "<script" not in svg
    assert "style=" not in svg


@pytest.mark.django_db
def test_pages_link_the_icon(client):
    assert LINK in client.get("/").content.decode()
    assert LINK in client.get("/no-such-page/").content.decode()


@pytest.mark.parametrize("template", ["500.html", "503.html"])
def test_the_standalone_error_pages_link_the_icon(template):
    assert LINK in render_to_string(template)
