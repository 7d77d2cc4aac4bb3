from celery import shared_task

from exchange.reminders import showcase_reminders_queue


@shared_task
def send_showcase_reminders() -> int:
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): remind observers of the next day's showcases."""
    return showcase_reminders_queue()
