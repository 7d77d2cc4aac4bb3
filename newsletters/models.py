"""A hub's newsletter: who asked for it, what the team writes, and who has been sent what.

Exactly one copy per subscriber
-------------------------------
Sending an issue writes one ``Delivery`` per confirmed subscriber, in bulk, in
the transaction that moves the issue to "sending" (a unique constraint on
issue and subscriber makes a second row impossible). Tasks then take batches
of delivery ids. Each delivery is sent by ``Delivery.send`` inside its own
transaction, which

1. locks the delivery row (and the subscriber's) with ``SELECT ... FOR UPDATE``,
2. skips it unless it is still pending,
3. hands the message to the mail server,
4. marks it sent, and commits.

So "sent" is recorded by the same transaction that held the lock while the
mail server was talked to, as ``notifications.Email.deliver`` does. A task
run twice (a retry, a redelivered message, the periodic re-queue) waits for
the lock and then finds the row sent. A worker that dies mid-send loses its
database connection; PostgreSQL rolls its transaction back, so the row is
pending again and is sent once, later, by whoever picks the batch up: the
mail server never acknowledged the copy that was in flight.

The one gap no design closes without the receiving server's help is a
worker dying after the mail server has said "250 accepted" and before the
COMMIT reaches PostgreSQL: a fraction of a millisecond per message. That
copy is sent again.

We do not write a ``notifications.Email`` row per subscriber: it would store
each issue thousands of times over and send one task per address; a
``Delivery`` is a small outbox row of its own with the same guarantee, and
the message is rendered when it is sent.
"""

import logging
import smtplib

import markdown
import nh3
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from hubs.models import Hub
from hubs_portal.lib.urls import absolute_url
from newsletters.tokens import unsubscribe_token
from notifications.models import PortalMessage
from notifications.services import email_render

log = logging.getLogger(__name__)

# What a newsletter's Markdown may become. Anything else (script, style,
# iframes, event handlers, javascript: links) is removed by nh3.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def markdown_to_safe_html(source: str) -> str:
    """The Markdown as HTML, cleaned so that it can be put in a page or an e-mail as is."""
    html = markdown.markdown(source, extensions=["sane_lists", "tables", "fenced_code"])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
    )


class SubscriberQuerySet(models.QuerySet):
    def for_address(self, hub: Hub, email: str):
        """The hub's subscriber with this address, whatever its case (uses the unique index)."""
        return self.alias(email_lower=Lower("email")).filter(hub=hub, email_lower=email.lower())


class Subscriber(models.Model):
    """An address that asked for a hub's newsletter.

    An address is confirmed only by following the link e-mailed to it (double
    opt-in). Unsubscribing is kept as a state, not a deletion, so that a later
    send can never reach the address again by accident.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="newsletter_subscribers")
    email = models.EmailField("e-mail address")
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Numbers the confirmation e-mails, so that each sign-up has its own
    # outbox key: signing up again resends, one request never sends twice.
    confirmations_sent = models.PositiveSmallIntegerField(default=0)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["hub", "email"]
        constraints = [
            models.UniqueConstraint(
                "hub", Lower("email"), name="newsletter_subscriber_once_per_hub"
            ),
        ]
        indexes = [models.Index(fields=["hub", "status"], name="newsletter_sub_status_idx")]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_status_display()}, {self.hub_id})"

    @property
    def unsubscribe_path(self) -> str:
        return reverse("newsletters:unsubscribe", args=[unsubscribe_token(self.pk)])


class Issue(models.Model):
    """One edition of a hub's newsletter, written in Markdown."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="newsletter_issues")
    subject = models.CharField(max_length=150)
    body_markdown = models.TextField("body")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set when sending starts (recipients) and when it ends (the rest).
    recipients_count = models.PositiveIntegerField(default=0)
    sent_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The periodic safety net looks for issues still sending.
            models.Index(
                fields=["sending_started_at"],
                condition=models.Q(status="sending"),
                name="newsletter_issue_sending_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @cached_property
    def body_html(self) -> str:
        return markdown_to_safe_html(self.body_markdown)

    def render(self, *, unsubscribe_url: str | None, test: bool = False) -> tuple[str, str, str]:
        """Subject, plain text and HTML of the e-mail (``templates/emails/newsletter_issue_*``).

        ``unsubscribe_url`` is the subscriber's own link; None in a test send and the preview.
        """
        return email_render(
            "newsletter_issue",
            {
                "issue": self,
                "hub": self.hub,
                "body_html": self.body_html,
                "unsubscribe_url": unsubscribe_url,
                "test": test,
            },
        )

    def message_for(self, subscriber: "Subscriber") -> "PortalMessage":
        """The e-mail for one subscriber, with RFC 8058 one-click unsubscribe headers."""
        unsubscribe_url = absolute_url(subscriber.unsubscribe_path)
        subject, text, html = self.render(unsubscribe_url=unsubscribe_url)
        # One line: the hub's name is typed in the admin, and a line break in
        # a header would stop every copy from being sent.
        list_name = " ".join(self.hub.name.split())
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{list_name} newsletter <{self.hub.slug}.newsletter.mathshubs>",
        }
        message = PortalMessage(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[subscriber.email],
            reply_to=[self.hub.contact_email] if self.hub.contact_email else None,
            headers=headers,
        )
        message.attach_alternative(html, "text/html")
        return message


class DeliveryQuerySet(models.QuerySet):
    def counts(self) -> dict[str, int]:
        """How many deliveries are in each state, in one query."""
        status = Delivery.Status
        return self.aggregate(
            total=models.Count("pk"),
            **{value: models.Count("pk", filter=models.Q(status=value)) for value in status.values},
        )


class Delivery(models.Model):
    """One issue owed to one subscriber. See the module docstring for exactly-once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped (unsubscribed before it was sent)"
        FAILED = "failed", "Refused by the mail server"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)  # set when status becomes SENT

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="newsletter_delivery_once"
            ),
        ]
        indexes = [models.Index(fields=["issue", "status"], name="newsletter_delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.issue_id} → {self.subscriber_id}: {self.status}"

    @classmethod
    def send(cls, delivery_id: int, *, issue: Issue, connection) -> str | None:
        """Send one pending delivery over ``connection``; return its new status, or None.

        None means there was nothing to do (already handled, or not this issue's).
        A transient mail-server error rolls back and is raised for the task to retry.
        """
        with transaction.atomic():
            # The subscriber's row is locked too: an unsubscribe either lands
            # before this send (and it is skipped) or waits until it is over.
            delivery = (
                cls.objects.select_for_update(of=("self", "subscriber"))
                .select_related("subscriber")
                .filter(pk=delivery_id, issue=issue)
                .first()
            )
            if delivery is None or delivery.status != cls.Status.PENDING:
                return None
            subscriber = delivery.subscriber
            if subscriber.status != Subscriber.Status.CONFIRMED:
                delivery.status = cls.Status.SKIPPED
            else:
                message = issue.message_for(subscriber)
                try:
                    connection.send_messages([message])
                except smtplib.SMTPRecipientsRefused as refusal:
                    codes = [code for code, _ in refusal.recipients.values()]
                    if not codes or min(codes) < 500:
                        raise  # 4xx: try again later
                    log.warning("newsletter %s refused for %s: %s", issue.pk, subscriber.pk, codes)
                    delivery.status = cls.Status.FAILED
                else:
                    delivery.status = cls.Status.SENT
                    delivery.sent_at = timezone.now()
            delivery.save(update_fields=["status", "sent_at"])
            return delivery.status
