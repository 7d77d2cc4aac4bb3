"""The portal's own address, the one source of every absolute link it writes.

E-mails, calendar feeds and links shown for copying are read away from the
request that made them, so they are built from ``settings.SITE_URL`` and
never from the request's Host header: a request sent with another host (a
misconfigured proxy, or someone forging the header to have a password-reset
e-mail point at their own server) changes nothing in them.
``hubs_portal/checks.py`` refuses a production SITE_URL that is unset, plain
HTTP or not an address.
"""

from django.conf import settings


def site_url() -> str:
    """SITE_URL without a trailing slash, ready to have a path appended."""
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """The absolute address of ``path`` (as ``reverse()`` returns it) on the portal."""
    return f"{site_url()}{path}"
