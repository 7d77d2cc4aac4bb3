"""The outbox: every e-mail the portal owes, written with the change that caused it."""

import email.policy
import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

# An e-mail handed to the broker but still unsent after this long is queued
# again (its task was lost, or its retries are spent).
REQUEUE_AFTER = timedelta(minutes=10)
# Tries before an e-mail is given up (task retries and re-queues together: a
# mail server that is down for a day or so).
MAX_ATTEMPTS = 30


def is_transient(error: BaseException) -> bool:
    """Whether trying again later may succeed: the network, a busy server (4xx).

    A mail server's permanent refusal (5xx) and errors of the message itself
    (a header no mail can carry) are not.
    """
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code < 500 for code, _message in error.recipients.values())
    return isinstance(error, (smtplib.SMTPException, OSError))


class PortalMessage(EmailMultiAlternatives):
    """Keeps long header lines whole, up to RFC 5322's limit of 998 characters.

    Python's e-mail policy folds at 78 characters; a header with no space to
    fold at, such as List-Unsubscribe with its signed link, would be turned
    into RFC 2047 encoded words, which mail providers do not read as a link.
    """

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


class EmailQuerySet(models.QuerySet):
    def to_requeue(self, *, now: datetime | None = None):
        """Pending e-mails the periodic task should queue again, oldest first.

        Those never handed to the broker (it was unreachable when their change
        committed) whatever their age, and those handed over more than
        ``REQUEUE_AFTER`` ago and still unsent. Queuing one twice is harmless:
        ``Email.deliver`` sends it once.
        """
        cutoff = (now or timezone.now()) - REQUEUE_AFTER
        return self.filter(
            models.Q(queued_at__isnull=True) | models.Q(queued_at__lt=cutoff),
            status=Email.Status.PENDING,
        ).order_by("created_at", "pk")


class Email(models.Model):
    """One e-mail to one address for one event.

    ``key`` names the event (``enrolment:42:confirmed``); it is unique, so the
    same event can never produce a second e-mail, however often the code that
    records it or the task that sends it runs.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        # Given up: an error no retry can mend, or MAX_ATTEMPTS spent. The
        # re-queue leaves it alone; last_error says why.
        FAILED = "failed", "Could not be sent"

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When its task was last handed to the broker; empty while it never was
    # (the broker was unreachable), which the periodic re-queue picks up first.
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = EmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The periodic re-queue looks through the unsent e-mails.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="email_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"

    def as_message(self) -> PortalMessage:
        message = PortalMessage(
            subject=self.subject,
            body=self.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.to],
            headers=self.headers or None,
        )
        if self.body_html:
            message.attach_alternative(self.body_html, "text/html")
        return message

    @classmethod
    def deliver(cls, email_id: int) -> bool:
        """Send one pending e-mail; True if this call sent it.

        The row stays locked while the mail server is talked to, so a second
        run of the same task waits and then finds it sent. A failure is
        recorded and raised again for the task to retry.
        """
        failure = None
        with transaction.atomic():
            email = cls.objects.select_for_update().filter(pk=email_id).first()
            if email is None or email.status != cls.Status.PENDING:
                return False
            email.attempts += 1
            try:
                email.as_message().send()
            except Exception as error:
                email.last_error = f"{type(error).__name__}: {error}"[:500]
                if is_transient(error) and email.attempts < MAX_ATTEMPTS:
                    failure = error
                else:
                    email.status = cls.Status.FAILED
                email.save(update_fields=["attempts", "last_error", "status"])
            else:
                email.status = cls.Status.SENT
                email.sent_at = timezone.now()
                email.save(update_fields=["attempts", "status", "sent_at"])
        if email.status == cls.Status.FAILED:
            log.error("e-mail %s to %s given up: %s", email_id, email.to, email.last_error)
            return False
        if failure is not None:
            log.warning("e-mail %s to %s failed: %s", email_id, email.to, email.last_error)
            raise failure
        log.info("e-mail %s sent to %s: %s", email_id, email.to, email.subject)
        return True
