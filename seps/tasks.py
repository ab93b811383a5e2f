from celery import shared_task


@shared_task
def sweep_staleness():
    """S5 (SEP issue)."""
