"""Tasks: e-mails go out exactly once, reminders once per session, and the calendar feed.

The e-mail and reminder tests run a real Celery worker on the real Redis
(``celery_worker`` in conftest.py), so rows are committed for real.
"""

import smtplib
import socket
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.contrib.messages import get_messages
from django.core import mail
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from notifications.models import MAX_ATTEMPTS, Email
from notifications.services import email_queue
from notifications.tasks import send_email
from tests.factories import make_session, make_teacher, make_workgroup
from workgroups.models import Enrolment, WorkGroup
from workgroups.reminders import session_reminders_queue
from workgroups.services import enrolment_join
from workgroups.tasks import send_session_reminders

LONDON = ZoneInfo("Europe/London")
# The worker has its own database connection: it sees committed rows only.
with_worker = pytest.mark.django_db(transaction=True)


def sent_emails(**filters) -> list[Email]:
    return list(Email.objects.filter(status=Email.Status.SENT, **filters))


# --- One e-mail per event, through a real worker -----------------------------


@with_worker
def test_joining_through_the_web_sends_exactly_one_email(celery_worker, wait_until, client, hub):
    workgroup = make_workgroup(hub)
    make_session(workgroup, 1, timezone.now() + timedelta(days=10))
    teacher = make_teacher()
    client.force_login(teacher)

    response = client.post(reverse("workgroups:join", args=[workgroup.slug]))

    assert response.status_code == 302
    enrolment = Enrolment.objects.get(teacher=teacher)
    assert enrolment.status == Enrolment.Status.CONFIRMED
    [email] = wait_until(lambda: sent_emails(to=teacher.email))
    assert email.key == f"enrolment:{enrolment.pk}:confirmed"
    assert email.attempts == 1
    # It went through the broker to the worker, not run in process.
    wait_until(lambda: list(celery_worker.runs.values()) == [["SUCCESS"]])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [teacher.email]
    assert mail.outbox[0].subject == f"You have a place on {workgroup.title}"

    # The same task delivered again (a redelivery, the periodic re-queue)
    # finds the e-mail sent and sends nothing.
    again = send_email.delay(email.pk)
    assert celery_worker.wait_for(again.id) == "SUCCESS"
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


class FlakyMailServer:
    """An aiosmtpd handler: "try again later" for the first message, then accepts."""

    def __init__(self):
        self.data_commands = 0
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        if self.data_commands == 1:
            return "451 4.3.0 Temporary failure, please try again later"
        self.received.append(envelope)
        return "250 2.0.0 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def flaky_mail_server(settings):
    """A real SMTP server on 127.0.0.1 that the portal's default mailer talks to."""
    handler = FlakyMailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    yield handler
    controller.stop()


@with_worker
def test_a_mail_server_failure_then_recovery_still_sends_exactly_one_email(
    flaky_mail_server, celery_worker, wait_until, hub
):
    # The test runner swaps mailers to locmem; the override must win.
    assert isinstance(mail.mailers.default, SMTPBackend)
    workgroup = make_workgroup(hub)
    make_session(workgroup, 1, timezone.now() + timedelta(days=10))
    teacher = make_teacher()

    enrolment = enrolment_join(workgroup_id=workgroup.pk, teacher=teacher)

    # The first attempt is refused; the retry comes within about 2 s.
    [email] = wait_until(lambda: sent_emails(to=teacher.email), timeout=30)
    assert email.key == f"enrolment:{enrolment.pk}:confirmed"
    assert email.attempts == 2
    assert "451" in email.last_error
    wait_until(lambda: list(celery_worker.runs.values()) == [["RETRY", "SUCCESS"]])
    assert flaky_mail_server.data_commands == 2
    [message] = flaky_mail_server.received
    assert message.rcpt_tos == [teacher.email]
    assert f"You have a place on {workgroup.title}" in message.content.decode()
    assert mail.outbox == []


class RefusingMailServer:
    """An aiosmtpd handler that answers every message with ``reply``."""

    def __init__(self, reply: str):
        self.reply = reply
        self.data_commands = 0

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        return self.reply


@pytest.fixture
def refusing_mail_server(settings):
    """Returns ``start(reply)``: a real SMTP server answering every message so."""
    controllers = []

    def start(reply: str) -> RefusingMailServer:
        handler = RefusingMailServer(reply)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
            }
        }
        return handler

    yield start
    for controller in controllers:
        controller.stop()


def pending_email(**fields) -> Email:
    return Email.objects.create(
        key=f"test:{Email.objects.count()}",
        to=fields.pop("to", "someone@example.org"),
        subject="Hello",
        body_text="Body",
        **fields,
    )


@pytest.mark.django_db
def test_a_permanent_refusal_is_given_up_at_once_and_never_requeued(refusing_mail_server):
    server = refusing_mail_server("550 5.1.1 Mailbox does not exist")
    email = pending_email()

    assert Email.deliver(email.pk) is False

    email.refresh_from_db()
    assert email.status == Email.Status.FAILED
    assert email.attempts == 1
    assert "550" in email.last_error
    assert server.data_commands == 1
    assert not Email.objects.to_requeue().filter(pk=email.pk).exists()


@pytest.mark.django_db
def test_a_busy_server_is_retried_until_the_attempts_run_out(refusing_mail_server):
    refusing_mail_server("451 4.3.0 Try again later")
    email = pending_email(attempts=MAX_ATTEMPTS - 2)

    with pytest.raises(smtplib.SMTPDataError):
        Email.deliver(email.pk)
    email.refresh_from_db()
    assert email.status == Email.Status.PENDING

    assert Email.deliver(email.pk) is False
    email.refresh_from_db()
    assert email.status == Email.Status.FAILED
    assert email.attempts == MAX_ATTEMPTS


@pytest.mark.django_db
def test_an_address_no_header_can_carry_is_given_up_not_retried_for_ever():
    # Stored before addresses were checked (email_queue refuses it now).
    email = pending_email(to='"ann\x0bb"@example.org')

    assert Email.deliver(email.pk) is False

    email.refresh_from_db()
    assert email.status == Email.Status.FAILED
    assert email.last_error.startswith("ValueError")
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_outbox_makes_subjects_one_line_and_refuses_broken_addresses():
    email = email_queue(
        key="test:subject", to="a@example.org", subject="Hello\r\nBcc: x@example.org", body_text="."
    )
    assert email.subject == "Hello Bcc: x@example.org"
    assert email.as_message().message()["Bcc"] is None

    with pytest.raises(ValueError, match="not a usable address"):
        email_queue(
            key="test:to", to="a@example.org\nBcc: x@example.org", subject="Hi", body_text="."
        )
    assert not Email.objects.filter(key="test:to").exists()


# --- Session reminders --------------------------------------------------------


@pytest.fixture
def reminder_world(hub):
    """Two groups with sessions inside and outside the next 24 hours, and teachers
    in every state of enrolment."""
    now = timezone.now()
    algebra = make_workgroup(hub, title="Algebra & reasoning")
    make_session(algebra, 1, now - timedelta(days=14), gap_task="Try bar models for ratio.")
    make_session(algebra, 2, now + timedelta(hours=2), venue_name="Carmel College")
    make_session(algebra, 3, now + timedelta(hours=30))
    fractions = make_workgroup(hub, title="Fractions in Year 5")
    make_session(fractions, 1, now + timedelta(hours=23), is_online=True)
    past = make_workgroup(hub, title="Place value")
    make_session(past, 1, now - timedelta(hours=1))

    teachers = {name: make_teacher(f"{name}@example.org") for name in ["ann", "bob", "cat", "dan"]}
    enrol = Enrolment.objects.create
    enrol(workgroup=algebra, teacher=teachers["ann"], status="confirmed")
    enrol(workgroup=fractions, teacher=teachers["ann"], status="confirmed")
    enrol(workgroup=algebra, teacher=teachers["bob"], status="waiting")
    enrol(workgroup=algebra, teacher=teachers["cat"], status="withdrawn")
    enrol(workgroup=fractions, teacher=teachers["dan"], status="confirmed")
    enrol(workgroup=past, teacher=teachers["dan"], status="confirmed")
    return {"algebra": algebra, "fractions": fractions, "teachers": teachers}


def reminder_pairs() -> set[tuple[str, str]]:
    rows = Email.objects.filter(key__startswith="reminder:").values_list("to", "subject")
    return {(to, subject.split(",")[0]) for to, subject in rows}


@with_worker
def test_reminders_go_once_to_confirmed_teachers_of_sessions_in_the_next_day(
    reminder_world, celery_worker, wait_until
):
    expected = {
        ("ann@example.org", "Reminder: Algebra & reasoning"),
        ("ann@example.org", "Reminder: Fractions in Year 5"),
        ("dan@example.org", "Reminder: Fractions in Year 5"),
    }
    for _ in range(2):
        run = send_session_reminders.delay()
        assert celery_worker.wait_for(run.id) == "SUCCESS"
        wait_until(lambda: len(sent_emails(key__startswith="reminder:")) == 3)

    assert reminder_pairs() == expected
    assert Email.objects.count() == 3
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ann@example.org",
        "ann@example.org",
        "dan@example.org",
    ]


@pytest.mark.django_db
def test_a_reminder_says_what_when_where_and_what_to_bring(reminder_world, settings):
    settings.SITE_URL = "https://portal.example.org"
    algebra = reminder_world["algebra"]
    session = algebra.sessions.get(order=2)
    ann = reminder_world["teachers"]["ann"]
    enrolment = Enrolment.objects.get(teacher=ann, workgroup=algebra)

    session_reminders_queue()

    email = Email.objects.get(key=f"reminder:{session.pk}:{enrolment.pk}")
    starts = timezone.localtime(session.starts_at, LONDON)
    ends = timezone.localtime(session.ends_at, LONDON)
    assert email.to == ann.email
    assert email.subject == (
        f"Reminder: Algebra & reasoning, session 2, {starts:%A} {starts.day} {starts:%B} "
        f"at {starts:%H:%M}"
    )
    when = f"{starts:%A} {starts.day} {starts:%B %Y}, {starts:%H:%M} to {ends:%H:%M} (UK time)"
    for body in (email.body_text, email.body_html):
        assert when in body
        assert "Carmel College" in body
        assert "gap task from session 1" in body
        assert "Try bar models for ratio." in body
        assert f"https://portal.example.org{algebra.get_absolute_url()}" in body
        assert f"https://portal.example.org{reverse('workgroups:mine')}" in body
    assert "Algebra & reasoning" in email.body_text  # no HTML escaping in plain text
    assert "Algebra &amp; reasoning" in email.body_html


@pytest.mark.django_db
def test_online_sessions_and_first_sessions_say_so(reminder_world):
    fractions = reminder_world["fractions"]

    session_reminders_queue()

    email = Email.objects.filter(subject__contains=fractions.title).first()
    assert "Where: Online" in email.body_text
    assert "gap task" not in email.body_text


@pytest.mark.django_db
def test_the_reminder_window_is_the_next_24_hours(hub):
    now = timezone.now()
    workgroup = make_workgroup(hub)
    starts = [now - timedelta(minutes=1), now + timedelta(hours=23, minutes=59)]
    starts += [now + timedelta(hours=24, minutes=1)]
    sessions = [make_session(workgroup, order, at) for order, at in enumerate(starts, 1)]
    enrolment = Enrolment.objects.create(
        workgroup=workgroup, teacher=make_teacher(), status="confirmed"
    )

    assert session_reminders_queue(now=now) == 1

    assert list(Email.objects.values_list("key", flat=True)) == [
        f"reminder:{sessions[1].pk}:{enrolment.pk}"
    ]


@pytest.mark.django_db
def test_reminders_run_a_fixed_number_of_queries(reminder_world, django_assert_num_queries):
    assert session_reminders_queue() == 3
    extra = make_workgroup(reminder_world["algebra"].hub)
    make_session(extra, 1, timezone.now() + timedelta(hours=5))
    for _ in range(5):
        Enrolment.objects.create(workgroup=extra, teacher=make_teacher(), status="confirmed")
    session_reminders_queue()

    # Sessions in the window with their groups and hubs; the confirmed
    # enrolments with their teachers; the gap tasks of those groups' sessions;
    # the reminders already recorded. Nothing per session or per teacher.
    with django_assert_num_queries(4):
        assert session_reminders_queue() == 0


# --- The calendar feed ----------------------------------------------------------


@pytest.fixture
def calendar_world(hub):
    """Ann holds places in two groups (one completed), waits for one, left one."""
    now = timezone.now()
    groups = {
        status: make_workgroup(hub, title=f"Group {status}")
        for status in ["confirmed", "completed", "waiting", "withdrawn", "other"]
    }
    confirmed = groups["confirmed"]
    make_session(
        confirmed,
        1,
        datetime(2026, 11, 10, 16, 0, tzinfo=UTC),
        venue_name="Carmel College",
        venue_address="Darlington DL3 8RW",
        gap_task="Try a bar model with your class.",
    )
    make_session(confirmed, 2, datetime(2027, 1, 12, 16, 0, tzinfo=UTC), is_online=True)
    for order, status in enumerate(["completed", "waiting", "withdrawn", "other"], 1):
        make_session(groups[status], 1, now + timedelta(days=order))
    ann = make_teacher("ann@example.org")
    for status in ["confirmed", "completed", "waiting", "withdrawn"]:
        Enrolment.objects.create(workgroup=groups[status], teacher=ann, status=status)
    Enrolment.objects.create(workgroup=groups["other"], teacher=make_teacher(), status="confirmed")
    return {"ann": ann, "groups": groups}


def feed(client, token: str) -> Calendar:
    response = client.get(reverse("workgroups:calendar", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


@pytest.mark.django_db
def test_the_feed_has_the_sessions_of_groups_the_teacher_holds_a_place_in(
    calendar_world, client, settings
):
    settings.SITE_URL = "https://portal.example.org"
    groups = calendar_world["groups"]

    calendar = feed(client, calendar_world["ann"].calendar_token)

    assert str(calendar["X-WR-CALNAME"]) == "Maths Hubs: my Work Group sessions"
    expected = WorkGroup.objects.filter(
        pk__in=[groups["confirmed"].pk, groups["completed"].pk]
    ).values_list("sessions__pk", flat=True)
    assert sorted(str(event["UID"]) for event in calendar.events) == sorted(
        f"session-{pk}@mathshubs" for pk in expected
    )
    first, second = (e for e in calendar.events if str(e["SUMMARY"]).startswith("Group confirmed"))
    assert str(first["SUMMARY"]) == "Group confirmed: session 1"
    assert first.start == datetime(2026, 11, 10, 16, 0, tzinfo=UTC)
    assert first.end == datetime(2026, 11, 10, 18, 0, tzinfo=UTC)
    assert str(first["LOCATION"]) == "Carmel College, Darlington DL3 8RW"
    assert "Gap task to try before the next session: Try a bar model" in str(first["DESCRIPTION"])
    url = f"https://portal.example.org{groups['confirmed'].get_absolute_url()}"
    assert str(first["URL"]) == url
    assert str(second["LOCATION"]) == "Online"
    assert "Gap task to bring (from session 1): Try a bar model" in str(second["DESCRIPTION"])


@pytest.mark.django_db
def test_times_in_the_feed_are_in_utc_and_apps_refresh_it_hourly(calendar_world, client):
    response = client.get(
        reverse("workgroups:calendar", args=[calendar_world["ann"].calendar_token])
    )

    assert b"DTSTART:20261110T160000Z" in response.content
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in response.content
    assert b"X-PUBLISHED-TTL:PT1H" in response.content
    assert b"DTSTART:20270112T160000Z" in response.content


@pytest.mark.django_db
def test_an_unknown_token_is_not_found(calendar_world, client):
    response = client.get(reverse("workgroups:calendar", args=["not-a-real-token"]))

    assert response.status_code == 404
    assert b"ann@example.org" not in response.content


@pytest.mark.django_db
def test_the_feed_runs_a_fixed_number_of_queries(calendar_world, client, django_assert_num_queries):
    ann = calendar_world["ann"]
    url = reverse("workgroups:calendar", args=[ann.calendar_token])
    # The user by token; the sessions with their Work Groups.
    with django_assert_num_queries(2):
        client.get(url)
    more = make_workgroup(calendar_world["groups"]["confirmed"].hub)
    for order in range(1, 6):
        make_session(more, order, timezone.now() + timedelta(days=order))
    Enrolment.objects.create(workgroup=more, teacher=ann, status="confirmed")
    with django_assert_num_queries(2):
        assert len(Calendar.from_ical(client.get(url).content).events) == 8


@pytest.mark.django_db
def test_resetting_the_link_revokes_the_old_one(calendar_world, client):
    ann = calendar_world["ann"]
    old = ann.calendar_token
    client.force_login(ann)

    response = client.post(reverse("workgroups:calendar-reset"))

    assert response.status_code == 302
    assert response["Location"] == reverse("workgroups:mine")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your calendar link has been changed; the old one no longer works."
    ]
    ann.refresh_from_db()
    assert ann.calendar_token != old
    assert client.get(reverse("workgroups:calendar", args=[old])).status_code == 404
    assert len(feed(client, ann.calendar_token).events) == 3


@pytest.mark.django_db
def test_resetting_needs_a_login_and_a_post(calendar_world, client):
    ann = calendar_world["ann"]
    url = reverse("workgroups:calendar-reset")

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

    client.force_login(ann)
    assert client.get(url).status_code == 405
    token = ann.calendar_token
    ann.refresh_from_db()
    assert ann.calendar_token == token
