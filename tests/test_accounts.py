"""Accounts: sign-up with a verified e-mail, log in and out, password reset, the profile.

allauth's e-mails go through the outbox (notifications.Email) and are sent by
a task queued on commit; in tests the task runs in process, so
``django_capture_on_commit_callbacks(execute=True)`` delivers them to
``mail.outbox``.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.forms import SCHOOL_REQUIRED
from accounts.models import User
from hubs.models import School, TeachingPhase
from notifications.models import Email
from tests.factories import make_register, make_school
from tests.helpers import folded_search_plans, page_text

PASSWORD = "correct-horse-battery-staple-42"
PROFILE = reverse("accounts:profile")
LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")
VERIFICATION_SENT = reverse("account_email_verification_sent")


def make_teacher(email: str = "ada@example.org", *, verified: bool = True) -> User:
    user = User.objects.create_user(email, PASSWORD)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


@pytest.fixture
def teacher(db) -> User:
    return make_teacher()


@pytest.fixture
def teacher_client(client, teacher):
    client.force_login(teacher)
    return client


def link_in(message, path_start: str) -> str:
    """The first link in an e-mail's text whose path starts with ``path_start``."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path_start)}\S+)", message.body)
    assert match, f"no {path_start} link in:\n{message.body}"
    return match.group(1)


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


# ---- Sign-up and e-mail verification ------------------------------------------


def test_signing_up_sends_a_verification_email_through_the_outbox(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            SIGNUP, {"email": "Grace@Example.org", "password1": PASSWORD, "password2": PASSWORD}
        )

    assert response.status_code == 302
    assert response.url == VERIFICATION_SENT
    user = User.objects.get(email__iexact="grace@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    assert logged_in_user_id(client) is None

    outbox_row = Email.objects.get(to__iexact="grace@example.org")
    assert outbox_row.status == Email.Status.SENT
    assert outbox_row.key.startswith("account:email_confirmation_signup:")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [outbox_row.to]
    assert mail.outbox[0].subject.startswith("[Maths Hubs] ")
    assert "/account/confirm-email/" in mail.outbox[0].body


def test_the_check_your_inbox_page_uses_the_portal_layout(client):
    response = client.get(VERIFICATION_SENT)
    assert response.status_code == 200
    text = page_text(response)
    assert "Skip to main content" in text
    assert '<main id="main"' in text


def test_following_the_link_confirms_the_address_and_logs_the_teacher_in(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            SIGNUP, {"email": "grace@example.org", "password1": PASSWORD, "password2": PASSWORD}
        )
    confirm_url = link_in(mail.outbox[0], "/account/confirm-email/")

    # Opening the link only shows a button: mail scanners that follow links
    # must not confirm anything.
    response = client.get(confirm_url)
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert not EmailAddress.objects.get(email="grace@example.org").verified

    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="grace@example.org").verified
    user = User.objects.get(email="grace@example.org")
    assert logged_in_user_id(client) == str(user.pk)


def test_after_confirming_the_teacher_can_log_in_with_their_password(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            SIGNUP, {"email": "grace@example.org", "password1": PASSWORD, "password2": PASSWORD}
        )
    client.post(link_in(mail.outbox[0], "/account/confirm-email/"))
    client.post(reverse("account_logout"))
    assert logged_in_user_id(client) is None

    response = client.post(LOGIN, {"login": "grace@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("workgroups:mine")
    assert logged_in_user_id(client) == str(User.objects.get(email="grace@example.org").pk)


def test_logging_in_before_verifying_is_sent_to_check_the_inbox(
    client, db, django_capture_on_commit_callbacks
):
    make_teacher("grace@example.org", verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LOGIN, {"login": "grace@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == VERIFICATION_SENT
    assert logged_in_user_id(client) is None
    # A fresh link is on its way, through the outbox like every other e-mail.
    assert Email.objects.filter(to="grace@example.org").count() == 1
    assert len(mail.outbox) == 1


def test_a_wrong_password_is_refused_with_a_clear_accessible_error(client, teacher):
    response = client.post(LOGIN, {"login": teacher.email, "password": "not-my-password"})

    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    html = response.content.decode()
    assert "<title>Error: " in html
    assert 'class="error-summary"' in html
    assert '<a href="#id_login">' in html


def test_a_field_error_is_tied_to_its_input(client):
    response = client.post(SIGNUP, {"email": "not-an-address", "password1": "", "password2": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_email">' in html
    email_input = re.search(r"<input[^>]*name=\"email\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in email_input
    assert 'aria-describedby="id_email_error"' in email_input
    assert 'id="id_email_error"' in html


# ---- Rate limits --------------------------------------------------------------


def test_repeated_failed_logins_for_one_address_are_refused_even_with_the_right_password(
    client, teacher
):
    # allauth's default "login_failed" limit: 5 failures per address in 5 minutes.
    for _ in range(5):
        response = client.post(LOGIN, {"login": teacher.email, "password": "guess"})
        assert "Too many failed login attempts" not in page_text(response)

    response = client.post(LOGIN, {"login": teacher.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "Too many failed login attempts" in page_text(response)
    assert logged_in_user_id(client) is None


def test_many_failed_logins_from_one_client_are_refused(client, teacher):
    # ...and 10 failures a minute from one IP address, whatever the address tried.
    for number in range(10):
        client.post(LOGIN, {"login": f"someone{number}@example.org", "password": "guess"})

    response = client.post(LOGIN, {"login": teacher.email, "password": PASSWORD})

    assert "Too many failed login attempts" in page_text(response)
    assert logged_in_user_id(client) is None


# ---- Password reset and log out -------------------------------------------------


def test_password_reset_sends_its_email_through_the_outbox_and_the_link_works(
    client, teacher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": teacher.email})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    outbox_row = Email.objects.get(to=teacher.email)
    assert outbox_row.status == Email.Status.SENT
    assert outbox_row.key.startswith("account:password_reset_key:")
    assert len(mail.outbox) == 1

    # The link swaps its key for a session value, then the form sets the password.
    response = client.get(link_in(mail.outbox[0], "/account/password/reset/key/"))
    assert response.status_code == 302
    response = client.post(
        response.url, {"password1": "a-brand-new-password-7", "password2": "a-brand-new-password-7"}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_from_key_done")
    teacher.refresh_from_db()
    assert teacher.check_password("a-brand-new-password-7")


def test_a_reset_for_an_unknown_address_does_not_reveal_it(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")


def test_logging_out_takes_a_post(teacher_client, teacher):
    # Opening the page only asks; a link prefetch must not log anyone out.
    response = teacher_client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert logged_in_user_id(teacher_client) == str(teacher.pk)

    response = teacher_client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert logged_in_user_id(teacher_client) is None


# ---- The layout around allauth's pages ------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"],
)
def test_entrance_pages_use_the_portal_layout_without_inline_code(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_portal_page(response)


@pytest.mark.parametrize(
    "name", ["account_logout", "account_change_password", "account_email", "accounts:profile"]
)
def test_account_pages_use_the_portal_layout_without_inline_code(teacher_client, name):
    response = teacher_client.get(reverse(name))
    assert response.status_code == 200
    assert_portal_page(response)


def assert_portal_page(response) -> None:
    html = response.content.decode()
    assert "\N{EN DASH} Maths Hubs</title>" in html
    assert '<main id="main"' in html
    assert 'aria-label="Main"' in html
    # The CSP forbids inline code: every script is a file or a JSON data block.
    assert " style=" not in html
    assert "<style" not in html
    for script in re.findall(r"<script[^>]*>", html):
        assert "src=" in script or 'type="application/json"' in script, script
    # Every text input has a label.
    for input_id in re.findall(
        r'<input type="(?:text|email|password|search)"[^>]*id="([^"]+)"', html
    ):
        assert f'<label for="{input_id}"' in html, input_id


def test_navigation_offers_log_in_and_sign_up_to_visitors(client, db):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{LOGIN}"' in html
    assert f'href="{SIGNUP}"' in html
    assert f'href="{reverse("workgroups:list")}"' in html
    assert f'href="{PROFILE}"' not in html


def test_navigation_offers_my_work_groups_profile_and_log_out_to_teachers(teacher_client):
    html = page_text(teacher_client.get(PROFILE))
    assert f'href="{reverse("workgroups:mine")}"' in html
    assert f'<a href="{PROFILE}" aria-current="page">Profile</a>' in html
    assert f'action="{reverse("account_logout")}"' in html
    assert "csrfmiddlewaretoken" in html
    assert f'href="{LOGIN}"' not in html


# ---- The profile ------------------------------------------------------------------


@pytest.fixture
def schools(reference_data) -> dict[str, School]:
    return {
        "carmel": make_school(name="Carmel College", postcode="DL3 8RW", urn=900101),
        "carmel_primary": make_school(name="Carmel Primary School", postcode="DL1 5AA", urn=900102),
        "closed": make_school(
            name="Carmel Old School", postcode="DL3 9ZZ", urn=900103, status=School.Status.CLOSED
        ),
        "other": make_school(name="Oakfield Primary School", postcode="DL2 2BB", urn=900104),
    }


def phase_pks(*codes: str) -> list[int]:
    return list(TeachingPhase.objects.filter(code__in=codes).values_list("pk", flat=True))


def profile_data(chosen: School, **overrides) -> dict:
    """A valid profile POST; an override of None leaves that field out."""
    data = {
        "full_name": "Ada  Lovelace",
        "job_role": User.JobRole.MATHS_LEAD,
        "phases": phase_pks("primary", "secondary"),
        "school": chosen.pk,
        "school_q": "carmel",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def radio_values(response) -> list[str]:
    return re.findall(
        r'<input type="radio" name="school" id="[^"]+" value="(\d+)"', response.content.decode()
    )


def test_the_profile_needs_a_login(client, db):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={PROFILE}"


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("carmel", id="name"),
        pytest.param("900101", id="urn"),
        pytest.param("DL3 8RW", id="postcode"),
        pytest.param("dl38rw", id="postcode-without-space"),
    ],
)
def test_searching_lists_matching_open_schools_as_choices(teacher_client, schools, typed):
    response = teacher_client.get(PROFILE, {"school_q": typed})

    values = radio_values(response)
    assert str(schools["carmel"].pk) in values
    assert str(schools["closed"].pk) not in values
    assert str(schools["other"].pk) not in values
    assert "URN 900101" in page_text(response)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("St Theres", "therese", id="plain-finds-accented"),
        pytest.param("st therese's", "therese", id="ascii-apostrophe"),
        pytest.param("BRONTË", "bronte", id="accented-finds-plain"),
        pytest.param("St. Marys", "marys", id="punctuation-ignored"),
    ],
)
def test_the_school_search_ignores_accents_and_punctuation(
    teacher_client, reference_data, typed, expected
):
    found = {
        "therese": make_school(name="St Thérèse\u2019s Catholic Primary School"),
        "bronte": make_school(name="Bronte Academy"),
        "marys": make_school(name="St Mary's C of E Primary"),
    }
    response = teacher_client.get(PROFILE, {"school_q": typed})
    assert radio_values(response) == [str(found[expected].pk)]


def test_the_school_search_uses_the_folded_name_index(teacher_client, reference_data):
    make_register()
    school = make_school(name="St Thérèse\u2019s Catholic Primary School")

    with CaptureQueriesContext(connection) as queries:
        response = teacher_client.get(PROFILE, {"school_q": "st therese"})

    assert radio_values(response) == [str(school.pk)]
    (plan,) = folded_search_plans(queries)
    assert "school_name_fold_trgm_idx" in plan, plan


def test_a_search_that_finds_nothing_says_so(teacher_client, schools):
    text = page_text(teacher_client.get(PROFILE, {"school_q": "Nowhere In Particular"}))
    assert "No schools found for “Nowhere In Particular”" in text
    assert "find your Maths Hub</a> and contact them" in text


def test_the_current_school_is_offered_and_chosen_before_any_search(
    teacher_client, teacher, schools
):
    teacher.school = schools["other"]
    teacher.save(update_fields=["school"])

    response = teacher_client.get(PROFILE, {"school_q": "carmel"})

    html = response.content.decode()
    assert radio_values(response)[0] == str(schools["other"].pk)
    assert f'value="{schools["other"].pk}" checked' in html
    assert f'value="{schools["carmel"].pk}" checked' not in html


def test_the_profile_page_runs_a_fixed_number_of_queries(
    teacher_client, teacher, schools, django_assert_num_queries
):
    teacher.school = schools["other"]
    teacher.save(update_fields=["school"])
    for number in range(25):
        make_school(name=f"Carmel Academy {number}")

    # 1 session, 2 user, 3 the user's phases, 4 schools found (one past the
    # limit, with their authority), 5 the current school (not among them),
    # 6 the phases to choose from, 7 whether to offer the hub workspace.
    with django_assert_num_queries(7):
        response = teacher_client.get(PROFILE, {"school_q": "carmel"})

    assert len(radio_values(response)) == 21  # the current school and the first 20 found
    assert "Showing the first 20 schools" in page_text(response)


def test_saving_the_profile_completes_it_and_goes_to_my_work_groups(
    teacher_client, teacher, schools
):
    response = teacher_client.post(PROFILE, profile_data(schools["carmel"]))

    assert response.status_code == 302
    assert response.url == reverse("workgroups:mine")
    teacher.refresh_from_db()
    assert teacher.full_name == "Ada Lovelace"
    assert teacher.job_role == User.JobRole.MATHS_LEAD
    assert teacher.school == schools["carmel"]
    assert sorted(teacher.phases.values_list("code", flat=True)) == ["primary", "secondary"]
    assert teacher.has_complete_profile
    text = page_text(teacher_client.get(PROFILE))
    assert "Your profile is saved." in text


def test_saving_again_keeps_the_date_the_profile_was_completed(teacher_client, teacher, schools):
    teacher_client.post(PROFILE, profile_data(schools["carmel"]))
    teacher.refresh_from_db()
    completed_at = teacher.profile_completed_at

    teacher_client.post(
        PROFILE, profile_data(schools["other"], phases=phase_pks("eyfs"), school_q="oakfield")
    )

    teacher.refresh_from_db()
    assert teacher.profile_completed_at == completed_at
    assert teacher.school == schools["other"]
    assert list(teacher.phases.values_list("code", flat=True)) == ["eyfs"]


def test_a_profile_without_a_school_is_refused_with_the_way_to_find_it(
    teacher_client, teacher, schools
):
    response = teacher_client.post(PROFILE, profile_data(schools["carmel"], school=None))

    assert response.status_code == 200
    text = page_text(response)
    assert SCHOOL_REQUIRED in text
    assert "<title>Error: Your profile" in text
    # The search is shown again, with what the teacher typed kept.
    assert str(schools["carmel"].pk) in radio_values(response)
    assert 'value="Ada Lovelace"' in text
    teacher.refresh_from_db()
    assert not teacher.has_complete_profile


def test_a_profile_without_a_phase_name_or_role_is_refused(teacher_client, teacher, schools):
    response = teacher_client.post(
        PROFILE, profile_data(schools["carmel"], phases=None, full_name="  ", job_role="")
    )

    text = page_text(response)
    assert "Choose at least one phase you teach." in text
    assert "Enter your full name." in text
    assert "Choose your role." in text
    assert '<a href="#id_phases_0">' in text
    teacher.refresh_from_db()
    assert not teacher.has_complete_profile


def test_a_closed_school_cannot_be_chosen(teacher_client, teacher, schools):
    response = teacher_client.post(PROFILE, profile_data(schools["closed"]))

    assert response.status_code == 200
    assert SCHOOL_REQUIRED in page_text(response)
    teacher.refresh_from_db()
    assert teacher.school is None


def test_a_teacher_can_only_change_their_own_profile(teacher_client, teacher, schools):
    other = make_teacher("someone.else@example.org")

    teacher_client.post(
        PROFILE,
        profile_data(schools["carmel"], user=other.pk, id=other.pk, email="evil@example.org"),
    )

    teacher.refresh_from_db()
    other.refresh_from_db()
    assert teacher.email == "ada@example.org"
    assert teacher.full_name == "Ada Lovelace"
    assert other.full_name == ""
    assert other.school is None
    assert not User.objects.filter(email="evil@example.org").exists()


def test_saving_returns_to_a_safe_next_page(teacher_client, schools):
    response = teacher_client.post(
        PROFILE, profile_data(schools["carmel"], next="/workgroups/some-group/")
    )
    assert response.url == "/workgroups/some-group/"


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_saving_ignores_a_next_page_elsewhere(teacher_client, schools, unsafe):
    response = teacher_client.post(PROFILE, profile_data(schools["carmel"], next=unsafe))
    assert response.url == reverse("workgroups:mine")


def test_the_next_page_is_carried_through_the_school_search(teacher_client, schools):
    html = teacher_client.get(
        PROFILE, {"school_q": "carmel", "next": "/workgroups/x/"}
    ).content.decode()
    assert html.count('<input type="hidden" name="next" value="/workgroups/x/">') == 2
