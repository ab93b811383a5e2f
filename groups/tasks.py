"""Periodic sweeps (Celery beat): select what is due and not yet handled, act per row, once."""

import logging

from celery import shared_task
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from . import activity, services
from .models import Group, Membership, Nomination, Participation, Tier

log = logging.getLogger(__name__)


@shared_task
def sweep_nominations():
    """T3: confirm or mark objected every open nomination whose objection window has closed."""
    now = timezone.now()
    done = 0
    for pk in list(Nomination.objects.due(now).order_by("deadline").values_list("pk", flat=True)):
        if services.nomination_close(nomination_id=pk, now=now):
            done += 1
    return done


@shared_task
def sweep_emeritus():
    """T4: active members with no participation for EMERITUS_AFTER become emeritus (recorded)."""
    now = timezone.now()
    cutoff = now - settings.GOVERNANCE["EMERITUS_AFTER"]
    recent = Participation.objects.filter(
        group_id=OuterRef("group_id"), user_id=OuterRef("user_id"), occurred_at__gt=cutoff
    )
    due = (
        Membership.objects.active()
        .filter(tier=Tier.MEMBER, started_at__lte=cutoff, group__state=Group.State.ACTIVE)
        .filter(~Exists(recent))
    )
    done = 0
    for pk in list(due.values_list("pk", flat=True)):
        if services.membership_mark_emeritus(membership_id=pk, now=now):
            done += 1
    return done


@shared_task
def sweep_inactive_groups():
    """G7: flag active WGs with no meeting/SEP activity or participation for 30 days; clear on resume."""
    now = timezone.now()
    changed = 0
    ids = Group.objects.active().working_groups().values_list("pk", flat=True)
    for pk in list(ids):
        if activity.group_check_activity(group_id=pk, now=now):
            changed += 1
    return changed


# Decision and report sweeps live in their own module; importing it here registers them with Celery.
from . import decision_tasks  # noqa: E402, F401
