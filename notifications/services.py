"""Queue e-mails: rendered now, stored with the change, sent by a task after commit.

Handing a task to the broker happens after the commit and may fail (Redis
down or unresponsive): ``task_publish`` gives up within a few seconds (the
CELERY_* timeouts in settings), logs a warning and returns False instead of
raising, so the request that made the change still succeeds; for the next few
seconds it does not try again (``BrokerBreaker``). Nothing is lost: the change
and its e-mail are committed, and the e-mail, its ``queued_at`` still empty,
is queued by the periodic ``requeue_unsent_emails`` at its next run.
"""

import logging
import time
from functools import partial

from django.db import DatabaseError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from hubs_portal.lib.forms import HEADER_BREAKERS
from hubs_portal.lib.urls import site_url
from notifications.models import Email

log = logging.getLogger(__name__)


class BrokerBreaker:
    """After the broker failed, skip it for a few seconds instead of waiting again.

    A request that owes fifty e-mails would otherwise wait for the broker's
    timeout fifty times. One per process; ``reset()`` closes it again.
    """

    pause = 10.0  # seconds

    def __init__(self):
        self.open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self) -> None:
        self.open_until = time.monotonic() + self.pause

    def reset(self) -> None:
        self.open_until = 0.0


broker_breaker = BrokerBreaker()


def task_publish(task, *args) -> bool:
    """Queue ``task(*args)`` now; False, with a warning logged, if the broker refused it.

    In process (no broker, ``task_always_eager``) the task runs here and its
    own errors propagate as before.
    """
    if broker_breaker.is_open():
        log.warning("did not queue %s%r: the broker failed moments ago", task.name, args)
        return False
    try:
        task.apply_async(args)
    except Exception as error:
        if task.app.conf.task_always_eager:
            raise
        broker_breaker.trip()
        log.warning(
            "could not queue %s%r, the broker is unreachable: %s: %s",
            task.name,
            args,
            type(error).__name__,
            error,
        )
        return False
    return True


def task_publish_on_commit(task, *args) -> None:
    """``task.delay_on_commit(*args)`` that never fails the request: see ``task_publish``.

    For work with its own safety net (a periodic task that finds it undone).
    """
    transaction.on_commit(partial(task_publish, task, *args))


def email_publish(email_ids: list[int]) -> list[int]:
    """Queue ``send_email`` for each e-mail and record when; return the ids queued.

    Stops at the first refusal (the broker is down): the rest stay as they
    were, for the periodic re-queue.
    """
    from notifications.tasks import send_email

    queued = []
    for email_id in email_ids:
        if not task_publish(send_email, email_id):
            break
        queued.append(email_id)
    if queued:
        try:
            Email.objects.filter(pk__in=queued).update(queued_at=timezone.now())
        except DatabaseError as error:
            # Only the record is missing: they may be queued once more, and
            # are still sent once (Email.deliver).
            log.warning("could not record e-mails %s as queued: %s", queued, error)
    return queued


def email_render(template: str, context: dict) -> tuple[str, str, str]:
    """Render ``emails/<template>_subject.txt``, ``_body.txt`` and ``_body.html``.

    Templates also get ``site_url`` for absolute links (e-mails have no request).
    """
    context = {"site_url": site_url(), **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}_body.txt", context)
    html = render_to_string(f"emails/{template}_body.html", context)
    return subject, text, html


def email_queue(
    *,
    key: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict | None = None,
) -> Email | None:
    """Record an e-mail for the event ``key`` and send it once the transaction commits.

    Returns None when an e-mail for that event already exists: recording the
    same event twice sends nothing more. If the broker cannot take the task
    after the commit, the e-mail waits for the periodic re-queue (see above).
    Callers validate what people type; here a subject is made one line, and
    an address no mail header can carry (a bug of the caller) is refused.
    """
    subject = " ".join(subject.split())
    if HEADER_BREAKERS.search(to):
        raise ValueError(f"refusing to queue an e-mail to {to!r}: not a usable address")
    email, created = Email.objects.get_or_create(
        key=key,
        defaults={
            "to": to,
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
            "headers": headers or {},
        },
    )
    if not created:
        return None
    transaction.on_commit(partial(email_publish, [email.pk]))
    return email


def email_queue_template(*, key: str, to: str, template: str, context: dict) -> Email | None:
    subject, text, html = email_render(template, context)
    return email_queue(key=key, to=to, subject=subject, body_text=text, body_html=html)
