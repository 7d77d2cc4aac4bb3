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
    "SITE_URL": "https://portal.example.org",
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


def test_production_refuses_to_start_without_a_database_url():
    result = run_manage("check", env=PRODUCTION | {"DATABASE_URL": ""})
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_sqlite_is_refused_everywhere(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    for debug in ("0", "1"):
        result = run_manage("check", env=PRODUCTION | {"DEBUG": debug, "DATABASE_URL": url})
        assert result.returncode != 0
        assert "the portal is a PostgreSQL application" in result.stderr
    assert not (tmp_path / "portal.sqlite3").exists()


def test_debug_without_a_database_url_starts_and_stops_its_own_postgresql(tmp_path):
    """A laptop: the embedded server under VAR_DIR, PostgreSQL 18 with unaccent and
    pg_trgm, the development key, tasks in process, e-mails to files; stopped when
    the command ends, its data kept for the next."""
    show = (
        "from django.conf import settings as s; from django.db import connection as c; "
        "c.ensure_connection(); "
        "print(c.pg_version // 10000, c.settings_dict['HOST'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.MAILERS['default']['BACKEND'], "
        "sorted(r[0] for r in c.cursor().execute('SELECT extname FROM pg_extension')))"
    )
    env = {"DEBUG": "1", "VAR_DIR": str(tmp_path), "DATABASE_URL": "", "CELERY_BROKER_URL": ""}
    env |= {"EMAIL_URL": f"file://{tmp_path}/mail"}
    migrate = run_manage("migrate", "--no-input", env=env)
    assert migrate.returncode == 0, migrate.stderr
    result = run_manage("shell", "-c", show, env=env)
    assert result.returncode == 0, result.stderr
    major, host, eager, mailer, extensions = result.stdout.splitlines()[-1].split(" ", 4)
    assert int(major) >= 18
    assert host == str(tmp_path / "postgres")  # a socket in the data folder: no TCP port
    assert eager == "True"  # no broker: tasks run in process
    assert mailer.endswith("filebased.EmailBackend")
    assert "unaccent" in extensions
    assert "pg_trgm" in extensions
    # The last process holding the server stopped it; the data stays.
    assert not (tmp_path / "postgres" / "postmaster.pid").exists()
    assert (tmp_path / "postgres" / "PG_VERSION").read_text().strip() == major


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
