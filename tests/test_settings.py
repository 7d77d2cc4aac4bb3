"""Settings come from the environment, fail loudly, and pass Django's deploy checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from hubs_portal.lib.env import env_bool, mailers_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-like-secret-key-that-is-long-and-random-k9Xq2LpZ7vR4",
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/hubs_portal",
    "EMAIL_URL": "smtp://mailer:secret@mail.example.org:587?tls=1",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Start from this process's environment minus what the suite itself sets
    # (the browser tests allow async-unsafe database access, for instance).
    ours = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    clean["DJANGO_SETTINGS_MODULE"] = "hubs_portal.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env={"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deploy_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_runs_with_the_development_key_on_sqlite(tmp_path):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.MAILERS['default']['BACKEND'])",
        env={"DEBUG": "1", "VAR_DIR": str(tmp_path), "DATABASE_URL": "", "CELERY_BROKER_URL": ""}
        | {"EMAIL_URL": f"file://{tmp_path}/mail"},
    )
    assert result.returncode == 0, result.stderr
    engine, eager, mailer = result.stdout.splitlines()[-1].split()
    assert engine == "django.db.backends.sqlite3"
    assert eager == "True"  # no broker: tasks run in process
    assert mailer.endswith("filebased.EmailBackend")


def test_static_files_get_hashed_compressed_names(tmp_path):
    result = run_manage("collectstatic", "--no-input", env=PRODUCTION | {"VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/portal.css"]
    assert hashed != "css/portal.css"
    assert hashed.startswith("css/portal.")
    assert (tmp_path / "static" / f"{hashed}.gz").exists()


@pytest.mark.django_db
def test_postgresql_is_reached_through_psycopg_3():
    import psycopg

    assert connection.vendor == "postgresql"
    assert connection.Database is psycopg


def test_a_yes_no_setting_that_is_neither_stops_the_app(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG='maybe' is not a yes/no value"):
        env_bool("SOME_FLAG", False)


def test_email_url_becomes_an_smtp_mailer():
    mailer = mailers_from_url("smtp://user%40x:p%2Fss@mail.example.org:587?tls=1")["default"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] | {"timeout": 0} == {
        "host": "mail.example.org",
        "port": 587,
        "username": "user@x",
        "password": "p/ss",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 0,
    }


def test_an_unknown_email_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme 'pigeon'"):
        mailers_from_url("pigeon://loft")
