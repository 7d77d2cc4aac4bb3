"""One log line per request and per task, tied together by a request id.

Every request gets an id: the ``X-Request-ID`` header a proxy sent, when it is
a sane token, or a new one. The id is kept in a context variable, so every log
record written while the request runs carries it (``RequestIdFilter``), the
response sends it back in ``X-Request-ID``, and a task queued by the request
takes it along in its message headers; the worker restores it while the task
runs, so the task's own log lines carry the id of the request that caused it.
"""

import contextvars
import logging
import re
import reprlib
import time
import uuid

from celery import signals
from django.utils.functional import empty

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

HEADER = "X-Request-ID"
TASK_HEADER = "portal_request_id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

# A task's result in its log line, kept short (what it returned, or its error).
_short = reprlib.Repr(maxstring=80, maxother=80)

request_log = logging.getLogger("portal.request")
task_log = logging.getLogger("portal.task")


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RequestLogMiddleware:
    """Sets the request id and writes one line per request when it ends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER, "")
        request_id = offered if _SANE.fullmatch(offered) else new_request_id()
        token = request_id_var.set(request_id)
        request.request_id = request_id
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[HEADER] = request_id
            return response
        finally:
            request_log.info(
                "%s %s %s %.1fms user=%s",
                request.method,
                # Escaped: a line break in the path must not forge a log line.
                request.path.encode("unicode_escape").decode("ascii"),
                status,
                (time.perf_counter() - started) * 1000,
                _user_id(request),
            )
            request_id_var.reset(token)


def _user_id(request) -> str:
    """The user's id if the request already looked the user up (never a query here)."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty or not wrapped.is_authenticated:
        return "-"
    return str(wrapped.pk)


# --- Celery: carry the id into tasks, one line per task ----------------------

_task_started: dict[str, float] = {}


@signals.before_task_publish.connect(weak=False)
def _stamp_request_id(headers=None, **kwargs):
    request_id = request_id_var.get()
    if headers is not None and request_id != "-":
        headers.setdefault(TASK_HEADER, request_id)


@signals.task_prerun.connect(weak=False)
def _restore_request_id(task_id=None, task=None, **kwargs):
    # Eager tasks run inside the request and already see its id.
    if task is not None and not task.request.is_eager:
        request_id_var.set(getattr(task.request, TASK_HEADER, None) or "-")
    _task_started[task_id] = time.perf_counter()


@signals.task_postrun.connect(weak=False)
def _log_task(task_id=None, task=None, state=None, retval=None, **kwargs):
    started = _task_started.pop(task_id, None)
    elapsed = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    task_log.info(
        "%s %s %s %.1fms -> %s",
        task.name if task else "?",
        task_id,
        state,
        elapsed,
        _short.repr(retval),
    )
    if task is not None and not task.request.is_eager:
        request_id_var.set("-")
