from celery import shared_task

from .events import record
from .notices import deliver_pending


@shared_task
def deliver_notices() -> int:
    return deliver_pending()


@shared_task
def record_ping(token: str) -> str:
    """A trivial task that writes an event row: lets tests and probes prove a worker is alive."""
    record(actor=None, verb="system.ping", data={"token": token})
    return token
