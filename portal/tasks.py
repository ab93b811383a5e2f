"""Celery tasks of the site. Importing this module (PortalConfig.ready does) connects the delivery of
notices to `portal.notices.notice_queued`."""

from celery import shared_task
from django.dispatch import receiver

from .events import record
from .models import Notice
from .notices import deliver_pending, notice_queued


@shared_task
def deliver_notices() -> int:
    return deliver_pending()


@receiver(notice_queued, sender=Notice, dispatch_uid="portal.tasks.deliver_after_queue")
def _deliver_after_queue(sender, **kwargs):
    deliver_notices.delay()


@shared_task
def record_ping(token: str) -> str:
    """A trivial task that writes an event row: lets tests and probes prove a worker is alive."""
    record(actor=None, verb="system.ping", data={"token": token})
    return token
