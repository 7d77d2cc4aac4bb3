"""Two-factor authentication: required of hub teams and NCETM staff, never of teachers.

The gate (accounts/mfa.py) sends anyone on a hub team, NCETM staff and Django
staff without an authenticator app to set one up before any page under
/manage/, /reports/ or /admin/, and refuses their POSTs there the same way.
Logging in with an authenticator asks for its code (or a recovery code).
tests/test_workspace_access.py walks every management URL with such users.
"""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.messages import get_messages
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from accounts.models import User
from hubs.models import Hub, HubMembership, Organisation
from notifications.models import Email
from tests.factories import make_teacher
from tests.helpers import (
    PERSONA_TOTP_SECRET,
    AuthenticatorApp,
    activate_totp,
    totp_code,
    words,
)
from tests.test_accounts import assert_portal_page

PASSWORD = "Two-factors-are-better-than-one-7"
LOGIN = reverse("account_login")
AUTHENTICATE = reverse("mfa_authenticate")
ACTIVATE = reverse("mfa_activate_totp")
RECOVERY_CODES = reverse("mfa_view_recovery_codes")
MFA_INDEX = reverse("mfa_index")
REPORTS = reverse("reports:national")
ADMIN = reverse("admin:index")


def with_password(user: User) -> User:
    """A known password and the verified address allauth's log-in insists on."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def new_lead(hub: Hub, email: str = "new.lead@archimedes.example.org") -> User:
    """A hub lead just given the role: no authenticator app yet."""
    user = User.objects.create_user(email, full_name="Nadia New")
    HubMembership.objects.create(hub=hub, user=user, role=HubMembership.Role.LEAD)
    return user


def dashboard(hub: Hub) -> str:
    return reverse("manage-hubs:dashboard", args=[hub.slug])


def log_in(client, user: User) -> object:
    return client.post(LOGIN, {"login": user.email, "password": PASSWORD})


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# ---- The gate ------------------------------------------------------------------


def test_a_team_member_without_an_authenticator_is_sent_to_set_one_up(client, hub):
    client.force_login(new_lead(hub))

    response = client.get(dashboard(hub))

    assert response.status_code == 302
    assert response["Location"] == ACTIVATE
    [message] = messages_of(response)
    assert "Hub team members and NCETM staff must sign in with two-factor authentication" in (
        message
    )
    assert "continue to the hub workspace" in message


def test_a_team_member_without_an_authenticator_cannot_change_the_workspace(client, hub):
    client.force_login(new_lead(hub))
    before = hub.contact_email, hub.website

    response = client.post(
        reverse("manage-hubs:contact-edit", args=[hub.slug]),
        {"contact_email": "changed@example.org", "website": "https://changed.example.org/"},
    )

    assert response.status_code == 302
    assert response["Location"] == ACTIVATE
    hub.refresh_from_db()
    assert (hub.contact_email, hub.website) == before
    # The way back after setting it up is the workspace, not the refused POST.
    assert client.session["accounts.mfa.next"] == {
        "url": reverse("manage-home"),
        "name": "the hub workspace",
    }


def test_ncetm_staff_without_an_authenticator_are_refused_the_reports(client, reference_data):
    staff = User.objects.create_user("officer@ncetm.example.org", is_ncetm_staff=True)
    client.force_login(staff)

    response = client.get(REPORTS)
    assert (response.status_code, response["Location"]) == (302, ACTIVATE)
    assert "continue to the reports" in messages_of(response)[0]
    for url in (reverse("reports:gaps"), reverse("reports:hub", args=["archimedes-ne"])):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, ACTIVATE), url

    activate_totp(staff)
    assert client.get(REPORTS).status_code == 200


def test_staff_and_superusers_without_an_authenticator_are_refused_the_admin(client, db):
    for user in (
        User.objects.create_user("clerk@ncetm.example.org", is_staff=True),
        User.objects.create_superuser("root@ncetm.example.org", PASSWORD),
    ):
        client.force_login(user)
        for url in (ADMIN, reverse("admin:hubs_hub_changelist")):
            response = client.get(url)
            assert (response.status_code, response["Location"]) == (302, ACTIVATE), url
        response = client.post(
            reverse("admin:hubs_organisation_add"), {"name": "Sneaky Ltd", "kind": "other"}
        )
        assert (response.status_code, response["Location"]) == (302, ACTIVATE)
    assert not Organisation.objects.exists()


def test_teachers_are_never_asked_for_two_factors(client, hub):
    teacher = with_password(make_teacher())

    response = log_in(client, teacher)
    assert response.status_code == 302
    assert response["Location"] != AUTHENTICATE
    assert logged_in_user_id(client) == str(teacher.pk)

    # Outsiders get the workspace's and the reports' own refusals, not the gate.
    assert client.get(dashboard(hub)).status_code == 404
    assert client.get(REPORTS).status_code == 403
    response = client.get(ADMIN, follow=True)
    assert response.status_code == 403
    assert ACTIVATE not in [url for url, _ in response.redirect_chain]
    for url in ("/", reverse("workgroups:mine"), reverse("accounts:profile")):
        assert client.get(url).status_code == 200, url
    assert not Authenticator.objects.filter(user=teacher).exists()


def test_the_gate_runs_one_query(client, hub, hub_lead, django_assert_num_queries):
    client.force_login(hub_lead)
    client.get(reverse("manage-hubs:team", args=[hub.slug]))
    refused = new_lead(hub, "another.lead@archimedes.example.org")
    client.force_login(refused)
    # 1 session, 2 user, 3 the gate (team role and authenticator in one query),
    # 4-6 the session saved with the way back (in a savepoint); nothing of the
    # workspace's.
    with django_assert_num_queries(6):
        assert client.get(reverse("manage-hubs:team", args=[hub.slug])).status_code == 302


# ---- Setting it up, and coming back --------------------------------------------


def test_a_new_lead_sets_up_an_authenticator_and_comes_back_to_the_workspace(
    client, hub, django_capture_on_commit_callbacks
):
    lead = with_password(new_lead(hub))
    assert log_in(client, lead).status_code == 302
    partners = reverse("manage-hubs:partners", args=[hub.slug])

    response = client.get(partners, follow=True)
    assert response.redirect_chain == [(ACTIVATE, 302)]
    text = words(response)
    assert "Set up two-factor authentication" in text
    assert "must sign in with two-factor authentication" in text
    assert_portal_page(response)
    secret = response.context["form"].secret
    assert secret in text
    assert 'src="data:image/svg+xml;base64,' in response.content.decode()

    response = client.post(ACTIVATE, {"code": "000000" if totp_code(secret) != "000000" else "1"})
    assert response.status_code == 200
    assert "Incorrect code." in words(response)
    assert not Authenticator.objects.filter(user=lead).exists()

    # allauth sends its notice once the activation commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ACTIVATE, {"code": AuthenticatorApp(secret).code()}, follow=True)
    assert response.redirect_chain == [(RECOVERY_CODES, 302)]
    text = words(response)
    codes = response.context["unused_codes"]
    assert len(codes) == 10
    assert all(code in text for code in codes)
    assert_portal_page(response)
    assert f'href="{partners}">Continue to the hub workspace' in response.content.decode()

    assert client.get(partners).status_code == 200
    assert "accounts.mfa.next" not in client.session
    assert Authenticator.objects.filter(user=lead, type="totp").exists()
    # In case it was not them, they are told by e-mail.
    [notice] = Email.objects.filter(to=lead.email, subject__contains="Two-factor")
    assert notice.subject == "[Maths Hubs] Two-factor authentication is on"
    assert "turned on for your Maths Hubs portal account" in notice.body_text
    assert "reset it now" in notice.body_text


# ---- Logging in with two factors -----------------------------------------------


def test_logging_in_asks_for_the_code_and_refuses_a_wrong_one(client, hub, hub_lead):
    with_password(hub_lead)

    response = log_in(client, hub_lead)
    assert (response.status_code, response["Location"]) == (302, AUTHENTICATE)
    # Not logged in until the code is given.
    assert logged_in_user_id(client) is None
    assert client.get(dashboard(hub))["Location"].startswith(LOGIN)

    page = client.get(AUTHENTICATE)
    assert "Two-factor authentication" in words(page)
    assert_portal_page(page)

    wrong = "123456" if totp_code() != "123456" else "654321"
    response = client.post(AUTHENTICATE, {"code": wrong})
    assert response.status_code == 200
    text = words(response)
    assert "There is a problem" in text
    assert "Error: Incorrect code." in text
    assert 'aria-invalid="true"' in response.content.decode()
    assert logged_in_user_id(client) is None

    response = client.post(AUTHENTICATE, {"code": AuthenticatorApp().code()})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(hub_lead.pk)
    assert client.get(dashboard(hub)).status_code == 200


def test_a_code_works_once(client, hub_lead):
    with_password(hub_lead)
    code = AuthenticatorApp().code()
    log_in(client, hub_lead)
    assert client.post(AUTHENTICATE, {"code": code}).status_code == 302
    client.post(reverse("account_logout"))

    log_in(client, hub_lead)
    response = client.post(AUTHENTICATE, {"code": code})
    assert response.status_code == 200
    assert "Incorrect code." in words(response)
    assert logged_in_user_id(client) is None


def test_a_recovery_code_logs_in_once(client, hub, hub_lead):
    with_password(hub_lead)
    [code, *_] = RecoveryCodes.activate(hub_lead).get_unused_codes()

    log_in(client, hub_lead)
    assert client.post(AUTHENTICATE, {"code": code}).status_code == 302
    assert client.get(dashboard(hub)).status_code == 200
    client.post(reverse("account_logout"))

    log_in(client, hub_lead)
    assert client.post(AUTHENTICATE, {"code": code}).status_code == 200
    assert logged_in_user_id(client) is None


def test_turning_it_off_brings_the_gate_back(client, hub, hub_lead):
    client.force_login(hub_lead)
    Authenticator.objects.filter(user=hub_lead).delete()
    assert client.get(dashboard(hub))["Location"] == ACTIVATE


# ---- The pages -----------------------------------------------------------------


def test_the_two_factor_page_is_reached_from_the_profile(client, hub_lead):
    client.force_login(hub_lead)
    assert f'href="{MFA_INDEX}"' in client.get(reverse("accounts:profile")).content.decode()

    response = client.get(MFA_INDEX)
    assert response.status_code == 200
    text = words(response)
    assert "Authenticator app On." in text
    assert "Turn off two-factor authentication" in text
    assert_portal_page(response)


# ---- Secrets at rest -------------------------------------------------------------


def test_the_authenticator_secret_is_stored_encrypted_and_survives_a_key_rotation(
    hub_lead, settings
):
    stored = Authenticator.objects.get(user=hub_lead, type="totp").data["secret"]
    assert PERSONA_TOTP_SECRET not in stored
    assert TOTP(Authenticator.objects.get(user=hub_lead, type="totp")).validate_code(totp_code())

    # A new SECRET_KEY with the old one kept as a fallback: codes still work.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test-0123456789abcdef"
    assert get_mfa_adapter().decrypt(stored) == PERSONA_TOTP_SECRET

    # Without the old key nothing can read it, and the error says why.
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FALLBACKS"):
        get_mfa_adapter().decrypt(stored)


def test_turning_two_factors_on_ends_the_sessions_opened_with_the_password_alone(
    client, hub, django_capture_on_commit_callbacks
):
    lead = with_password(new_lead(hub))
    elsewhere = Client()
    assert log_in(elsewhere, lead).status_code == 302  # another device, password only
    assert log_in(client, lead).status_code == 302
    secret = client.get(ACTIVATE).context["form"].secret

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ACTIVATE, {"code": AuthenticatorApp(secret).code()})
    assert response.status_code == 302

    # The session that entered the code goes on; the other one is logged out.
    assert client.get(dashboard(hub)).status_code == 200
    response = elsewhere.get(dashboard(hub))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert logged_in_user_id(elsewhere) is None
