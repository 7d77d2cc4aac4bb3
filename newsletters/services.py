"""Newsletter flows: signing up and leaving, writing an issue, sending it to every subscriber."""

import logging
import uuid
from collections import Counter
from datetime import timedelta
from itertools import batched

from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from hubs.audit import audit_record, snapshot
from hubs.models import Hub
from newsletters.models import Delivery, Issue, Subscriber
from newsletters.tokens import (
    TokenInvalid,
    confirm_token,
    confirm_token_read,
    unsubscribe_token_read,
)
from notifications.models import Email
from notifications.services import email_queue, email_queue_template, task_publish_on_commit

log = logging.getLogger(__name__)

BATCH_SIZE = 100
# A send with no progress for this long is queued again by the periodic task.
STUCK_AFTER = timedelta(minutes=15)


class IssueSendRefused(Exception):
    """The issue cannot be sent (already sent, or no one to send it to)."""


def _unsubscribed_mark(subscriber: Subscriber) -> str:
    return subscriber.unsubscribed_at.isoformat() if subscriber.unsubscribed_at else ""


# --- Subscribers ---------------------------------------------------------------


def subscriber_sign_up(*, hub: Hub, email: str) -> Subscriber:
    """Ask for the hub's newsletter: a new or returning address gets a confirmation e-mail.

    A confirmed address is left as it is and sent nothing; an unsubscribed one
    stays unsubscribed until its new link is followed. The caller shows the
    same message in every case, so the page never tells whether an address is
    on the list.
    """
    email = email.strip()
    with transaction.atomic():
        subscriber = Subscriber.objects.for_address(hub, email).select_for_update().first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(hub=hub, email=email)
            except IntegrityError:
                # Two sign-ups for the same address at once: the other one won.
                subscriber = Subscriber.objects.for_address(hub, email).select_for_update().get()
        if subscriber.status == Subscriber.Status.CONFIRMED:
            return subscriber
        subscriber.confirmations_sent += 1
        subscriber.save(update_fields=["confirmations_sent"])
        token = confirm_token(subscriber.pk, _unsubscribed_mark(subscriber))
        email_queue_template(
            key=f"newsletter-confirm:{subscriber.pk}:{subscriber.confirmations_sent}",
            to=subscriber.email,
            template="newsletter_confirm",
            context={
                "hub": hub,
                "confirm_path": reverse("newsletters:confirm", args=[token]),
            },
        )
    return subscriber


def subscriber_for_confirm_token(token: str) -> Subscriber:
    """The subscriber a confirmation link is for; TokenExpired or TokenInvalid otherwise."""
    subscriber_id, mark = confirm_token_read(token)
    subscriber = Subscriber.objects.select_related("hub").filter(pk=subscriber_id).first()
    if subscriber is None or mark != _unsubscribed_mark(subscriber):
        raise TokenInvalid
    return subscriber


def subscriber_confirm(*, token: str) -> Subscriber:
    """Follow a confirmation link: the address is subscribed (again). Idempotent."""
    with transaction.atomic():
        subscriber_id, mark = confirm_token_read(token)
        subscriber = (
            Subscriber.objects.select_for_update().select_related("hub").filter(pk=subscriber_id)
        ).first()
        # A link sent before the address last unsubscribed does not bring it back.
        if subscriber is None or mark != _unsubscribed_mark(subscriber):
            raise TokenInvalid
        if subscriber.status != Subscriber.Status.CONFIRMED:
            subscriber.status = Subscriber.Status.CONFIRMED
            subscriber.confirmed_at = timezone.now()
            subscriber.save(update_fields=["status", "confirmed_at"])
    return subscriber


def subscriber_for_unsubscribe_token(token: str) -> Subscriber:
    subscriber = (
        Subscriber.objects.select_related("hub").filter(pk=unsubscribe_token_read(token)).first()
    )
    if subscriber is None:
        raise TokenInvalid
    return subscriber


def subscriber_unsubscribe(*, token: str) -> Subscriber:
    """Leave the list at once. Idempotent; no later send reaches the address."""
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update()
            .select_related("hub")
            .filter(pk=unsubscribe_token_read(token))
            .first()
        )
        if subscriber is None:
            raise TokenInvalid
        if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
            subscriber.status = Subscriber.Status.UNSUBSCRIBED
            subscriber.unsubscribed_at = timezone.now()
            subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber


# --- Writing an issue -------------------------------------------------------------

ISSUE_FIELDS = ["subject", "body_markdown"]


def issue_create(*, hub: Hub, user, subject: str, body_markdown: str) -> Issue:
    with transaction.atomic():
        issue = Issue.objects.create(
            hub=hub, subject=subject, body_markdown=body_markdown, created_by=user
        )
        audit_record(
            hub=hub,
            user=user,
            action="newsletter drafted",
            target=issue,
            after=snapshot(issue, ISSUE_FIELDS),
        )
    return issue


def issue_update(*, issue_id: int, user, subject: str, body_markdown: str) -> Issue:
    """Change a draft. IssueSendRefused if it has started sending meanwhile."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue_id)
        if issue.status != Issue.Status.DRAFT:
            raise IssueSendRefused("This issue has been sent, so it can no longer be changed.")
        before = snapshot(issue, ISSUE_FIELDS)
        issue.subject = subject
        issue.body_markdown = body_markdown
        issue.updated_at = timezone.now()
        issue.save(update_fields=["subject", "body_markdown", "updated_at"])
        audit_record(
            hub=issue.hub,
            user=user,
            action="newsletter edited",
            target=issue,
            before=before,
            after=snapshot(issue, ISSUE_FIELDS),
        )
    return issue


def issue_send_test(*, issue: Issue, user) -> Email | None:
    """One copy to the team member asking, through the outbox (a fresh key per request)."""
    subject, text, html = issue.render(unsubscribe_url=None, test=True)
    with transaction.atomic():
        return email_queue(
            key=f"newsletter-test:{issue.pk}:{uuid.uuid4().hex}",
            to=user.email,
            subject=f"[Test] {subject}",
            body_text=text,
            body_html=html,
        )


# --- Sending an issue -----------------------------------------------------------


def issue_send(*, issue_id: int, user) -> Issue:
    """Start sending: one Delivery per confirmed subscriber, then batches through Celery."""
    from newsletters.tasks import queue_issue

    with transaction.atomic():
        issue = Issue.objects.select_for_update().select_related("hub").get(pk=issue_id)
        if issue.status != Issue.Status.DRAFT:
            raise IssueSendRefused("This issue has already been sent.")
        subscriber_ids = list(
            issue.hub.newsletter_subscribers.filter(status=Subscriber.Status.CONFIRMED).values_list(
                "pk", flat=True
            )
        )
        if not subscriber_ids:
            raise IssueSendRefused(
                "No one has confirmed a subscription yet, so there is no one to send to."
            )
        Delivery.objects.bulk_create(
            [Delivery(issue=issue, subscriber_id=pk) for pk in subscriber_ids], batch_size=1000
        )
        issue.status = Issue.Status.SENDING
        issue.sent_by = user
        issue.sending_started_at = timezone.now()
        issue.recipients_count = len(subscriber_ids)
        issue.save(update_fields=["status", "sent_by", "sending_started_at", "recipients_count"])
        audit_record(
            hub=issue.hub,
            user=user,
            action="newsletter sent",
            target=issue,
            after={"recipients": issue.recipients_count},
        )
        # If the broker is down, the send waits for requeue_stuck_issues.
        task_publish_on_commit(queue_issue, issue.pk)
    return issue


def issue_queue_batches(*, issue_id: int) -> int:
    """Queue a task per batch of the issue's pending deliveries; return how many.

    Safe to run again at any time: a batch skips what is no longer pending.
    """
    from newsletters.tasks import send_issue_batch

    pending = list(
        Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not pending:
        issue_finish_if_done(issue_id=issue_id)
        return 0
    batches = 0
    for batch in batched(pending, BATCH_SIZE):
        send_issue_batch.delay(issue_id, list(batch))
        batches += 1
    return batches


def issue_send_batch(*, issue_id: int, delivery_ids: list[int]) -> Counter:
    """Send one batch over one mail-server connection; each delivery commits on its own."""
    issue = Issue.objects.select_related("hub").filter(pk=issue_id).first()
    done: Counter = Counter()
    if issue is None or issue.status != Issue.Status.SENDING:
        return done
    with mail.mailers.default as connection:
        for delivery_id in delivery_ids:
            status = Delivery.send(delivery_id, issue=issue, connection=connection)
            if status:
                done[status] += 1
    issue_finish_if_done(issue_id=issue_id)
    log.info("newsletter %s: batch of %s done: %s", issue_id, len(delivery_ids), dict(done))
    return done


def issue_finish_if_done(*, issue_id: int) -> bool:
    """Mark the issue sent, with its final counts, once nothing is pending."""
    with transaction.atomic():
        issue = (
            Issue.objects.select_for_update()
            .filter(pk=issue_id, status=Issue.Status.SENDING)
            .first()
        )
        if issue is None:
            return False
        counts = issue.deliveries.counts()
        if counts[Delivery.Status.PENDING]:
            return False
        issue.status = Issue.Status.SENT
        issue.sent_at = timezone.now()
        issue.sent_count = counts[Delivery.Status.SENT]
        issue.skipped_count = counts[Delivery.Status.SKIPPED]
        issue.failed_count = counts[Delivery.Status.FAILED]
        issue.save(
            update_fields=["status", "sent_at", "sent_count", "skipped_count", "failed_count"]
        )
    return True


def issues_requeue_stuck(*, idle_for: timedelta = STUCK_AFTER) -> int:
    """The safety net: queue again the batches of sends that have made no progress lately.

    A batch can be lost for good (its retries spent, or a killed worker's
    message waiting out the broker's visibility timeout); this finds it.
    """
    cutoff = timezone.now() - idle_for
    stuck = (
        Issue.objects.filter(status=Issue.Status.SENDING, sending_started_at__lte=cutoff)
        .annotate(last_sent_at=Max("deliveries__sent_at"))
        .filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=cutoff))
        .values_list("pk", flat=True)
    )
    batches = 0
    for issue_id in list(stuck):
        batches += issue_queue_batches(issue_id=issue_id)
    return batches
