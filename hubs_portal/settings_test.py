"""The thin test override: the real PostgreSQL and Redis on this machine.

DATABASE_URL (``make test`` sets it from TEST_DATABASE_URL) names the server;
when nothing answers there, the tests use the embedded PostgreSQL under var/
instead (hubs_portal/lib/local_db.py), so a laptop without PostgreSQL passes
``make test`` too.
"""

import os
import sys
from pathlib import Path

from hubs_portal.lib.local_db import database_answers, embedded_database_url

_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/hubs_portal"
if not database_answers(_url):
    _var = Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
    print(
        f"No PostgreSQL answers at {_url}: using the embedded PostgreSQL in {_var / 'postgres'}.",
        file=sys.stderr,
    )
    _url = embedded_database_url(_var)
os.environ["DATABASE_URL"] = _url
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-for-the-portal-test-suite-0123456789")

from hubs_portal.settings import *  # noqa: E402, F403

# Tests talk plain HTTP to the test client and the live server.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# Hashing is deliberately slow in production; tests log in a lot.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No collectstatic before tests: serve from the source folders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Tasks run in process unless a test starts a real worker (tests/conftest.py:
# celery_worker), which switches this off for its duration. The broker and a
# queue of this run's own are fixed here, before Celery caches its connection
# pool and routes: two test runs sharing Redis never take each other's tasks.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_DEFAULT_QUEUE = f"portal-tests-{os.getpid()}"
