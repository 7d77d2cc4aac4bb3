from celery import shared_task

from workgroups.reminders import session_reminders_queue


@shared_task
def send_session_reminders() -> int:
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): remind teachers of the next day's sessions."""
    return session_reminders_queue()
