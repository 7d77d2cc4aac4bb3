import smtplib
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from notifications.models import Email

# Transient failures of the mail server or the network: worth retrying.
RETRYABLE = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)
REQUEUE_AFTER = timedelta(minutes=10)


@shared_task(
    autoretry_for=RETRYABLE,
    retry_backoff=2,
    retry_backoff_max=600,  # well under Redis' one-hour visibility timeout
    retry_jitter=True,
    max_retries=8,
)
def send_email(email_id: int) -> bool:
    return Email.deliver(email_id)


@shared_task
def requeue_unsent_emails() -> int:
    """Queue again what is still unsent after a while (a lost task, retries spent)."""
    cutoff = timezone.now() - REQUEUE_AFTER
    ids = list(
        Email.objects.filter(status=Email.Status.PENDING, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:1000]
    )
    for email_id in ids:
        send_email.delay(email_id)
    return len(ids)
