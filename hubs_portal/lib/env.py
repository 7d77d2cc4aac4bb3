"""Typed readers for settings from the environment.

Each fails loudly on a value it cannot read, so a typo in production stops the
app at start-up instead of quietly using a default.
"""

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    """The variable's value; unset and empty both mean the default."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value; use 1 or 0.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def mailers_from_url(url: str) -> dict:
    """Turn EMAIL_URL into Django 6.1's MAILERS setting.

    smtp://user:password@host:587?tls=1 (or ?ssl=1), console://, or
    file:///absolute/folder.
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        backend = {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": unquote(parts.path)},
        }
    elif parts.scheme == "console":
        backend = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    elif parts.scheme in {"smtp", "smtps"}:
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        backend = {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "localhost",
                "port": parts.port or (465 if parts.scheme == "smtps" else 25),
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_tls": query.get("tls") in _TRUE,
                "use_ssl": parts.scheme == "smtps" or query.get("ssl") in _TRUE,
                "timeout": 20,
            },
        }
    else:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parts.scheme!r} is not supported; "
            "use smtp://, smtps://, console:// or file://."
        )
    return {"default": backend}
