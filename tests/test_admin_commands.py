"""What a newcomer does from the README: a superuser, NCETM staff, hub roles.

``createsuperuser`` makes an account that logs in at once (its address counts
as verified) and is then sent to set up two factors; ``set_ncetm_staff`` and
``grant_hub_role`` change people's access with the workspace's own rules and
audit trail, and refuse in words what they cannot do.
"""

import getpass
import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import User
from hubs.models import AuditEntry, HubMembership
from tests.factories import make_teacher

PASSWORD = "a-long-superuser-pass-phrase-7"
ACTIVATE_TOTP = reverse("mfa_activate_totp")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# ---- createsuperuser ------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_superuser_made_by_the_command_logs_in_at_once_and_is_sent_to_two_factor(
    client, db, monkeypatch
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    run("createsuperuser", "--noinput", "--email", "Root@NCETM.example.org")

    user = User.objects.get(email__iexact="root@ncetm.example.org")
    assert user.is_superuser
    assert user.is_staff
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == (
        "root@ncetm.example.org",
        True,
        True,
    )

    # The admin's log-in is allauth's (secure_admin_login): no "verify your
    # e-mail address" stop, straight on to setting up an authenticator app.
    response = client.get("/admin/", follow=True)
    login_url = response.redirect_chain[-1][0]
    assert login_url.startswith(reverse("account_login"))
    response = client.post(
        login_url, {"login": "root@ncetm.example.org", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == ACTIVATE_TOTP
    assert client.session.get("_auth_user_id") == str(user.pk)
    assert "authenticator" in response.content.decode().lower()


def test_a_superuser_typed_in_at_the_prompts_logs_in_from_the_log_in_page(client, db, monkeypatch):
    answers = iter(["ada@ncetm.example.org"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": PASSWORD)
    call_command("createsuperuser", stdin=_Terminal(), stdout=io.StringIO())

    assert EmailAddress.objects.get(email="ada@ncetm.example.org").verified
    response = client.post(
        reverse("account_login"),
        {"login": "ada@ncetm.example.org", "password": PASSWORD},
        follow=True,
    )
    assert response.status_code == 200
    assert client.session.get("_auth_user_id")
    assert reverse("account_email_verification_sent") not in dict(response.redirect_chain)
    # The management pages still want two factors first.
    assert client.get("/admin/")["Location"] == ACTIVATE_TOTP


# ---- set_ncetm_staff ------------------------------------------------------------


def test_set_ncetm_staff_turns_national_access_on_and_off(reference_data):
    person = make_teacher("nia@ncetm.example.org")

    output = run("set_ncetm_staff", "NIA@ncetm.example.org")
    assert "nia@ncetm.example.org is now NCETM staff" in output
    person.refresh_from_db()
    assert person.is_ncetm_staff

    assert "already NCETM staff: nothing changed" in run("set_ncetm_staff", person.email)

    assert "is no longer NCETM staff" in run("set_ncetm_staff", person.email, "--off")
    person.refresh_from_db()
    assert not person.is_ncetm_staff
    assert "is not NCETM staff: nothing changed" in run("set_ncetm_staff", person.email, "--off")


def test_set_ncetm_staff_refuses_an_unknown_address_and_a_closed_account(db):
    with pytest.raises(CommandError, match=r"There is no account for nobody@example\.org\."):
        run("set_ncetm_staff", "nobody@example.org")

    closed = User.objects.create_user("gone@example.org", is_active=False)
    with pytest.raises(CommandError, match=r"The account for gone@example\.org has been closed"):
        run("set_ncetm_staff", closed.email)
    closed.refresh_from_db()
    assert not closed.is_ncetm_staff


# ---- grant_hub_role -------------------------------------------------------------


@pytest.fixture
def person(reference_data) -> User:
    return make_teacher("sam@school.example.org")


def membership(hub, user) -> HubMembership | None:
    return HubMembership.objects.filter(hub=hub, user=user).first()


def test_grant_hub_role_adds_changes_and_revokes_with_the_change_history(hub, person):
    output = run("grant_hub_role", "Sam@School.example.org", "archimedes-ne", "lead")
    assert f"sam@school.example.org is now on the team of {hub.name} as hub lead" in output
    assert membership(hub, person).role == HubMembership.Role.LEAD

    helper = make_teacher("mo@school.example.org")
    run("grant_hub_role", helper.email, hub.slug, "member")
    assert f"is now hub lead of {hub.name}" in run("grant_hub_role", helper.email, hub.slug, "LEAD")
    assert membership(hub, helper).role == HubMembership.Role.LEAD

    output = run("grant_hub_role", helper.email, hub.slug, "lead")
    assert "is already hub lead" in output
    assert "nothing changed" in output

    output = run("grant_hub_role", helper.email, hub.slug, "--revoke")
    assert f"mo@school.example.org is no longer on the team of {hub.name}" in output
    assert membership(hub, helper) is None

    entries = AuditEntry.objects.filter(hub=hub).order_by("at", "pk")
    assert [(e.action, e.user) for e in entries] == [
        ("membership.add", None),
        ("membership.add", None),
        ("membership.role", None),
        ("membership.remove", None),
    ]
    assert entries[2].before == {"role": "member", "person": "mo@school.example.org"}
    assert entries[2].after == {"role": "lead", "person": "mo@school.example.org"}


def test_the_change_history_says_a_command_made_the_change(client, hub, person, hub_lead):
    run("grant_hub_role", person.email, hub.slug, "member")
    client.force_login(hub_lead)

    response = client.get(reverse("manage-hubs:audit", args=[hub.slug]))

    text = " ".join(response.content.decode().split())
    assert "Added to the hub team" in text
    assert "by an administrator on the server" in text


def test_the_last_lead_is_neither_revoked_nor_demoted(hub, person):
    run("grant_hub_role", person.email, hub.slug, "lead")
    only_lead = f"{person.get_full_name()} is the hub's only lead. Make someone else a lead first."

    with pytest.raises(CommandError, match=re.escape(only_lead)):
        run("grant_hub_role", person.email, hub.slug, "--revoke")
    with pytest.raises(CommandError, match=re.escape(only_lead)):
        run("grant_hub_role", person.email, hub.slug, "member")

    assert membership(hub, person).role == HubMembership.Role.LEAD
    assert AuditEntry.objects.filter(hub=hub).count() == 1  # the grant itself


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["nobody@example.org", "archimedes-ne", "lead"],
            "There is no account for nobody@example.org. They sign up first at "
            "https://portal.example.org/account/signup/",
        ),
        (
            ["sam@school.example.org", "archimedes", "lead"],
            "There is no hub 'archimedes'. Did you mean archimedes-ne",
        ),
        (["sam@school.example.org", "no-such-hub-at-all", "lead"], "There is no hub"),
        (
            ["sam@school.example.org", "archimedes-ne", "boss"],
            "'boss' is not a team role: give lead or member.",
        ),
        (["sam@school.example.org", "archimedes-ne"], "Give the role, lead or member, or --revoke"),
        (
            ["sam@school.example.org", "archimedes-ne", "--revoke"],
            "sam@school.example.org is not on the team of Archimedes NE",
        ),
    ],
)
def test_grant_hub_role_refuses_in_words(settings, hub, person, args, message):
    settings.SITE_URL = "https://portal.example.org"

    with pytest.raises(CommandError) as refusal:
        run("grant_hub_role", *args)

    assert str(refusal.value).startswith(message), str(refusal.value)
    assert not HubMembership.objects.exists()
    assert not AuditEntry.objects.exists()


def test_revoking_another_role_than_the_persons_changes_nothing(hub, person):
    run("grant_hub_role", person.email, hub.slug, "member")

    with pytest.raises(CommandError, match=r"is team member of .*, not hub lead\. Nothing"):
        run("grant_hub_role", person.email, hub.slug, "lead", "--revoke")

    assert membership(hub, person).role == HubMembership.Role.MEMBER


def test_a_closed_account_is_not_put_on_a_team(hub):
    closed = User.objects.create_user("gone@example.org", is_active=False)

    with pytest.raises(CommandError, match=r"The account for gone@example\.org has been closed"):
        run("grant_hub_role", closed.email, hub.slug, "member")

    assert not HubMembership.objects.exists()
