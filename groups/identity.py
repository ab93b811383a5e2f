"""Groups' part in merging a placeholder known from GitHub into the real account (portal.identity).

Connected to `portal.identity.person_merging` by GroupsConfig.ready. Before the rows move, it settles
what would collide: two current memberships of one group (the higher tier stays current, the other is
ended, never deleted), the same participation or sponsorship twice, two open nominations of one group.
"""

from .models import Membership, Nomination, Participation, Sponsorship, Tier


def settle_merge(sender, *, placeholder, into, now, **kwargs):
    theirs = {m.group_id: m for m in Membership.objects.select_for_update().current().filter(user=into)}
    for mine in Membership.objects.select_for_update().current().filter(user=placeholder, group_id__in=theirs):
        other = theirs[mine.group_id]
        lower = mine if Tier.rank(mine.tier) <= Tier.rank(other.tier) else other
        lower.ended_at = max(now, lower.started_at)
        lower.note = (lower.note + " · ended when merged with the GitHub account")[-300:].lstrip(" ·")
        lower.save(update_fields=["ended_at", "note"])
    key = ("group_id", "kind", "source_type_id", "source_id")
    held = set(Participation.objects.filter(user=into).values_list(*key))
    twice = [
        row[0] for row in Participation.objects.filter(user=placeholder).values_list("pk", *key) if row[1:] in held
    ]
    Participation.objects.filter(pk__in=twice).delete()
    Sponsorship.objects.filter(
        sponsor=placeholder, group_id__in=Sponsorship.objects.filter(sponsor=into).values("group_id")
    ).delete()
    Nomination.objects.filter(
        nominee=placeholder,
        status=Nomination.Status.OPEN,
        group_id__in=Nomination.objects.open().filter(nominee=into).values("group_id"),
    ).update(status=Nomination.Status.WITHDRAWN, closed_at=now)
