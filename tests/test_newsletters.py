"""Hub newsletters: double opt-in, one-click unsubscribe, writing and sending issues.

The last test sends to 2,000 subscribers through real Celery worker processes
on the real Redis, kills one mid-send and checks that every subscriber still
gets exactly one copy.
"""

import asyncio
import csv
import email
import email.policy
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import redis
from aiosmtpd.controller import Controller
from django.core import mail, signing
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from hubs.models import Hub, HubMembership
from hubs_portal.celery import app as celery_app
from newsletters.models import Delivery, Issue, Subscriber, markdown_to_safe_html
from newsletters.services import (
    issue_send,
    issue_send_batch,
    issues_requeue_stuck,
    subscriber_unsubscribe,
)
from newsletters.tokens import unsubscribe_token
from notifications.models import Email
from tests.factories import make_teacher
from tests.helpers import page_text

CONFIRM_LINK = re.compile(r"/newsletter/confirm/([^/\s\"]+)/")


def visible_text(response) -> str:
    """The page's text without its tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def sign_up(client, hub, address, *, ip="192.0.2.10"):
    return client.post(
        reverse("newsletters:subscribe", args=[hub.slug]),
        {"newsletter-email": address},
        REMOTE_ADDR=ip,
    )


def confirm_path(email_row: Email) -> str:
    token = CONFIRM_LINK.search(email_row.body_text).group(1)
    return reverse("newsletters:confirm", args=[token])


def latest_confirmation(address: str) -> Email:
    return Email.objects.filter(key__startswith="newsletter-confirm:", to=address).latest("pk")


def make_subscriber(hub, address, status=Subscriber.Status.CONFIRMED) -> Subscriber:
    return Subscriber.objects.create(hub=hub, email=address, status=status)


def unsubscribe_path(subscriber) -> str:
    return reverse("newsletters:unsubscribe", args=[unsubscribe_token(subscriber.pk)])


# --- Signing up: double opt-in ---------------------------------------------------


@pytest.mark.django_db
def test_signing_up_adds_a_pending_address_and_emails_a_link_to_confirm(
    client, hub, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, hub, "ann@example.org")

    assert response.status_code == 302
    assert response["Location"] == reverse("newsletters:subscribe-done", args=[hub.slug])
    subscriber = Subscriber.objects.get()
    assert (subscriber.hub, subscriber.email, subscriber.status) == (
        hub,
        "ann@example.org",
        Subscriber.Status.PENDING,
    )
    email_row = Email.objects.get()
    assert email_row.key == f"newsletter-confirm:{subscriber.pk}:1"
    [message] = mail.outbox
    assert message.to == ["ann@example.org"]
    assert message.subject == f"Please confirm: {hub.name} newsletter"
    assert CONFIRM_LINK.search(message.body)
    assert "The link works for 3 days" in message.body
    done = page_text(client.get(response["Location"]))
    assert "Check your e-mail" in done


@pytest.mark.django_db
def test_the_link_shows_a_button_and_only_pressing_it_confirms(client, hub):
    sign_up(client, hub, "ann@example.org")
    url = confirm_path(latest_confirmation("ann@example.org"))

    # Mail scanners follow links: a GET changes nothing.
    page = client.get(url)
    assert page.status_code == 200
    assert "Yes, send me the newsletter" in page_text(page)
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING

    response = client.post(url)

    assert response.status_code == 302
    assert response["Location"] == hub.get_absolute_url()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.confirmed_at is not None
    # Following it again is harmless.
    assert client.post(url).status_code == 302
    assert "already gets" in page_text(client.get(url))


@pytest.mark.django_db
def test_forged_and_expired_links_are_refused_and_change_nothing(client, hub, monkeypatch):
    sign_up(client, hub, "ann@example.org")
    subscriber = Subscriber.objects.get()
    good = CONFIRM_LINK.search(latest_confirmation("ann@example.org").body_text).group(1)
    forged = signing.dumps({"s": subscriber.pk, "u": ""}, salt="not-the-right-salt")
    tampered = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    with monkeypatch.context() as patch:
        four_days_ago = signing.b62_encode(int(time.time()) - 4 * 24 * 3600)
        patch.setattr(signing.TimestampSigner, "timestamp", lambda self: four_days_ago)
        expired = signing.dumps({"s": subscriber.pk, "u": ""}, salt="newsletters.confirm")

    for token, heading in [
        (forged, "This link does not work"),
        (tampered, "This link does not work"),
        (expired, "This link has expired"),
    ]:
        url = reverse("newsletters:confirm", args=[token])
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 400
            assert heading in page_text(response)
            assert "Nothing has been changed" in page_text(response)

    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.confirmed_at is None


@pytest.mark.django_db
def test_signing_up_again_is_harmless_and_never_says_whether_the_address_is_listed(client, hub):
    responses = [sign_up(client, hub, "ann@example.org")]
    # Pending: a new link is sent, under a new outbox key.
    responses.append(sign_up(client, hub, "Ann@Example.ORG"))
    assert Subscriber.objects.count() == 1
    keys = list(Email.objects.order_by("pk").values_list("key", flat=True))
    subscriber = Subscriber.objects.get()
    assert keys == [
        f"newsletter-confirm:{subscriber.pk}:1",
        f"newsletter-confirm:{subscriber.pk}:2",
    ]

    # Confirmed: left as it is, and sent nothing.
    client.post(confirm_path(latest_confirmation("ann@example.org")))
    responses.append(sign_up(client, hub, "ann@example.org", ip="192.0.2.11"))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert Email.objects.count() == 2
    # A new address sees exactly the same answer.
    responses.append(sign_up(client, hub, "new@example.org", ip="192.0.2.11"))

    assert {(r.status_code, r["Location"]) for r in responses} == {
        (302, reverse("newsletters:subscribe-done", args=[hub.slug]))
    }


@pytest.mark.django_db
def test_an_unsubscribed_address_comes_back_only_through_a_new_confirmation(client, hub):
    sign_up(client, hub, "ann@example.org")
    old_link = confirm_path(latest_confirmation("ann@example.org"))
    client.post(old_link)
    subscriber = Subscriber.objects.get()
    client.post(unsubscribe_path(subscriber))

    sign_up(client, hub, "ann@example.org")

    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    # The link from before the unsubscription no longer brings the address back.
    assert client.post(old_link).status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    new_link = confirm_path(latest_confirmation("ann@example.org"))
    assert new_link != old_link
    assert client.post(new_link).status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


@pytest.mark.django_db
def test_a_mistyped_address_is_shown_next_to_the_field(client, hub):
    response = sign_up(client, hub, "ann at example")

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert 'href="#id_newsletter-email"' in text
    assert 'id="id_newsletter-email_error"' in text
    assert 'aria-describedby="id_newsletter-email_error"' in text
    assert 'value="ann at example"' in text
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_sign_ups_are_limited_per_ip_address(client, hub):
    for n in range(5):
        assert sign_up(client, hub, f"person{n}@example.org").status_code == 302

    response = sign_up(client, hub, "one-too-many@example.org")

    assert response.status_code == 429
    assert "too many sign-ups" in page_text(response)
    assert "wait 10 minutes" in page_text(response)
    assert Subscriber.objects.count() == 5
    # Someone else is not held up.
    assert sign_up(client, hub, "other@example.org", ip="198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_sign_ups_are_limited_per_address(client, hub):
    for n in range(3):
        assert sign_up(client, hub, "ann@example.org", ip=f"192.0.2.{n}").status_code == 302

    response = sign_up(client, hub, "ANN@example.org", ip="192.0.2.99")

    assert response.status_code == 429
    assert Email.objects.count() == 3


@pytest.mark.django_db
def test_the_sign_up_box_for_the_hub_page(rf: RequestFactory, hub):
    request = rf.get(hub.get_absolute_url())

    html = render_to_string("newsletters/_signup.html", {"hub": hub}, request=request)

    assert f'action="{reverse("newsletters:subscribe", args=[hub.slug])}"' in html
    assert '<label for="id_newsletter-email">Your e-mail address</label>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "aria-invalid" not in html


# --- Unsubscribing ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_get_only_asks_and_a_one_click_post_unsubscribes(hub):
    subscriber = make_subscriber(hub, "ann@example.org")
    # A mail client's one-click POST has no cookie and no CSRF token.
    client = Client(enforce_csrf_checks=True)
    url = unsubscribe_path(subscriber)

    page = client.get(url)
    assert page.status_code == 200
    assert "Stop sending" in page_text(page)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED

    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert "You have unsubscribed" in page_text(response)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None
    assert client.post(url).status_code == 200  # again: still fine


@pytest.mark.django_db
def test_a_forged_unsubscribe_link_changes_nothing(client, hub):
    subscriber = make_subscriber(hub, "ann@example.org")
    forged = signing.Signer(salt="something-else").sign_object(subscriber.pk)

    response = client.post(reverse("newsletters:unsubscribe", args=[forged]))

    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


# --- Writing an issue ---------------------------------------------------------------


def test_markdown_is_cleaned_of_anything_that_could_run():
    source = (
        "## Autumn term\n\n"
        'Join our [Work Groups](https://example.org/wg "Work Groups") **now**.\n\n'
        "<script>alert('x')</script>\n\n"
        '<img src="https://example.org/a.png" alt="A" onerror="alert(1)">\n\n'
        '[bad](javascript:alert(1)) <a href="#" onclick="steal()">click</a>\n\n'
        '<p style="color:red">styled</p><iframe src="https://evil.example"></iframe>\n'
    )

    html = markdown_to_safe_html(source)

    assert "<h2>Autumn term</h2>" in html
    assert '<a href="https://example.org/wg" title="Work Groups" rel="noopener noreferrer">' in html
    assert "<strong>now</strong>" in html
    assert '<img src="https://example.org/a.png" alt="A">' in html
    for dangerous in [
        "<script",
        "alert('x')",
        "onerror",
        "javascript:",
        "onclick",
        "style=",
        "iframe",
    ]:
        assert dangerous not in html


@pytest.fixture
def draft(hub, hub_lead) -> Issue:
    return Issue.objects.create(
        hub=hub,
        subject="Autumn news",
        body_markdown="Hello **everyone**.\n\n<script>alert(1)</script>",
        created_by=hub_lead,
    )


@pytest.mark.django_db
def test_the_team_drafts_and_edits_an_issue(client, hub, hub_member):
    client.force_login(hub_member)
    new = reverse("manage-newsletters:issue-new", args=[hub.slug])

    invalid = client.post(new, {"subject": "", "body_markdown": ""})
    assert invalid.status_code == 200
    assert 'id="id_subject_error"' in page_text(invalid)
    assert "Enter a subject." in page_text(invalid)

    response = client.post(new, {"subject": "Spring\r\nnews", "body_markdown": "Hello"})

    issue = Issue.objects.get()
    assert response["Location"] == reverse("manage-newsletters:issue", args=[hub.slug, issue.pk])
    assert (issue.subject, issue.status, issue.created_by) == ("Spring news", "draft", hub_member)
    edit = reverse("manage-newsletters:issue-edit", args=[hub.slug, issue.pk])
    client.post(edit, {"subject": "Spring news", "body_markdown": "Hello again"})
    issue.refresh_from_db()
    assert issue.body_markdown == "Hello again"
    assert list(hub.audit_entries.values_list("action", flat=True)) == [
        "newsletter edited",
        "newsletter drafted",
    ]


@pytest.mark.django_db
def test_the_preview_shows_the_issue_as_the_email_will(lead_client, hub, draft):
    response = lead_client.get(reverse("manage-newsletters:issue", args=[hub.slug, draft.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="newsletter-email-body"><p>Hello <strong>everyone</strong>.</p>' in html
    assert "<script>alert(1)</script>" not in html
    assert "alert(1)" in html  # the plain-text version shows the source, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Send to subscribers" in html
    assert "Send a test to me (lead@archimedes.example.org)" in html


@pytest.mark.django_db
def test_a_test_copy_goes_to_the_person_asking_each_time_they_ask(
    client, hub, hub_member, draft, django_capture_on_commit_callbacks
):
    client.force_login(hub_member)
    url = reverse("manage-newsletters:issue-test", args=[hub.slug, draft.pk])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        client.post(url)

    assert [m.to for m in mail.outbox] == [[hub_member.email], [hub_member.email]]
    message = mail.outbox[0]
    assert message.subject == "[Test] Autumn news"
    assert "This is a test copy" in message.body
    assert "List-Unsubscribe" not in message.extra_headers
    assert Email.objects.filter(key__startswith=f"newsletter-test:{draft.pk}:").count() == 2
    assert client.get(url).status_code == 405


# --- Sending ----------------------------------------------------------------------


@pytest.mark.django_db
def test_sending_reaches_confirmed_subscribers_only_with_one_click_unsubscribe(
    lead_client, hub, draft, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://portal.example.org"
    confirmed = [make_subscriber(hub, f"reader{n}@example.org") for n in range(3)]
    make_subscriber(hub, "pending@example.org", Subscriber.Status.PENDING)
    make_subscriber(hub, "gone@example.org", Subscriber.Status.UNSUBSCRIBED)
    make_subscriber(Hub.objects.exclude(pk=hub.pk).first(), "elsewhere@example.org")
    url = reverse("manage-newsletters:issue-send", args=[hub.slug, draft.pk])

    ask = lead_client.get(url)
    assert "It will go to the 3 confirmed subscribers" in page_text(ask)
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(url)

    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == [s.email for s in confirmed]
    by_address = {m.to[0]: m for m in mail.outbox}
    for subscriber in confirmed:
        message = by_address[subscriber.email]
        link = f"https://portal.example.org{unsubscribe_path(subscriber)}"
        assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # On the wire the link stays whole, not RFC 2047-encoded to fit 78 columns.
        wire = message.message(policy=email.policy.SMTP).as_bytes()
        assert f"\r\nList-Unsubscribe: <{link}>\r\n".encode() in wire
        assert message.subject == "Autumn news"
        assert link in message.body
        html = message.alternatives[0].content
        assert f'<a href="{link}">Unsubscribe</a>' in html
        assert "<script>" not in html
    draft.refresh_from_db()
    assert draft.status == Issue.Status.SENT
    assert (draft.recipients_count, draft.sent_count, draft.skipped_count) == (3, 3, 0)
    assert "Sent to 3 subscribers" in visible_text(
        lead_client.get(reverse("manage-newsletters:home", args=[hub.slug]))
    )

    # Sending twice is refused; the batch run again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = lead_client.post(url, follow=True)
    assert "This issue has already been sent." in page_text(again)
    issue_send_batch(
        issue_id=draft.pk, delivery_ids=list(draft.deliveries.values_list("pk", flat=True))
    )
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_an_address_that_unsubscribes_during_a_send_is_skipped(
    hub, hub_lead, draft, django_capture_on_commit_callbacks
):
    ann, bob = make_subscriber(hub, "ann@example.org"), make_subscriber(hub, "bob@example.org")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        issue_send(issue_id=draft.pk, user=hub_lead)
    subscriber_unsubscribe(token=unsubscribe_token(bob.pk))

    for callback in queued:
        callback()

    assert [m.to for m in mail.outbox] == [[ann.email]]
    draft.refresh_from_db()
    assert (draft.status, draft.sent_count, draft.skipped_count) == ("sent", 1, 1)
    assert draft.deliveries.get(subscriber=bob).status == Delivery.Status.SKIPPED


@pytest.mark.django_db
def test_only_leads_send(client, hub, hub_member, draft):
    make_subscriber(hub, "ann@example.org")
    client.force_login(hub_member)
    url = reverse("manage-newsletters:issue-send", args=[hub.slug, draft.pk])

    assert "leads can send" in page_text(client.get(url))
    assert client.post(url).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Issue.Status.DRAFT
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_nothing_is_sent_when_no_one_has_confirmed(lead_client, hub, draft):
    make_subscriber(hub, "pending@example.org", Subscriber.Status.PENDING)

    response = lead_client.post(
        reverse("manage-newsletters:issue-send", args=[hub.slug, draft.pk]), follow=True
    )

    assert "no one to send to" in page_text(response)
    draft.refresh_from_db()
    assert draft.status == Issue.Status.DRAFT


@pytest.mark.django_db
def test_the_newsletter_page_runs_a_fixed_number_of_queries(
    lead_client, hub, hub_lead, draft, django_assert_num_queries
):
    for n in range(3):
        Issue.objects.create(hub=hub, subject=f"Issue {n}", body_markdown="x", created_by=hub_lead)
    url = reverse("manage-newsletters:home", args=[hub.slug])
    # Session; user; the two-factor check; hub; role (access check, also the
    # CSV link); subscriber counts; issues with their authors and progress.
    with django_assert_num_queries(7):
        assert lead_client.get(url).status_code == 200


# --- The subscriber list --------------------------------------------------------------


@pytest.mark.django_db
def test_the_hubs_own_team_downloads_its_subscribers(client, hub, hub_lead, hub_member):
    make_subscriber(hub, "ann@example.org")
    make_subscriber(hub, "=cmd@example.org", Subscriber.Status.PENDING)
    make_subscriber(Hub.objects.exclude(pk=hub.pk).first(), "elsewhere@example.org")
    url = reverse("manage-newsletters:subscribers-csv", args=[hub.slug])

    for person in (hub_lead, hub_member):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith(
            f'attachment; filename="{hub.slug}-newsletter-subscribers-'
        )
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["email", "status", "signed_up", "confirmed", "unsubscribed"]
        # A cell that a spreadsheet would run as a formula is defused.
        assert [row[:2] for row in rows[1:]] == [
            ["'=cmd@example.org", "pending"],
            ["ann@example.org", "confirmed"],
        ]


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_address_that_a_spreadsheet_would_run_is_defused(lead_client, hub, start):
    make_subscriber(hub, f"{start}cmd@example.org")
    url = reverse("manage-newsletters:subscribers-csv", args=[hub.slug])

    [_heading, row] = csv.reader(io.StringIO(lead_client.get(url).content.decode()))
    assert row[:2] == [f"'{start}cmd@example.org", "confirmed"]


@pytest.mark.django_db
def test_nobody_else_downloads_the_subscribers(client, hub, other_hub_lead, ncetm_staff):
    make_subscriber(hub, "ann@example.org")
    url = reverse("manage-newsletters:subscribers-csv", args=[hub.slug])

    assert client.get(url).status_code == 302  # anonymous: to the log-in page
    for person, status in [(other_hub_lead, 404), (make_teacher(), 404), (ncetm_staff, 403)]:
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == status
        assert b"ann@example.org" not in response.content


# --- Exactly one copy each, through real workers that get killed ----------------------


class CountingMailServer:
    """An SMTP sink that records every message it accepts.

    It stops at message number ``hold_at`` without answering, so that the test
    can kill the worker while it waits for the reply: its transaction is open
    and holds the delivery's row lock. That message is never acknowledged, as
    when a worker dies mid-conversation.
    """

    def __init__(self, hold_at: int):
        self.hold_at = hold_at
        self.lock = threading.Lock()
        self.arrived = 0
        self.accepted: list[tuple[list[str], bytes]] = []
        self.holding = threading.Event()
        self.held_for: list[str] = []
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.arrived += 1
            number = self.arrived
        if number == self.hold_at:
            self.held_for = list(envelope.rcpt_tos)
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return "421 4.3.0 Not accepted, closing"
        with self.lock:
            self.accepted.append((list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The worker process: settings_test, but not eager, and on this test run's own
# queue (settings_test names the queue after the process id, which differs in
# a child process; a task queued by a task must reach the same workers).
WORKER_MAIN = """
import sys
import django
django.setup()
from hubs_portal.celery import app
queue, name = sys.argv[1], sys.argv[2]
app.conf.update(
    task_always_eager=False, task_default_queue=queue, worker_enable_remote_control=False
)
app.worker_main(["worker", "--pool=solo", "-Q", queue, "-n", name, "--loglevel=WARNING",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"])
"""


class WorkerProcesses:
    """Real `celery worker` processes on the test database, the broker and an SMTP port."""

    def __init__(self, queue: str, smtp_port: int, log_dir: str):
        db = connection.settings_dict
        self.queue = queue
        self.log_dir = log_dir
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hubs_portal.settings_test",
            "DATABASE_URL": (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}"
            ),
            "CELERY_BROKER_URL": celery_app.conf.broker_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "LOG_LEVEL": "WARNING",
        }
        if db.get("PASSWORD"):
            self.env["PGPASSWORD"] = db["PASSWORD"]
        self.processes: list[subprocess.Popen] = []
        self.log_files: list = []

    def start(self) -> subprocess.Popen:
        number = len(self.processes) + 1
        log = open(os.path.join(self.log_dir, f"worker{number}.log"), "wb")  # noqa: SIM115
        self.log_files.append(log)
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER_MAIN, self.queue, f"newsletter{number}@%h"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        parts = []
        for name in sorted(os.listdir(self.log_dir)):
            with open(os.path.join(self.log_dir, name), errors="replace") as log:
                parts.append(f"--- {name}\n{log.read()[-3000:]}")
        return "\n".join(parts)

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.log_files:
            log.close()


@pytest.fixture
def broker_queue():
    """This run's queue on the real broker, with tasks sent there (not run in process).

    Afterwards the queue is deleted, and so is the message the killed worker
    never acknowledged (Redis would otherwise hand it back in an hour).
    """
    app = celery_app
    queue = app.conf.task_default_queue
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    try:
        yield queue
    finally:
        app.conf.task_always_eager = saved
        with app.connection_for_write() as conn:
            declared = app.amqp.queues[queue](conn.default_channel)
            declared.declare()
            declared.delete()
        client = redis.Redis.from_url(app.conf.broker_url)
        for tag, raw in client.hgetall("unacked").items():
            if json.loads(raw)[2] == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


def delivery_locked(subscriber_email: str) -> bool:
    """True while another connection holds the lock on this subscriber's delivery row."""
    with transaction.atomic():
        free = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(subscriber__email=subscriber_email)
            .exists()
        )
    return not free


@pytest.mark.django_db(transaction=True)
def test_every_confirmed_subscriber_gets_exactly_one_copy_when_a_worker_dies(
    hub, hub_lead, broker_queue, wait_until, settings, tmp_path
):
    confirmed = [
        Subscriber(hub=hub, email=f"teacher{n:04d}@school{n % 40}.example.org", status="confirmed")
        for n in range(2000)
    ]
    others = [
        Subscriber(hub=hub, email=f"left{n}@example.org", status="unsubscribed") for n in range(40)
    ] + [Subscriber(hub=hub, email=f"waiting{n}@example.org", status="pending") for n in range(40)]
    other_hub = Hub.objects.exclude(pk=hub.pk).first()
    others += [
        Subscriber(hub=other_hub, email=f"other{n}@example.org", status="confirmed")
        for n in range(20)
    ]
    Subscriber.objects.bulk_create(confirmed + others)
    issue = Issue.objects.create(
        hub=hub, subject="Summer term news", body_markdown="## Hello\n\nNews.", created_by=hub_lead
    )
    assert HubMembership.objects.filter(user=hub_lead, hub=hub, role="lead").exists()

    server = CountingMailServer(hold_at=random.randint(300, 800))
    smtp = Controller(server, hostname="127.0.0.1", port=free_port())
    smtp.start()
    workers = WorkerProcesses(broker_queue, smtp.port, str(tmp_path))
    try:
        issue_send(issue_id=issue.pk, user=hub_lead)  # queued to the broker on commit
        first = workers.start()

        # The first worker is killed while the mail server has not yet answered
        # for message number hold_at: mid-send, its row locked, uncommitted.
        held = wait_until(
            lambda: server.holding.is_set(), timeout=30, message=f"no hold\n{workers.logs()}"
        )
        assert held
        [held_address] = server.held_for
        assert delivery_locked(held_address)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        server.release.set()

        # PostgreSQL rolled the dead worker's transaction back: the lock is
        # gone and that delivery is pending again. What the mail server
        # accepted is exactly what the database records as sent.
        wait_until(lambda: not delivery_locked(held_address), timeout=10)
        assert Delivery.objects.get(subscriber__email=held_address).status == "pending"
        assert Delivery.objects.filter(status="sent").count() == len(server.accepted)
        assert len(server.accepted) == server.hold_at - 1

        # Ten addresses still waiting for their copy unsubscribe meanwhile.
        waiting = Delivery.objects.filter(issue=issue, status="pending").exclude(
            subscriber__email=held_address
        )
        leaving = list(waiting.order_by("-pk").values_list("subscriber_id", flat=True)[:10])
        for subscriber_id in leaving:
            subscriber_unsubscribe(token=unsubscribe_token(subscriber_id))

        # Two fresh workers take the batches still queued; the safety net
        # queues the dead worker's batch again (its message would come back
        # only after Redis' visibility timeout), overlapping the others.
        workers.start()
        workers.start()
        assert issues_requeue_stuck(idle_for=timedelta(0)) >= 1

        def finished():
            issue.refresh_from_db()
            return issue.status == Issue.Status.SENT

        wait_until(finished, timeout=45, message=f"not finished\n{workers.logs()}")
    finally:
        workers.stop_all()
        server.release.set()
        smtp.stop()

    expected = {s.email for s in confirmed} - set(
        Subscriber.objects.filter(pk__in=leaving).values_list("email", flat=True)
    )
    copies = Counter(address for recipients, _ in server.accepted for address in recipients)
    assert len(expected) == 1990
    assert set(copies) == expected
    assert [address for address, n in copies.items() if n != 1] == []
    assert copies[held_address] == 1
    assert (issue.recipients_count, issue.sent_count, issue.skipped_count) == (2000, 1990, 10)
    assert not Delivery.objects.filter(status="pending").exists()

    # Every copy carries its own subscriber's one-click unsubscribe link.
    tokens = {s.email: unsubscribe_token(s.pk) for s in Subscriber.objects.filter(hub=hub)}
    site = settings.SITE_URL.rstrip("/")
    for recipients, content in server.accepted:
        message = email.message_from_bytes(content)
        link = f"{site}/newsletter/unsubscribe/{tokens[recipients[0]]}/"
        assert message["List-Unsubscribe"] == f"<{link}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
