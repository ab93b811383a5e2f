from celery import shared_task


@shared_task
def sweep_publication():
    """M2 reminders and missed publications (meetings issue)."""


@shared_task
def sweep_notes():
    """M4 reminders and overdue notes (meetings issue)."""


@shared_task
def generate_series():
    """M7 rolling window of series meetings (meetings issue)."""
