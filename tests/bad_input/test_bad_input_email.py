"""Header injection: nothing anyone types ends up as an extra line in an e-mail's headers.

E-mail addresses with line breaks (or other characters no address has) are
refused beside the field. Text that becomes a subject (a message's subject,
a newsletter's, a Work Group's title, a showcase's class and topic) is made
one line before it is stored. The e-mails then sent are read back header by
header: no Bcc, no extra recipient, no header that was typed in.
"""

from email import message_from_bytes

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from exchange.models import Showcase
from hubs.models import Hub, LeadershipTeamMember
from newsletters.models import Issue, Subscriber
from notifications.models import Email
from tests.bad_input.test_bad_input import _error_shown, manage_url
from tests.factories import make_teacher, make_workgroup
from tests.test_workspace_access import database_state
from workgroups.models import ParticipantMessage, WorkGroup

EVIL = "evil@example.net"
# Ways to smuggle a header or a second address into an address field.
BAD_ADDRESSES = [
    f"ann@example.org\r\nBcc: {EVIL}",
    f"ann@example.org\nBcc: {EVIL}",
    f"ann@example.org\rBcc: {EVIL}",
    f"ann@example.org%0d%0aBcc:{EVIL}",
    f"ann@example.org, {EVIL}",
    f"ann@example.org; {EVIL}",
    f"Ann <ann@example.org>, <{EVIL}>",
    '"ann\r\nBcc: evil"@example.org',
    '"ann\x0bb"@example.org',  # a quoted address Django accepts, but no mail header can hold
    "ann@example.org\x00",
    "ann\u2028@example.org",
]
# Ways to smuggle a header through a subject.
BAD_SUBJECTS = [
    f"Room change\r\nBcc: {EVIL}",
    f"Room change\nBcc: {EVIL}",
    f"Room change\rBcc: {EVIL}",
    f"Room change\u2028Bcc: {EVIL}",
    f"Room change\x85Bcc: {EVIL}",
    "Room change\r\n\r\nInjected body",
]


# The headers the portal's e-mails have; anything else was typed in.
HEADERS = {
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "Reply-To",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Id",
}


def assert_clean_headers(message, *, to: list[str]) -> None:
    """The message as it goes on the wire: the expected headers and recipients, nothing more."""
    assert message.recipients() == to
    wire = message_from_bytes(message.message().as_bytes())
    assert set(wire.keys()) <= HEADERS, set(wire.keys()) - HEADERS
    assert wire.get_all("To") == [", ".join(to)]
    assert len(wire.get_all("Subject")) == 1


# --- Address fields ---------------------------------------------------------------------


ADDRESS_FIELDS = [
    ("newsletter sign-up", "newsletter-email", "email"),
    ("leader add", "email", "email"),
    ("contact details", "contact_email", "contact_email"),
    ("team add", "email", "email"),
    ("exchange nomination", "email", "email"),
]


def test_an_address_with_a_header_in_it_is_refused_beside_the_field(world, lead_client):
    from django.core.cache import cache

    from tests.bad_input.test_bad_input import CASES

    before = database_state()
    for form_name, key, field in ADDRESS_FIELDS:
        case = CASES[form_name]
        client = lead_client if case.client == "lead" else Client()
        for address in BAD_ADDRESSES:
            cache.clear()
            response = client.post(case.url(world), {**case.valid(world), key: address})
            assert response.status_code == 200, (form_name, address, response.status_code)
            bound = response.context[case.form_key][field]
            assert bound.errors, (form_name, address)
            assert _error_shown(response, bound), (form_name, address)
    assert database_state() == before
    assert not Email.objects.exists()


def test_trailing_line_breaks_round_an_address_are_trimmed_not_kept(world, client):
    """A browser never sends them; if something does, the address is stored clean."""
    url = reverse("newsletters:subscribe", args=[world.hub.slug])
    response = client.post(url, {"newsletter-email": "\r\n  bo@example.org \r\n"})

    assert response.status_code == 302
    subscriber = Subscriber.objects.get(email__iexact="bo@example.org")
    assert subscriber.email == "bo@example.org"


# --- Subjects ---------------------------------------------------------------------------


def test_a_message_subject_with_a_header_in_it_is_sent_as_one_harmless_line(
    world, lead_client, django_capture_on_commit_callbacks
):
    url = manage_url("manage-workgroups:message", world, pk=world.workgroup.pk)
    for subject in BAD_SUBJECTS:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = lead_client.post(url, {"subject": subject, "body": "Room 4."})

        assert response.status_code == 302, subject
        stored = ParticipantMessage.objects.latest("pk").subject
        assert stored == " ".join(subject.split())
        assert len(mail.outbox) == len(world.enrolments)
        for message in mail.outbox:
            assert message.subject == stored
            assert_clean_headers(message, to=message.to)
            assert message.to[0] in {e.teacher.email for e in world.enrolments}


def test_a_newsletter_subject_with_a_header_in_it_is_sent_as_one_harmless_line(
    world, lead_client, django_capture_on_commit_callbacks
):
    edit = manage_url("manage-newsletters:issue-edit", world, pk=world.issue.pk)
    response = lead_client.post(edit, {"subject": BAD_SUBJECTS[0], "body_markdown": "News."})
    assert response.status_code == 302
    assert Issue.objects.get(pk=world.issue.pk).subject == f"Room change Bcc: {EVIL}"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lead_client.post(manage_url("manage-newsletters:issue-test", world, pk=world.issue.pk))
        lead_client.post(manage_url("manage-newsletters:issue-send", world, pk=world.issue.pk))

    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([world.lead.email, world.subscriber.email])
    for message in mail.outbox:
        assert_clean_headers(message, to=message.to)


def test_a_hub_name_with_a_line_break_still_gives_one_line_list_id(world):
    """The hub's name is typed in the admin and goes into the newsletter's List-Id."""
    Hub.objects.filter(pk=world.hub.pk).update(name=f"Archimedes\r\nBcc: {EVIL}")
    issue = Issue.objects.select_related("hub").get(pk=world.issue.pk)

    message = issue.message_for(world.subscriber)

    assert_clean_headers(message, to=[world.subscriber.email])
    assert message.extra_headers["List-Id"].startswith(f"Archimedes Bcc: {EVIL} newsletter <")


def test_a_title_or_topic_with_a_header_in_it_reaches_subjects_as_one_line(
    world, lead_client, django_capture_on_commit_callbacks
):
    """Typed in the workspace (the forms make it one line) or in the admin (the e-mail does)."""
    create = manage_url("manage-workgroups:create", world)
    from tests.bad_input.test_bad_input import CASES

    data = {**CASES["work group create"].valid(world), "title": BAD_SUBJECTS[0]}
    assert lead_client.post(create, data).status_code == 302
    assert WorkGroup.objects.filter(title=f"Room change Bcc: {EVIL}").exists()

    admin_typed = make_workgroup(world.hub, title=f"Fractions\r\nBcc: {EVIL}")
    Showcase.objects.filter(pk=world.showcase.pk).update(
        class_and_topic=f"Year 4\r\nBcc: {EVIL}", status=Showcase.Status.OPEN
    )
    teacher = make_teacher()
    client = Client()
    client.force_login(teacher)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("workgroups:join", args=[admin_typed.slug]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("exchange:register", args=[world.showcase.pk]))

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "\n" not in message.subject
        assert "\r" not in message.subject
        assert_clean_headers(message, to=[teacher.email])


def test_the_leadership_contact_shown_publicly_is_a_plain_address(world, client):
    """A mailto: link on the hub's page: an address with a line break never gets there."""
    LeadershipTeamMember.objects.filter(pk=world.leader.pk).update(email="alex@example.org")
    page = client.get(world.hub.get_absolute_url()).content.decode()
    assert 'href="mailto:alex@example.org"' in page


@pytest.mark.parametrize("address", ['"ann\x0bb"@example.org', '"ann\x1fb"@example.org'])
def test_signing_up_for_an_account_with_an_address_no_mail_can_carry(client, db, address):
    """allauth's sign-up refuses an address no e-mail header can carry."""
    response = client.post(
        reverse("account_signup"),
        {
            "email": address,
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    )
    assert response.status_code == 200, "the address was accepted"
    assert not Email.objects.exists()


def test_a_showcase_reminder_and_a_session_reminder_have_one_line_subjects(world):
    """Reminders are rendered from titles typed long ago: still one line each."""
    from notifications.services import email_render

    WorkGroup.objects.filter(pk=world.workgroup.pk).update(title=f"A\r\nBcc: {EVIL}")
    workgroup = WorkGroup.objects.get(pk=world.workgroup.pk)
    subject, _text, _html = email_render(
        "session_reminder",
        {
            "workgroup": workgroup,
            "session": world.session,
            "teacher": world.teachers[0],
            "enrolment": world.enrolments[0],
        },
    )
    assert subject == f"Reminder: A Bcc: {EVIL}, session 1, " + subject.split(", ", 2)[2]
    assert "\n" not in subject
    showcase = Showcase.objects.get(pk=world.showcase.pk)
    showcase.class_and_topic = f"Y4\r\nBcc: {EVIL}"
    subject, _text, _html = email_render(
        "showcase_reminder",
        {"showcase": showcase, "teacher": world.teachers[0], "registration": None},
    )
    assert "\n" not in subject
    assert "\r" not in subject
