"""Notices that follow recorded events of the groups app (connected in GroupsConfig.ready).

Listening to the event log keeps the services the single place of each change: every path that
decides a charter (the site, the admin, the API) records `charter.approved`/`charter.rejected`, and
that row's save, inside the same transaction, queues the notice in the outbox.
"""

from portal.notices import queue_notice

from .models import CharterVersion, Membership


def _leads(group_id, *, exclude=None):
    leads = Membership.objects.leads().filter(group_id=group_id, user__is_active=True).select_related("user")
    return [m.user for m in leads if exclude is None or m.user_id != exclude]


def charter_decided(event) -> None:
    """Leads hear that their charter version was approved or rejected, with the rationale (G5)."""
    if (event.data or {}).get("retired"):
        return  # a retirement closes open drafts; the retirement itself is the news
    version = CharterVersion.objects.select_related("group", "decided_by").filter(pk=event.target_id).first()
    if version is None:
        return
    queue_notice(
        kind="groups.charter_decided",
        target=version,
        due_at=version.decided_at or event.created_at,
        recipients=_leads(version.group_id),
        template="groups/email/charter_decided",
        context={
            "version": version,
            "group": version.group,
            "approved": version.status == CharterVersion.Status.APPROVED,
            "rationale": version.rationale,
        },
    )


HANDLERS = {"charter.approved": charter_decided, "charter.rejected": charter_decided}


def on_event_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.verb in HANDLERS:
        HANDLERS[instance.verb](instance)
