"""Object permissions for groups (django-rules). Other apps import these predicates.

rules.test_rule("groups.is_group_lead", user, group)
from groups.rules import is_group_lead, is_group_member
"""

import rules
from rules.predicates import is_authenticated

from portal.dataversion import memo
from portal.rules import is_core_maintainer, is_lead_maintainer, is_member_or_above

from .models import Group, Membership, Tier


def _current_tier(user, group) -> str | None:
    """The user's current, active tier in `group`.

    Cached on the group instance (one request's object) so a page asking several predicates costs
    one query; services that change memberships call `forget_tiers(group)`. In a GET it is read once
    per data version and viewer (portal.dataversion.memo: a membership change moves the version; a
    POST, a task or a command reads it afresh).
    """
    if not (user and user.is_authenticated and group is not None and group.pk):
        return None
    cache = group.__dict__.setdefault("_tier_cache", {})
    if user.pk not in cache:
        read = lambda: (  # noqa: E731 - a tuple: memo takes None for "not stored"
            Membership.objects.active()
            .filter(group_id=group.pk, user_id=user.pk)
            .values_list("tier", flat=True)
            .first(),
        )
        cache[user.pk] = memo(f"tier:{group.pk}:{user.pk}", read)[0]
    return cache[user.pk]


def forget_tiers(group) -> None:
    if group is not None:
        group.__dict__.pop("_tier_cache", None)


@rules.predicate
def is_group_lead(user, group):
    """A current, active lead (WG) or facilitator (IG) of the group."""
    return _current_tier(user, group) == Tier.LEAD


@rules.predicate
def is_group_member(user, group):
    """A current, active member or lead of the group (T1 member tier and above)."""
    tier = _current_tier(user, group)
    return tier is not None and Tier.rank(tier) >= Tier.rank(Tier.MEMBER)


@rules.predicate
def is_group_participant(user, group):
    """Participant or above (may propose agenda items and vote, T1)."""
    tier = _current_tier(user, group)
    return tier is not None and Tier.rank(tier) >= Tier.rank(Tier.PARTICIPANT)


@rules.predicate
def is_in_group(user, group):
    """Any current tier, observer included."""
    return _current_tier(user, group) is not None


@rules.predicate
def group_is_not_retired(user, group):
    return group is not None and not group.is_retired


@rules.predicate
def is_nominator_or_nominee(user, nomination):
    return bool(user and user.is_authenticated and user.pk in (nomination.nominator_id, nomination.nominee_id))


@rules.predicate
def is_lead_of_nomination_group(user, nomination):
    return is_group_lead(user, nomination.group)


# T2: anyone signed in joins as observer or participant.
rules.add_rule("groups.join", is_authenticated & group_is_not_retired)
# T3: an existing member or lead nominates; leads, core and lead maintainers object.
rules.add_rule("groups.nominate", is_group_member & group_is_not_retired)
rules.add_rule("groups.override_participation", is_group_lead)
rules.add_rule("groups.object_nomination", is_lead_of_nomination_group | is_core_maintainer | is_lead_maintainer)
rules.add_rule("groups.withdraw_nomination", is_nominator_or_nominee)
# G6: amendments by the group's lead/facilitator or a core maintainer; G5: approval by core maintainers.
rules.add_rule("groups.amend_charter", (is_group_lead | is_core_maintainer) & group_is_not_retired)
rules.add_rule("groups.decide_charter", is_core_maintainer)
# G3/G4: activation by core maintainers; leads need member status or above.
rules.add_rule("groups.activate", is_core_maintainer)
rules.add_rule("groups.eligible_lead", is_member_or_above)
# G7: retirement proposed by a lead or core maintainer, approved by a core or lead maintainer.
rules.add_rule("groups.propose_retirement", (is_group_lead | is_core_maintainer) & group_is_not_retired)
rules.add_rule("groups.approve_retirement", is_core_maintainer | is_lead_maintainer)
# T4: a lead restores an emeritus member.
rules.add_rule("groups.restore_member", (is_group_lead | is_core_maintainer) & group_is_not_retired)
rules.add_rule("groups.set_tier", is_core_maintainer)
rules.add_rule("groups.is_group_lead", is_group_lead)
rules.add_rule("groups.is_group_member", is_group_member)
rules.add_rule("groups.view_queue", is_core_maintainer)

# Admin model permissions: core maintainers run groups in the admin (G3, G5) without per-user grants.
for _model in (
    "group",
    "charterversion",
    "sponsorship",
    "membership",
    "nomination",
    "retirementproposal",
    "participation",
):
    rules.add_perm(f"groups.view_{_model}", is_core_maintainer)
for _model in ("group", "charterversion", "sponsorship", "membership"):
    rules.add_perm(f"groups.change_{_model}", is_core_maintainer)
for _model in ("group", "sponsorship", "membership"):
    rules.add_perm(f"groups.add_{_model}", is_core_maintainer)
for _model in ("sponsorship", "membership"):
    rules.add_perm(f"groups.delete_{_model}", is_core_maintainer)


# --- Decisions (D1-D5) and quarterly reports (G8) ---------------------------------------------------


@rules.predicate
def is_active_wg(user, group):
    """Decisions and reports are for active Working Groups; a retired group takes no proposals or votes."""
    return group is not None and group.kind == Group.Kind.WORKING and group.state == Group.State.ACTIVE


# D1: a lead of the WG opens a lazy-consensus proposal.
rules.add_rule("decisions.open_proposal", is_group_lead & is_active_wg)
# D2: any WG member (active, not emeritus; leads are members too) may block.
rules.add_rule("decisions.block", is_group_member & is_active_wg)
# D3: a lead's request opens a vote; members' requests count towards three.
rules.add_rule("decisions.request_vote", is_group_member & is_active_wg)
# D5: a lead may contest a vote's result; core maintainers designate one of themselves.
rules.add_rule("decisions.contest", is_group_lead & is_active_wg)
rules.add_rule("decisions.designate", is_core_maintainer)
# G8: the WG's leads write and publish its quarterly report.
rules.add_rule("decisions.write_report", is_group_lead & is_active_wg)
rules.add_rule("decisions.view_health", is_core_maintainer)
