"""Operators' view: probes, one log line per request and per task, one request id."""

import logging
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from notifications.models import Email
from tests.factories import make_session, make_teacher, make_workgroup


def records(caplog, logger: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == logger]


# --- Probes ---------------------------------------------------------------------


def test_livez_answers_without_touching_the_database(client):
    # No django_db mark: any query here would fail the test.
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reports_the_database_and_the_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_says_503_and_which_part_fails_when_the_broker_is_unreachable(client):
    # Nothing listens on port 1: the broker cannot be reached.
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ")


# --- Request ids ------------------------------------------------------------------


@pytest.mark.django_db
def test_each_request_gets_an_id_in_its_log_line_and_its_response(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")

    first = client.get("/hubs/")
    second = client.get("/hubs/")

    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert len(set(ids)) == 2
    lines = records(caplog, "portal.request")
    assert [line.request_id for line in lines] == ids
    assert lines[0].getMessage().startswith("GET /hubs/ 200 ")


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_and_a_malformed_one_replaced(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")

    kept = client.get("/livez", headers={"X-Request-ID": "edge-7f3a9c21"})
    trailing_newline = client.get("/livez", headers={"X-Request-ID": "abcdefgh\n"})
    assert trailing_newline.status_code == 200
    assert trailing_newline["X-Request-ID"] != "abcdefgh\n"
    replaced = client.get("/livez", headers={"X-Request-ID": "bad id\r\nSet-Cookie: x=1"})

    assert kept["X-Request-ID"] == "edge-7f3a9c21"
    assert replaced["X-Request-ID"] != "bad id\r\nSet-Cookie: x=1"
    assert len(replaced["X-Request-ID"]) == 32
    assert "x=1" not in str(replaced.cookies)


@pytest.mark.django_db(transaction=True)
def test_the_request_id_follows_the_email_task_into_the_worker(
    celery_worker, wait_until, client, hub, caplog
):
    caplog.set_level(logging.INFO, logger="portal.request")
    caplog.set_level(logging.INFO, logger="portal.task")
    workgroup = make_workgroup(hub)
    make_session(workgroup, 1, timezone.now() + timedelta(days=10))
    teacher = make_teacher()
    client.force_login(teacher)

    response = client.post(
        reverse("workgroups:join", args=[workgroup.slug]),
        headers={"X-Request-ID": "join-request-0001"},
    )

    assert response.status_code == 302
    wait_until(lambda: Email.objects.filter(to=teacher.email, status=Email.Status.SENT).exists())
    [task_line] = wait_until(lambda: records(caplog, "portal.task"))
    assert task_line.getMessage().startswith("notifications.tasks.send_email ")
    assert " SUCCESS " in task_line.getMessage()
    assert task_line.getMessage().endswith(" -> True")  # send_email sent it
    assert task_line.request_id == "join-request-0001"
    [request_line] = [
        line for line in records(caplog, "portal.request") if line.request_id == "join-request-0001"
    ]
    assert request_line.getMessage().startswith(f"POST /workgroups/{workgroup.slug}/join/ 302 ")
    assert f"user={teacher.pk}" in request_line.getMessage()


@pytest.mark.django_db
def test_a_line_break_in_the_path_cannot_forge_a_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")

    client.get("/x%0A2026-01-01 00:00:00,000 INFO portal.request [forged] GET /admin/ 200")

    [line] = records(caplog, "portal.request")
    assert "\n" not in line.getMessage()
    assert line.getMessage().startswith("GET /x\\n2026-01-01")
