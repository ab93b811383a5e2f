"""Writes the sync's pages ask for (DESIGN convention 11: the right is checked here too)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from portal.events import record

from .models import SyncRun


def request_sync(*, by):
    """ "Sync now": core maintainers only; the sync runs in the worker, after this transaction."""
    if not (by and by.is_authenticated and by.is_core_maintainer):
        raise PermissionDenied("Only core maintainers may start a sync with the repository.")
    from .tasks import sync_repository

    with transaction.atomic():
        record(actor=by, verb="github.sync_requested", data={"trigger": SyncRun.Trigger.MANUAL})
        transaction.on_commit(lambda: sync_repository.delay(trigger=SyncRun.Trigger.MANUAL, requested_by_id=by.pk))
