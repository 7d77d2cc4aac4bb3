import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.db import connection

# The authenticator-app secret of the hub workspace personas (tests/conftest.py):
# base32, 20 bytes, as allauth generates them.
PERSONA_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def page_text(response) -> str:
    """The response body with runs of whitespace collapsed, as a reader sees it."""
    return re.sub(r"\s+", " ", response.content.decode())


def words(response) -> str:
    """What a reader sees: the page without its tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def folded_search_plans(captured_queries) -> list[str]:
    """The plans of the queries that searched folded text (portal_fold), each
    EXPLAINed with sequential scans priced out: PostgreSQL then picks an index
    if one fits the query's shape, so a plan without it means the search no
    longer matches its index. ``captured_queries`` is a CaptureQueriesContext.
    """
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in captured_queries:
            if "portal_fold(" in query["sql"]:
                cursor.execute(f"EXPLAIN {query['sql']}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("RESET enable_seqscan")
    return plans


def activate_totp(user, secret: str = PERSONA_TOTP_SECRET):
    """Give ``user`` an active authenticator app, stored the way allauth stores it."""
    TOTP.activate(user, secret)
    return user


def totp_code(secret: str = PERSONA_TOTP_SECRET, at: float | None = None) -> str:
    """The code an authenticator app shows for ``secret`` now (or at ``at``), by allauth's maths."""
    counter = int(time.time() if at is None else at) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


class AuthenticatorApp:
    """A phone's authenticator app for one secret, as a test uses it.

    allauth accepts each code once (and only in its own 30-second period), so
    ``code()`` never hands out a code twice: when the current one is used, or
    too close to expiring to be typed in time, it waits for the next period.
    """

    MARGIN = 2.0  # seconds a code must still be valid for when handed out

    def __init__(self, secret: str = PERSONA_TOTP_SECRET) -> None:
        self.secret = secret
        self.last_counter: int | None = None

    def code(self) -> str:
        period = mfa_settings.TOTP_PERIOD
        now = time.time()
        counter = int(now) // period
        if self.last_counter is not None and counter <= self.last_counter:
            counter = self.last_counter + 1
        elif (counter + 1) * period - now < self.MARGIN:
            counter += 1
        wait = counter * period - time.time()
        if wait > 0:
            time.sleep(wait + 0.05)
        self.last_counter = counter
        return format_hotp_value(hotp_value(self.secret, counter))


def enter_two_factor_code(page, code: str, axe_check=None) -> None:
    """In a browser at allauth's second log-in step: type ``code`` and go on.

    ``code`` is from the authenticator app (``AuthenticatorApp.code()``) or a
    recovery code. ``axe_check`` (the browser fixture) checks the page first.
    """
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    if axe_check is not None:
        axe_check(page)
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Continue").click()
