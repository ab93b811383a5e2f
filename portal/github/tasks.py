from celery import shared_task

RERUN_AFTER_SECONDS = 5


@shared_task(ignore_result=True)
def sync_repository(trigger="beat", requested_by_id=None):
    """Beat, the webhook and "sync now" all queue this; the lock inside lets one run at a time. A sync
    asked for while one ran was skipped: the one that ran queues one more, so no change is missed."""
    from django.db import transaction

    from portal.models import User

    from .sync import run_sync

    by = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    run = run_sync(trigger=trigger, requested_by=by)
    if run.rerun:
        transaction.on_commit(
            lambda: sync_repository.apply_async(kwargs={"trigger": "webhook"}, countdown=RERUN_AFTER_SECONDS)
        )
    return run.pk
