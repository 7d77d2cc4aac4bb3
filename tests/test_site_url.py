"""One address for the portal: every absolute link it writes comes from SITE_URL.

Requests arrive here with a Host header the portal does not answer to (a
laptop's other port, or an attacker's server with ALLOWED_HOSTS too wide):
no e-mail, feed or copyable link may carry it. And production refuses to
deploy without a proper SITE_URL (hubs_portal/checks.py).
"""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from hubs_portal.checks import check_site_url
from notifications.models import Email
from tests.factories import make_session, make_teacher, make_workgroup
from tests.test_settings import PRODUCTION, run_manage

SITE = "https://portal.example.org"
PASSWORD = "correct-horse-battery-staple-42"
# Another port of this machine (allowed, as 127.0.0.1 is) and a stranger's
# server (allowed below, as a too-wide ALLOWED_HOSTS would).
FORGED_HOSTS = ["127.0.0.1:9999", "attacker.example"]
LINK = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "attacker.example"]


def assert_links_are_the_portals(text: str, host: str) -> list[str]:
    """Every absolute link in ``text`` is on SITE_URL; the forged host appears nowhere."""
    assert host not in text, text
    links = LINK.findall(text)
    assert links, f"no link in:\n{text}"
    for link in links:
        assert link.startswith(f"{SITE}/"), f"{link} is not on {SITE}:\n{text}"
    return links


def the_only_email(to: str) -> str:
    [row] = Email.objects.filter(to__iexact=to)
    assert row.status == Email.Status.SENT
    [message] = [m for m in mail.outbox if m.to == [row.to]]
    return message.body


def make_account(email: str, *, verified: bool = True) -> User:
    user = User.objects.create_user(email, PASSWORD)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


# ---- allauth's e-mails --------------------------------------------------------


@pytest.mark.parametrize("host", FORGED_HOSTS)
def test_the_password_reset_link_is_on_site_url_whatever_the_host(
    client, db, host, django_capture_on_commit_callbacks
):
    make_account("ada@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_reset_password"), {"email": "ada@example.org"}, HTTP_HOST=host
        )

    assert response.status_code == 302
    body = the_only_email("ada@example.org")
    links = assert_links_are_the_portals(body, host)
    reset = next(link for link in links if "/account/password/reset/key/" in link)
    # And the link works, on the portal it names.
    response = client.get(reset.removeprefix(SITE))
    assert response.status_code == 302
    assert "set-password" in response.url


@pytest.mark.parametrize("host", FORGED_HOSTS)
def test_the_sign_up_confirmation_link_is_on_site_url_whatever_the_host(
    client, db, host, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "grace@example.org", "password1": PASSWORD, "password2": PASSWORD},
            HTTP_HOST=host,
        )

    links = assert_links_are_the_portals(the_only_email("grace@example.org"), host)
    assert any(link.startswith(f"{SITE}/account/confirm-email/") for link in links)


@pytest.mark.parametrize("host", FORGED_HOSTS)
def test_a_reset_for_an_unknown_address_links_to_sign_up_on_site_url(
    client, db, host, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_reset_password"), {"email": "nobody@example.org"}, HTTP_HOST=host
        )

    links = assert_links_are_the_portals(the_only_email("nobody@example.org"), host)
    assert f"{SITE}{reverse('account_signup')}" in links


@pytest.mark.parametrize("host", FORGED_HOSTS)
def test_signing_up_with_a_taken_address_links_to_the_reset_on_site_url(
    client, db, host, django_capture_on_commit_callbacks
):
    make_account("ada@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "ada@example.org", "password1": PASSWORD, "password2": PASSWORD},
            HTTP_HOST=host,
        )

    links = assert_links_are_the_portals(the_only_email("ada@example.org"), host)
    assert f"{SITE}{reverse('account_reset_password')}" in links


def test_a_change_notification_names_the_portal_not_the_host(
    client, db, django_capture_on_commit_callbacks
):
    user = make_account("ada@example.org")
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": "a-new-pass-phrase-9",
                "password2": "a-new-pass-phrase-9",
            },
            HTTP_HOST="attacker.example",
        )

    assert response.status_code == 302
    assert_links_are_the_portals(the_only_email("ada@example.org"), "attacker.example")


# ---- The portal's own e-mails and links ------------------------------------------


def test_the_enrolment_email_links_to_site_url_whatever_the_host(
    client, hub, django_capture_on_commit_callbacks
):
    workgroup = make_workgroup(hub)
    make_session(workgroup, 1, timezone.now() + timedelta(days=14))
    teacher = make_teacher("tess@example.org")
    client.force_login(teacher)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("workgroups:join", args=[workgroup.slug]), HTTP_HOST="attacker.example"
        )

    assert response.status_code == 302
    assert_links_are_the_portals(the_only_email("tess@example.org"), "attacker.example")


def test_the_newsletter_confirmation_links_to_site_url_whatever_the_host(
    client, hub, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("newsletters:subscribe", args=[hub.slug]),
            {"newsletter-email": "ann@example.org"},
            HTTP_HOST="attacker.example",
        )

    links = assert_links_are_the_portals(the_only_email("ann@example.org"), "attacker.example")
    assert any("/newsletter/" in link for link in links)


def test_the_calendar_feed_address_shown_to_copy_is_on_site_url(client, reference_data):
    teacher = make_teacher("tess@example.org")
    client.force_login(teacher)

    response = client.get(reverse("workgroups:mine"), HTTP_HOST="attacker.example")

    feed = f"{SITE}{reverse('workgroups:calendar', args=[teacher.calendar_token])}"
    assert f'value="{feed}"' in response.content.decode()
    assert "attacker.example" not in response.content.decode()


# ---- Production refuses to deploy without SITE_URL --------------------------------


def deploy_check_messages(settings, site_url: str, *, debug: bool = False) -> list[str]:
    settings.DEBUG = debug
    settings.SITE_URL = site_url
    settings.ALLOWED_HOSTS = ["portal.example.org"]
    return [f"{issue.id}: {issue.msg}" for issue in check_site_url()]


@pytest.mark.parametrize(
    ("site_url", "problem"),
    [
        ("", "portal.E001: SITE_URL is not set"),
        ("http://localhost:8000", "portal.E001: SITE_URL='http://localhost:8000' points at"),
        ("https://127.0.0.1", "portal.E001"),
        ("portal.example.org", "portal.E002: SITE_URL='portal.example.org' is not the absolute"),
        ("ftp://portal.example.org", "portal.E002"),
        ("https://portal.example.org/portal", "portal.E002"),
        ("https://portal.example.org/?next=/", "portal.E002"),
        ("https://user:secret@portal.example.org", "portal.E002"),
        ("https://portal.example.org:http", "portal.E002"),
        ("http://portal.example.org", "portal.E003: SITE_URL='http://portal.example.org' is plain"),
        ("https://elsewhere.example.org", "portal.W001: SITE_URL's host 'elsewhere.example.org'"),
    ],
)
def test_a_production_site_url_must_be_the_public_https_address(settings, site_url, problem):
    [message] = deploy_check_messages(settings, site_url)
    assert message.startswith(problem)


@pytest.mark.parametrize(
    "site_url", [SITE, f"{SITE}/", "https://portal.example.org:8443", "https://PORTAL.example.org"]
)
def test_the_public_https_address_passes(settings, site_url):
    assert deploy_check_messages(settings, site_url) == []


def test_a_laptop_keeps_the_localhost_default(settings):
    assert deploy_check_messages(settings, "http://localhost:8000", debug=True) == []


def test_check_deploy_fails_without_site_url_and_passes_with_it(settings, capsys):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["portal.example.org"]
    settings.SITE_URL = "http://localhost:8000"  # the default: not set in the environment
    with pytest.raises(SystemCheckError, match=r"portal\.E001.*SITE_URL"):
        call_command("check", "--deploy", "--tag", "security")

    settings.SITE_URL = SITE
    call_command("check", "--deploy", "--tag", "security", "--fail-level", "ERROR")
    assert "portal." not in capsys.readouterr().out


def test_production_without_site_url_in_the_environment_fails_the_deploy_checks():
    # As `make test` and a deployment run it: a real process, settings from
    # the environment, SITE_URL left out.
    result = run_manage("check", "--deploy", env=PRODUCTION | {"SITE_URL": ""})

    assert result.returncode != 0
    assert "(portal.E001) SITE_URL='http://localhost:8000' points at" in result.stderr
    assert "HINT: Set the portal's public address in the environment" in result.stderr
