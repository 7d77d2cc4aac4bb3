import smtplib

from celery import shared_task

from notifications.models import Email
from notifications.services import email_publish

# Transient failures of the mail server or the network: worth retrying.
RETRYABLE = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)
REQUEUE_BATCH = 1000


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
    """Queue again what is unsent: never queued (the broker was down), or lost since.

    Run by beat every 2 minutes (CELERY_BEAT_SCHEDULE); returns how many it queued.
    """
    ids = list(Email.objects.to_requeue().values_list("pk", flat=True)[:REQUEUE_BATCH])
    return len(email_publish(ids))
