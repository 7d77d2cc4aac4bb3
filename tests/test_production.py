"""The production profile, as `make serve` runs it: real gunicorn over HTTPS.

Headers and cookies are read off real responses of a gunicorn process started
with the production settings (DEBUG off, Secure cookies, HSTS, HTTPS
redirect) and a self-signed certificate, against this test's database.
"""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.factories import make_teacher
from tests.servers import Portal, ProcessGroup, database_url

STRICT_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PASSWORD = "a-long-passphrase-for-tests-7"


@pytest.fixture
def portal(tmp_path, settings, transactional_db):
    group = ProcessGroup(tmp_path)
    portal = Portal(
        group,
        database_url=database_url(settings.DATABASES["default"]),
        secret_key=settings.SECRET_KEY,
        tls=True,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
    )
    portal.start_web(workers=1)
    portal.wait_ready()
    yield portal
    group.stop_all()


def csp_directives(header: str) -> dict:
    return {
        name: " ".join(values)
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def cookie_attributes(lines: list[str], name: str) -> set[str]:
    """The attributes of the cookie ``name``, lower-cased: {"secure", "samesite=lax", ...}."""
    [line] = [line for line in lines if line.startswith(f"{name}=")]
    return {part.strip().lower() for part in line.split(";")[1:]}


@pytest.mark.faults
def test_real_responses_carry_the_security_headers_and_secure_cookies(portal, reference_data):
    teacher = make_teacher()
    # The production hasher (the tests' own is MD5, which production refuses).
    teacher.password = PBKDF2PasswordHasher().encode(PASSWORD, "testsalt0123", iterations=1000)
    teacher.save(update_fields=["password"])
    EmailAddress.objects.create(user=teacher, email=teacher.email, verified=True, primary=True)

    with portal.group.logs_on_failure():
        home = portal.request("GET", "/")
        assert home.status == 200
        csp = csp_directives(home.headers["content-security-policy"])
        for directive, value in STRICT_CSP.items():
            assert csp[directive] == value, directive
        assert "unsafe-inline" not in home.headers["content-security-policy"]
        assert home.headers["strict-transport-security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert home.headers["x-content-type-options"] == "nosniff"
        assert home.headers["referrer-policy"] == "same-origin"
        assert home.headers["x-frame-options"] == "DENY"
        assert re.fullmatch(r"[0-9a-f]{32}", home.headers["x-request-id"])

        # The log-in form sets a Secure CSRF cookie; logging in, a session
        # cookie that scripts cannot read and other sites cannot send.
        form = portal.request("GET", "/account/login/")
        assert {"secure"} <= cookie_attributes(form.set_cookie_lines, "csrftoken")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        logged_in = portal.request(
            "POST",
            "/account/login/",
            cookies={"csrftoken": form.set_cookies["csrftoken"]},
            headers={"Referer": f"https://127.0.0.1:{portal.port}/account/login/"},
            form={"login": teacher.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert logged_in.status == 302, logged_in.text[:2000]
        session = cookie_attributes(logged_in.set_cookie_lines, "sessionid")
        assert {"secure", "httponly", "samesite=lax"} <= session

        mine = portal.request(
            "GET", "/my/workgroups/", cookies={"sessionid": logged_in.set_cookies["sessionid"]}
        )
        assert mine.status == 200
        assert "Log out" in mine.text

        # Static files: a year in browsers' caches.
        css = portal.request("GET", "/static/css/portal.css")
        assert css.status == 200
        assert "max-age=31536000" in css.headers["cache-control"]

        health = portal.request("GET", "/healthz")
        assert health.status == 200
        assert json.loads(health.text) == {"status": "ok", "database": "ok", "broker": "ok"}
