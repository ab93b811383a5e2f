import logging

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import SEP, Status
from .services import sep_handle_staleness

log = logging.getLogger(__name__)


def stale_candidates(now):
    """Everything that may be due (never "due exactly now"): the per-row re-check decides."""
    g = settings.GOVERNANCE
    cooldown = Q(last_ping_at__isnull=True) | Q(last_ping_at__lte=now - g["SEP_PING_COOLDOWN"])
    proposal = Q(status=Status.PROPOSAL, sponsor__isnull=True) & (
        Q(last_activity_at__lte=now - g["SEP_PROPOSAL_DORMANT_AFTER"])
        | (Q(last_activity_at__lte=now - g["SEP_PROPOSAL_PING_AFTER"]) & cooldown)
    )
    draft = (
        (Q(status=Status.DRAFT) | Q(status=Status.PROPOSAL, sponsor__isnull=False))
        & Q(last_activity_at__lte=now - g["SEP_DRAFT_PING_AFTER"])
        & cooldown
    )
    accepted = Q(status=Status.ACCEPTED, last_activity_at__lte=now - g["SEP_ACCEPTED_PING_AFTER"]) & cooldown
    return SEP.objects.filter(proposal | draft | accepted).order_by("last_activity_at", "pk")


@shared_task
def sweep_staleness(now=None):
    """S5: ping idle SEPs and put sponsorless proposals to sleep; idempotent and catch-up safe.

    Each SEP is handled in its own transaction (locked and re-checked), so a failure on one row
    leaves the others done or untouched, and the next run picks up whatever is still due.
    """
    now = now or timezone.now()
    done = {}
    for pk in list(stale_candidates(now).values_list("pk", flat=True)):
        try:
            action = sep_handle_staleness(sep_id=pk, now=now)
        except Exception:
            log.exception("SEP staleness failed for SEP id %s; the next run retries it.", pk)
            continue
        if action:
            done[action] = done.get(action, 0) + 1
    return done
