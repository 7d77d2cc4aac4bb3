"""A database that cannot be reached gives a "please try again" page, not a stack trace.

When PostgreSQL restarts or fails over, the requests that need it meanwhile
answer 503 with ``templates/503.html`` and a Retry-After header; once it is
back, the next request reconnects on its own (CONN_HEALTH_CHECKS in settings),
with no restart of the app.

The error can surface in a view (or its template), which ``process_exception``
handles, or in a middleware further in, such as the session middleware
saving the session: Django turns that into a 500 response before it gets
here, so a ``got_request_exception`` receiver marks the request and
``__call__`` answers 503 instead.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10
_MARK = "_database_unavailable"

# If even the page cannot be rendered, this still says the right thing.
_FALLBACK = (
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
    "<title>The service is busy: Maths Hubs</title></head><body><main>"
    "<h1>The service is busy, please try again</h1>"
    "<p>Please try again in a minute.</p></main></body></html>"
)


def database_unavailable_response() -> HttpResponse:
    """The 503 page, rendered without a request: no context processor, no query."""
    try:
        content = render_to_string("503.html")
    except Exception:
        log.exception("the 503 page could not be rendered")
        content = _FALLBACK
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _log(request, error: BaseException) -> None:
    log.error(
        "database unavailable, answered 503 to %s %s: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip(),
        exc_info=error,
    )


def _mark_request(sender, request=None, **kwargs):
    """Remember a database error that Django is about to turn into a 500."""
    error = sys.exception()
    if request is not None and isinstance(error, DATABASE_ERRORS):
        setattr(request, _MARK, error)


got_request_exception.connect(_mark_request, dispatch_uid="hubs_portal.database_unavailable")


class DatabaseUnavailableMiddleware:
    """503 "please try again" when the database cannot be reached (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, _MARK, None)
        if error is not None and response.status_code == 500:
            _log(request, error)
            return database_unavailable_response()
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            _log(request, exception)
            return database_unavailable_response()
        return None
