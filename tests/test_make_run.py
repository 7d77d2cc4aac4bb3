"""`make run` in a clean folder, as a newcomer runs it.

Its own PostgreSQL from the wheel, the reference and demo data, the demo
accounts printed, the portal served; a second run in the same folder is
refused without touching the first; Ctrl-C stops the server and the
database, and the data stays for the next run.
"""

import os
import signal
import subprocess
import sys
import urllib.request

import pytest

from tests.servers import REPO, ProcessGroup, free_port, port_open, wait_for

# What the suite itself sets that a newcomer's shell does not.
NOT_A_NEWCOMERS = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DEBUG",
    "SECRET_KEY",
    "SITE_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except OSError:
        return 0


@pytest.fixture
def newcomer_env(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in NOT_A_NEWCOMERS}
    return env | {"VAR_DIR": str(tmp_path / "var")}


def test_make_run_serves_the_portal_on_its_own_database_and_stops_it(tmp_path, newcomer_env):
    port = free_port()
    group = ProcessGroup(tmp_path)
    run = [sys.executable, "scripts/run_portal.py", "--port", str(port)]
    portal = group.start("make-run", run, stop_signal=signal.SIGINT, cwd=REPO, env=newcomer_env)
    pgdata = tmp_path / "var" / "postgres"
    home = f"http://127.0.0.1:{port}/"
    try:
        with group.logs_on_failure():
            wait_for(lambda: status(home) == 200 or not portal.alive(), timeout=300, message=home)
            assert status(home) == 200
            printed = portal.output()
            assert "Starting the embedded PostgreSQL" in printed
            assert "demo" in printed.lower()
            assert f"http://127.0.0.1:{port}/" in printed
            assert (pgdata / "postmaster.pid").exists()
            assert status(f"http://127.0.0.1:{port}/hubs/") == 200  # the reference data
            assert status(f"http://127.0.0.1:{port}/favicon.ico") == 200

            second = subprocess.run(
                [sys.executable, "scripts/run_portal.py", "--port", str(free_port())],
                cwd=REPO,
                env=newcomer_env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.returncode == 1
            assert "already running from this folder" in second.stderr
            assert status(home) == 200  # the first run is untouched

            # Ctrl-C: the terminal signals the whole foreground group.
            os.killpg(portal.pid, signal.SIGINT)
            portal.popen.wait(30)
            assert not port_open(port)
            assert not (pgdata / "postmaster.pid").exists(), "the database is still running"
            assert (pgdata / "PG_VERSION").exists()  # kept for the next run
    finally:
        group.stop_all()
