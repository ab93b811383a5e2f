from celery import shared_task


@shared_task
def sweep_nominations():
    """T3: confirm or mark objected the nominations whose window has closed (groups issue)."""


@shared_task
def sweep_emeritus():
    """T4 (groups issue)."""


@shared_task
def sweep_inactive_groups():
    """G7 (groups issue)."""
