"""Deploy checks of the portal's own settings (``manage.py check --deploy``).

Registered by ``accounts.apps.AccountsConfig.ready()``.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning
from django.http.request import split_domain_port, validate_host

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}
EXAMPLE = "SITE_URL=https://maths-hubs.example.org"


def check_site_url(app_configs=None, **kwargs) -> list:
    """SITE_URL, the address in every e-mail and feed, must be the public HTTPS one.

    A laptop (DEBUG on) keeps the http://localhost:8000 default. In
    production an unset SITE_URL would send people links to their own
    machine, and plain HTTP would put password-reset keys on the wire.
    """
    if settings.DEBUG:
        return []
    value = (getattr(settings, "SITE_URL", "") or "").strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:
        parts, host = None, ""
    if not value or host in LOOPBACK_HOSTS:
        problem = (
            "SITE_URL is not set"
            if not value
            else f"SITE_URL={value!r} points at the reader's own machine (the laptop "
            "default: SITE_URL is not set in the environment, or set to a local address)"
        )
        return [
            Error(
                f"{problem}: the links in e-mails and calendar feeds would lead nowhere.",
                hint=f"Set the portal's public address in the environment, e.g. {EXAMPLE}",
                id="portal.E001",
            )
        ]
    if (
        parts is None
        or parts.scheme not in {"http", "https"}
        or not host
        or parts.username is not None
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
    ):
        return [
            Error(
                f"SITE_URL={value!r} is not the absolute address of the portal.",
                hint=f"Give the scheme and host only, with no path, e.g. {EXAMPLE}",
                id="portal.E002",
            )
        ]
    if parts.scheme != "https":
        return [
            Error(
                f"SITE_URL={value!r} is plain HTTP: password-reset and confirmation links "
                "would travel unencrypted.",
                hint=f"Use the https:// address, e.g. {EXAMPLE}",
                id="portal.E003",
            )
        ]
    domain, _port = split_domain_port(parts.netloc)
    if not validate_host(domain, settings.ALLOWED_HOSTS):
        return [
            Warning(
                f"SITE_URL's host {domain!r} is not in ALLOWED_HOSTS: every link the "
                "portal sends would be answered with 400 Bad Request.",
                hint=f"Add it, e.g. ALLOWED_HOSTS={domain}",
                id="portal.W001",
            )
        ]
    return []
