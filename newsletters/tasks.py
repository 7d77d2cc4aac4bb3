"""Sending an issue through Celery: thin shells around newsletters.services."""

from datetime import timedelta

from celery import shared_task

from newsletters import services
from notifications.tasks import RETRYABLE


@shared_task
def queue_issue(issue_id: int) -> int:
    """Split an issue's pending deliveries into batches, one task each."""
    return services.issue_queue_batches(issue_id=issue_id)


@shared_task(
    autoretry_for=RETRYABLE,
    retry_backoff=2,
    retry_backoff_max=600,  # well under Redis' one-hour visibility timeout
    retry_jitter=True,
    max_retries=8,
)
def send_issue_batch(issue_id: int, delivery_ids: list[int]) -> dict[str, int]:
    """Send a batch. Run twice, it sends nothing twice (see newsletters.models)."""
    return dict(services.issue_send_batch(issue_id=issue_id, delivery_ids=delivery_ids))


@shared_task
def requeue_stuck_issues(idle_seconds: int | None = None) -> int:
    """Periodic safety net: queue again the batches of sends that stopped moving."""
    if idle_seconds is None:
        return services.issues_requeue_stuck()
    return services.issues_requeue_stuck(idle_for=timedelta(seconds=idle_seconds))
