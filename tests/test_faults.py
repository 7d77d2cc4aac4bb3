"""Nothing lost when something fails: Redis down, PostgreSQL restarting.

The two ``faults``-marked tests start real processes (tests/servers.py): a
private redis-server and PostgreSQL cluster that they stop and start again,
the portal under gunicorn with the production settings, a Celery worker and
an SMTP server. They never touch the machine's shared PostgreSQL server or
Redis beyond pytest's own test database. The other tests here check the same
pieces in process, quickly.
"""

import email
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from unittest import mock

import pytest
from celery import Celery
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from kombu.exceptions import OperationalError as BrokerError

from hubs_portal.celery import app as celery_app
from hubs_portal.middleware import database_unavailable_response
from notifications.models import Email
from notifications.services import broker_breaker, task_publish
from notifications.tasks import requeue_unsent_emails, send_email
from tests.factories import make_session, make_teacher, make_workgroup
from tests.servers import (
    MailSink,
    Portal,
    PostgresCluster,
    ProcessGroup,
    RedisServer,
    database_url,
    wait_for,
)
from workgroups.models import Enrolment
from workgroups.services import enrolment_join

BUSY = "The service is busy, please try again"
REQUEUE = "notifications.tasks.requeue_unsent_emails"
CSRF_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


# --- A URL configuration for the in-process middleware tests -----------------


def _database_gone(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def _bug(request):
    raise ValueError("a bug, not the database")


def _writes_the_session(request):
    request.session["seen"] = True
    return HttpResponse("ok")


urlpatterns = [
    path("database-gone/", _database_gone),
    path("bug/", _bug),
    path("writes-the-session/", _writes_the_session),
    path("", include("hubs_portal.urls")),  # the middleware reverses the portal's URLs
]


# --- The 503 page, in process ------------------------------------------------


def test_the_busy_page_needs_no_database():
    # No django_db mark: any query here would raise, and the page would fall
    # back to its bare text without the stylesheet.
    response = database_unavailable_response()

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Cache-Control"] == "no-store"
    content = response.content.decode()
    assert BUSY in content
    assert "/static/css/portal.css" in content
    assert "<script" not in content
    assert "style=" not in content


@pytest.mark.urls("tests.test_faults")
def test_a_view_that_loses_the_database_answers_503(client, caplog):
    response = client.get("/database-gone/")

    assert response.status_code == 503
    assert BUSY in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert response["Retry-After"] == "10"
    assert "Content-Security-Policy" in response  # the page went through the CSP middleware
    [record] = [r for r in caplog.records if r.name == "hubs_portal.middleware"]
    assert record.levelname == "ERROR"
    assert "database unavailable, answered 503 to GET /database-gone/" in record.getMessage()


@pytest.mark.urls("tests.test_faults")
def test_a_middleware_that_loses_the_database_answers_503(caplog):
    # The session middleware saves the session after the view: that error is
    # turned into a 500 by Django before our middleware sees it.
    client = Client(raise_request_exception=False)
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.save",
        side_effect=OperationalError("terminating connection due to administrator command"),
    ):
        response = client.get("/writes-the-session/")

    assert response.status_code == 503
    assert BUSY in response.content.decode()
    assert "Content-Security-Policy" in response
    assert any(r.name == "hubs_portal.middleware" for r in caplog.records)


@pytest.mark.urls("tests.test_faults")
def test_other_errors_are_still_500():
    response = Client(raise_request_exception=False).get("/bug/")

    assert response.status_code == 500
    assert BUSY not in response.content.decode()


# --- Publishing and the re-queue, in process ---------------------------------


@pytest.fixture
def broker_not_eager():
    """Tasks go to the (mocked) broker instead of running in process."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    broker_breaker.reset()
    yield
    celery_app.conf.task_always_eager = saved
    broker_breaker.reset()


@pytest.mark.django_db
def test_an_unreachable_broker_leaves_the_email_for_the_requeue(
    hub, broker_not_eager, django_capture_on_commit_callbacks, caplog
):
    workgroup = make_workgroup(hub)
    make_session(workgroup, 1, timezone.now() + timedelta(days=10))
    teacher = make_teacher()
    refused = BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with mock.patch.object(send_email, "apply_async", side_effect=refused) as publish:
        with django_capture_on_commit_callbacks(execute=True):
            enrolment = enrolment_join(workgroup_id=workgroup.pk, teacher=teacher)
        # Once refused, the broker is left alone for a moment: no second wait.
        assert task_publish(send_email, 999) is False
        assert publish.call_count == 1

    assert enrolment.status == Enrolment.Status.CONFIRMED
    row = Email.objects.get()
    assert (row.status, row.queued_at) == (Email.Status.PENDING, None)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("could not queue notifications.tasks.send_email" in w for w in warnings)

    # The broker is back: the periodic task queues it at once, then not again.
    broker_breaker.reset()
    with mock.patch.object(send_email, "apply_async") as publish:
        assert requeue_unsent_emails() == 1
        publish.assert_called_once_with((row.pk,))
        row.refresh_from_db()
        assert row.queued_at is not None
        assert requeue_unsent_emails() == 0


@pytest.mark.django_db
def test_the_requeue_takes_never_queued_emails_at_once_and_queued_ones_after_10_minutes():
    now = timezone.now()

    def row(key, *, created, queued=None, status=Email.Status.PENDING):
        return Email.objects.create(
            key=key,
            to=f"{key}@example.org",
            subject=key,
            body_text=key,
            status=status,
            created_at=now - created,
            queued_at=None if queued is None else now - queued,
        )

    never_old = row("never-old", created=timedelta(hours=2))
    lost = row("lost", created=timedelta(minutes=30), queued=timedelta(minutes=11))
    never_new = row("never-new", created=timedelta(seconds=1))
    row("queued-lately", created=timedelta(hours=1), queued=timedelta(minutes=9))
    row("sent", created=timedelta(hours=3), status=Email.Status.SENT)
    row("sent-queued", created=timedelta(hours=3), queued=timedelta(hours=3), status="sent")

    assert list(Email.objects.to_requeue(now=now)) == [never_old, lost, never_new]


# --- Real processes: Redis down ------------------------------------------------


@pytest.fixture
def processes(tmp_path):
    group = ProcessGroup(tmp_path)
    yield group
    group.stop_all()


@pytest.fixture
def redis_server(processes):
    server = RedisServer(processes)
    server.start()
    return server


@pytest.fixture
def mail_sink():
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


def send_like_beat(broker_url: str, task_name: str) -> str:
    """Publish a task by name on the default queue, as celery beat does; its id."""
    beat = Celery("faults-beat", set_as_current=False)
    # The connection is explicit: Celery prefers a CELERY_BROKER_URL in the
    # environment (the test settings set one) to the app's own broker.
    with beat.connection_for_write(broker_url) as connection:
        return beat.send_task(task_name, connection=connection).id


def session_cookie(user) -> str:
    """A real session for ``user`` in the database the portal reads."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_enrolments_succeed_and_every_email_goes_out_once_it_is_back(
    hub, processes, redis_server, mail_sink, settings
):
    workgroup = make_workgroup(hub, capacity=10)
    make_session(workgroup, 1, timezone.now() + timedelta(days=10))
    teachers = [make_teacher() for _ in range(3)]
    portal = Portal(
        processes,
        database_url=database_url(settings.DATABASES["default"]),
        secret_key=settings.SECRET_KEY,
        CELERY_BROKER_URL=redis_server.url,
        EMAIL_URL=mail_sink.url,
    )
    portal.start_web()
    portal.start_worker()
    portal.wait_ready()

    with processes.logs_on_failure():
        redis_server.stop()

        join = reverse("workgroups:join", args=[workgroup.slug])
        for teacher in teachers:
            csrf = get_random_string(32, CSRF_ALPHABET)
            cookies = {"sessionid": session_cookie(teacher), "csrftoken": csrf}
            joined = portal.request(
                "POST", join, cookies=cookies, form={"csrfmiddlewaretoken": csrf}
            )
            assert joined.status == 302, joined.text[:2000]
            assert joined.headers["location"] == workgroup.get_absolute_url()
            assert joined.seconds < 3, f"joining took {joined.seconds:.1f} s with Redis down"
            page = portal.request(
                "GET", workgroup.get_absolute_url(), cookies=cookies | joined.set_cookies
            )
            assert page.status == 200
            assert f"You have a place on {workgroup.title}" in page.text

        enrolments = Enrolment.objects.filter(workgroup=workgroup).order_by("pk")
        assert sorted(enrolments.values_list("teacher_id", "status")) == [
            (teacher.pk, Enrolment.Status.CONFIRMED) for teacher in teachers
        ]
        rows = list(Email.objects.order_by("pk"))
        assert [row.key for row in rows] == [f"enrolment:{e.pk}:confirmed" for e in enrolments]
        assert {(row.status, row.queued_at) for row in rows} == {(Email.Status.PENDING, None)}
        assert "could not queue notifications.tasks.send_email" in portal.web.output()
        assert mail_sink.received == []

        redis_server.start()
        # Beat would send this within ten minutes; the test sends it now, the same way.
        first = send_like_beat(redis_server.url, REQUEUE)
        wait_for(
            lambda: len(mail_sink.received) >= 3,
            timeout=40,
            message="the three confirmation e-mails did not arrive",
        )
        [requeued] = [
            line
            for line in portal.worker.output().splitlines()
            if f"portal.task [-] {REQUEUE} {first} SUCCESS" in line
        ]
        assert requeued.endswith(" -> 3"), requeued  # the three never handed to the broker

        second = send_like_beat(redis_server.url, REQUEUE)
        done = wait_for(
            lambda: [
                line
                for line in portal.worker.output().splitlines()
                if f"portal.task [-] {REQUEUE} {second} SUCCESS" in line
            ],
            timeout=20,
            message="the second re-queue did not run",
        )
        assert done[0].endswith(" -> 0"), done  # it queued nothing

        received = mail_sink.received
        assert sorted(rcpt for m in received for rcpt in m.rcpt_tos) == sorted(
            t.email for t in teachers
        )
        subjects = {email.message_from_bytes(m.original_content)["Subject"] for m in received}
        assert subjects == {f"You have a place on {workgroup.title}"}
        rows = list(Email.objects.order_by("pk"))
        assert {(row.status, row.attempts) for row in rows} == {(Email.Status.SENT, 1)}
        assert all(row.queued_at is not None for row in rows)


# --- Real processes: PostgreSQL restarts ------------------------------------------


@pytest.fixture
def postgres_cluster(processes):
    cluster = PostgresCluster(processes)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


# Migrates and loads the reference data into the private cluster, and logs in
# a teacher there: one Django start-up instead of three.
SETUP = """
from django.core.management import call_command
from django.test import Client
from accounts.models import User

call_command("migrate", verbosity=0)
call_command("load_reference_data", verbosity=0)
teacher = User.objects.create_user("fay@example.org", full_name="Fay Faults")
client = Client()
client.force_login(teacher)
print("SESSION", client.cookies["sessionid"].value)
"""


@dataclass
class Hit:
    at: float
    path: str
    status: int | None
    text: str = ""
    retry_after: str | None = None
    error: str = ""


class Traffic(threading.Thread):
    """Requests the same few pages over and over until stopped; keeps every answer."""

    def __init__(self, portal: Portal, pages: list[tuple[str, dict]]):
        super().__init__(daemon=True)
        self.portal = portal
        self.pages = pages
        self.hits: list[Hit] = []
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            for page, cookies in self.pages:
                try:
                    response = self.portal.request("GET", page, cookies=cookies, timeout=20)
                except Exception as error:  # a refused or dropped connection is a failure too
                    self.hits.append(Hit(time.monotonic(), page, None, error=repr(error)))
                else:
                    self.hits.append(
                        Hit(
                            time.monotonic(),
                            page,
                            response.status,
                            response.text,
                            response.headers.get("retry-after"),
                        )
                    )
            time.sleep(0.02)

    def since(self, moment: float) -> list[Hit]:
        return [hit for hit in list(self.hits) if hit.at > moment]

    def every_page_answered(self, status: int, since: float, times: int = 1) -> bool:
        """Whether every page has answered ``status`` at least ``times`` times since then."""
        answered = Counter(hit.path for hit in self.since(since) if hit.status == status)
        return all(answered[page] >= times for page, _ in self.pages)

    def summary(self) -> str:
        return ", ".join(
            f"{page} {status or error}: {count}"
            for (page, status, error), count in Counter(
                (hit.path, hit.status, hit.error[:60]) for hit in list(self.hits)
            ).items()
        )


@pytest.mark.faults
def test_a_database_restart_gives_try_again_pages_then_recovers_without_a_restart(
    processes, postgres_cluster, settings
):
    postgres_cluster.create_database("portal")
    portal = Portal(
        processes,
        database_url=postgres_cluster.url("portal"),
        secret_key=settings.SECRET_KEY,
    )
    output = portal.manage("shell", "-c", SETUP)
    session = output.split("SESSION ", 1)[1].split()[0]
    portal.start_web()
    portal.wait_ready()
    pages = [
        (reverse("home"), {}),
        (reverse("workgroups:list"), {}),
        (reverse("hubs:detail", args=["archimedes-ne"]), {}),
        (reverse("workgroups:mine"), {"sessionid": session}),
    ]
    traffic = Traffic(portal, pages)

    with processes.logs_on_failure():
        workers = portal.worker_pids()
        assert len(workers) == 2, workers
        started = time.monotonic()
        traffic.start()
        try:
            # A few rounds first, so that each worker holds open connections
            # for the restart to break (CONN_MAX_AGE).
            wait_for(
                lambda: traffic.every_page_answered(200, started, times=5),
                timeout=15,
                message=f"the pages did not answer 200 before the restart: {traffic.summary()}",
            )

            stopped = time.monotonic()
            postgres_cluster.stop()
            wait_for(
                lambda: traffic.every_page_answered(503, stopped, times=5),
                timeout=15,
                message=f"no 503s while the database was down: {traffic.summary()}",
            )

            postgres_cluster.start()
            restarted = time.monotonic()
            wait_for(
                lambda: traffic.every_page_answered(200, restarted),
                timeout=5,
                message=f"no recovery within 5 s of the database's return: {traffic.summary()}",
            )
            # When every page had answered 200 again; then a little more traffic.
            recovered = max(
                min(
                    hit.at
                    for hit in traffic.since(restarted)
                    if (hit.path, hit.status) == (page, 200)
                )
                for page, _ in pages
            )
            wait_for(
                lambda: traffic.every_page_answered(200, recovered, times=5),
                timeout=15,
                message=f"the pages did not keep answering 200: {traffic.summary()}",
            )
        finally:
            traffic.stopping.set()
            traffic.join(30)

        hits = traffic.hits
        statuses = {(hit.status, hit.error) for hit in hits}
        assert statuses <= {(200, ""), (503, "")}, traffic.summary()
        busy = [hit for hit in hits if hit.status == 503]
        assert busy
        assert all(BUSY in hit.text and "Traceback" not in hit.text for hit in busy)
        assert {hit.retry_after for hit in busy} == {"10"}
        assert not any(hit.status == 503 for hit in traffic.since(recovered)), traffic.summary()
        assert portal.web.alive()
        assert portal.worker_pids() == workers, "gunicorn's workers were restarted"
        assert "database unavailable, answered 503" in portal.web.output()
