from celery import shared_task


@shared_task(ignore_result=True)
def sync_repository(trigger="beat", requested_by_id=None):
    """Beat, the webhook and "sync now" all queue this; the lock inside lets one run at a time."""
    from portal.models import User

    from .sync import run_sync

    by = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    run = run_sync(trigger=trigger, requested_by=by)
    return run.pk
