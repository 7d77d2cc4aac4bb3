"""Forged, tampered, expired or nonsense links: a clear page, never a 500, nothing changed.

The links that carry their own credential: the newsletter's confirmation
(signed, expires after three days) and unsubscribe links (signed, never
expire), the teacher's calendar feed (a random token), and allauth's e-mail
verification and password reset (allauth's, checked here, not changed).
Then everything else a URL captures as text: a region's code in the reports.
"""

import re
import time

import pytest
from django.core import signing
from django.urls import reverse
from django.utils.http import int_to_base36
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletters.models import Subscriber
from newsletters.tokens import confirm_token, unsubscribe_token
from tests.factories import make_teacher
from tests.helpers import page_text
from tests.test_workspace_access import database_state

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What a path segment can hold once the browser has encoded it: anything but "/".
segment = st.one_of(
    st.text(min_size=1, max_size=80).filter(lambda t: "/" not in t),
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-", min_size=1
    ),
    st.sampled_from(["\x00", "a\x00b", ":" * 50, "x" * 5000, "%00", "..", "é" * 40, "²"]),
)


@pytest.fixture
def teacher(db):
    return make_teacher(complete=False)


@pytest.fixture
def subscriber(world):
    return Subscriber.objects.create(hub=world.hub, email="ann@example.org")


def _expired_confirm_token(subscriber, monkeypatch) -> str:
    with monkeypatch.context() as patch:
        four_days_ago = signing.b62_encode(int(time.time()) - 4 * 24 * 3600)
        patch.setattr(signing.TimestampSigner, "timestamp", lambda self: four_days_ago)
        return confirm_token(subscriber.pk, "")


def _tampered(token: str) -> list[str]:
    """The token with one character changed in each of its parts, cut short, and lengthened."""
    variants = [token[:-1], token + "a", token[:8], token.swapcase()]
    for position in range(0, len(token), max(1, len(token) // 6)):
        char = token[position]
        variants.append(token[:position] + ("A" if char != "A" else "B") + token[position + 1 :])
    return [v for v in variants if v and v != token and "/" not in v]


# --- The newsletter's signed links -----------------------------------------------------


def test_a_tampered_confirmation_link_says_it_does_not_work_and_changes_nothing(client, subscriber):
    good = confirm_token(subscriber.pk, "")
    wrong_kind = unsubscribe_token(subscriber.pk)  # a real token, of the other kind
    before = database_state()

    for token in [*_tampered(good), wrong_kind]:
        url = reverse("newsletters:confirm", args=[token])
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 400, token
            text = page_text(response)
            assert "This link does not work" in text
            assert "Nothing has been changed" in text
            assert "sign up again" in text  # the way to a new link
    assert database_state() == before


def test_an_expired_confirmation_link_says_so_and_offers_the_hubs_sign_up(
    client, subscriber, monkeypatch
):
    expired = _expired_confirm_token(subscriber, monkeypatch)
    url = reverse("newsletters:confirm", args=[expired])

    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 400
        text = page_text(response)
        assert "This link has expired" in text
        assert "work for 3 days" in text
        assert "Nothing has been changed" in text
        sign_up = reverse("newsletters:subscribe", args=[subscriber.hub.slug])
        assert f'href="{sign_up}"' in response.content.decode()

    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING
    # The way out works: signing up again sends a new link.
    response = client.post(sign_up, {"newsletter-email": subscriber.email})
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.confirmations_sent == 1


def test_a_tampered_unsubscribe_link_says_so_and_leaves_the_address_subscribed(client, world):
    subscriber = Subscriber.objects.create(
        hub=world.hub, email="bo@example.org", status="confirmed"
    )
    good = unsubscribe_token(subscriber.pk)
    wrong_kind = confirm_token(subscriber.pk, "")
    before = database_state()

    for token in [*_tampered(good), wrong_kind]:
        url = reverse("newsletters:unsubscribe", args=[token])
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 400, token
            text = page_text(response)
            assert "This link does not work" in text
            assert "Unsubscribe" in text  # how to leave instead
    assert database_state() == before


@FUZZ
@given(token=segment)
def test_any_text_as_a_newsletter_link_is_a_clear_refusal(client, subscriber, token):
    for name in ("newsletters:confirm", "newsletters:unsubscribe"):
        url = reverse(name, args=[token])
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 400, (name, token)
            assert "This link does not work" in page_text(response)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


# --- The calendar feed -------------------------------------------------------------


@FUZZ
@given(token=segment)
def test_any_other_text_as_a_calendar_link_is_not_found(client, teacher, token):
    # A random token is 32 characters of 64 kinds: no example finds the teacher's.
    response = client.get(reverse("workgroups:calendar", args=[token]))

    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


def test_a_tampered_calendar_link_is_not_found_and_the_real_one_works(client, db):
    teacher = make_teacher(complete=False)
    token = teacher.calendar_token
    for bad in [*_tampered(token), token + "\x00", "\x00" + token, token.upper() + "!"]:
        response = client.get(reverse("workgroups:calendar", args=[bad]))
        assert response.status_code == 404, bad
    assert client.get(reverse("workgroups:calendar", args=[token])).status_code == 200


# --- allauth's links (the accounts app's: checked, not changed) --------------------


@FUZZ
@given(key=segment.filter(lambda k: re.fullmatch(r"[-:\w]+", k) is not None))
def test_any_text_as_an_email_verification_key_is_a_page_not_an_error(client, db, key):
    response = client.get(reverse("account_confirm_email", args=[key]))

    assert response.status_code in {200, 404}
    if response.status_code == 200:
        assert re.search(r"expired|invalid", page_text(response), re.IGNORECASE)


def test_a_forged_password_reset_link_says_it_does_not_work(client, db):
    teacher = make_teacher(complete=False)
    before = database_state()
    for key in ["set-password", "abc-def", "x" * 300, "é", "1-\x00"]:
        url = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": int_to_base36(teacher.pk), "key": key},
        )
        response = client.get(url, follow=True)
        assert response.status_code == 200, key
        assert re.search(r"invalid|expired|used", page_text(response), re.IGNORECASE), key
    assert database_state() == before


# --- Other text captured from a URL ----------------------------------------------------


def test_a_region_code_that_cannot_be_one_is_not_found(lead_client):
    for code in ["\x00", "E12\x00", "x" * 5000, "é", "<script>"]:
        response = lead_client.get(reverse("reports:region", args=[code]))
        assert response.status_code == 404, code


NONSENSE_PATHS = [
    "/exchange/2016-17\x00/",
    "/exchange/²⁰¹⁶-¹⁷/",
    "/exchange/99999-99/",
    "/hubs/\x00/",
    "/workgroups/%00/",
    "/workgroups/99999999999999999999/join/",
    "/my/enrolments/99999999999999999999/withdraw/",
    "/exchange/showcases/99999999999999999999/",
    "/projects/%3Cscript%3E/",
]


def test_nonsense_in_a_public_url_is_not_found(client, world):
    client.force_login(world.teachers[0])
    for path in NONSENSE_PATHS:
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code in {404, 405}, (path, response.status_code)
