"""The one table of SEP status transitions (RULES S2, S3, S4, S5).

Services, views and the admin all read this table: `check(...)` is the single place that says
whether a person may move a SEP along a transition, and `available(...)` lists what a person may
do on a page. Nothing else decides it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from portal.errors import DomainError

from .models import Status


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    who: str  # a key of WHO below
    help: str = ""
    needs_successor: bool = False
    needs_reference_implementation: bool = False
    idle_after: str = ""  # GOVERNANCE key: the SEP must be idle this long
    needs_no_sponsor: bool = False
    danger: bool = False


WHO = {
    "steering": "a steering-group member (maintainer or above), who becomes its sponsor",
    "sponsor": "its sponsor",
    "decider": "a core maintainer (or a lead of its Working Group, when that group has delegated SEP authority)",
    "sponsor_or_core": "its sponsor or a core maintainer",
    "author": "one of its authors",
    "author_or_core": "one of its authors or a core maintainer",
    "core": "a core maintainer",
}

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "sponsor",
            "Sponsor this SEP",
            (Status.PROPOSAL, Status.DRAFT),  # a draft only when it has no sponsor (e.g. imported)
            Status.DRAFT,
            "steering",
            help="You become its sponsor; it moves to draft.",
            needs_no_sponsor=True,
        ),
        Transition("submit", "Move to review", (Status.DRAFT,), Status.IN_REVIEW, "sponsor"),
        Transition("accept", "Accept", (Status.IN_REVIEW,), Status.ACCEPTED, "decider"),
        Transition("reject", "Reject", (Status.IN_REVIEW,), Status.REJECTED, "decider", danger=True),
        Transition("return_to_draft", "Return to draft", (Status.IN_REVIEW,), Status.DRAFT, "decider"),
        Transition(
            "finalize",
            "Mark final",
            (Status.ACCEPTED,),
            Status.FINAL,
            "sponsor_or_core",
            help="Needs a link to the reference implementation.",
            needs_reference_implementation=True,
        ),
        Transition(
            "withdraw",
            "Withdraw",
            (Status.PROPOSAL, Status.DRAFT, Status.IN_REVIEW, Status.ACCEPTED, Status.DORMANT),
            Status.WITHDRAWN,
            "author",
            danger=True,
        ),
        Transition(
            "supersede",
            "Mark superseded",
            (Status.ACCEPTED, Status.FINAL),
            Status.SUPERSEDED,
            "core",
            help="Name the SEP that replaces it.",
            needs_successor=True,
        ),
        Transition(
            "mark_dormant",
            "Mark dormant",
            (Status.PROPOSAL,),
            Status.DORMANT,
            "core",
            help="Only for proposals without a sponsor, idle for the required time.",
            idle_after="SEP_MANUAL_DORMANT_AFTER",
        ),
        Transition("revive", "Revive as proposal", (Status.DORMANT,), Status.PROPOSAL, "author_or_core"),
        Transition(
            "revive_sponsored",
            "Revive and sponsor",
            (Status.DORMANT,),
            Status.DRAFT,
            "steering",
            help="You become its sponsor; it moves to draft.",
        ),
    ]
}


def group_leads_with_authority(sep) -> set[int]:
    """User ids who lead the SEP's group when that Working Group holds delegated SEP authority (S3).

    A retired group decides nothing (G2): its delegated authority ends with it."""
    from groups.models import Group, Membership

    group = sep.group
    if group is None or not group.delegated_sep_authority or group.state == Group.State.RETIRED:
        return set()
    return set(Membership.objects.leads().filter(group=group).values_list("user_id", flat=True))


def is_acting_sponsor(user, sep) -> bool:
    """S4 at the moment of the action: the SEP's sponsor acts as sponsor only while in the steering group
    (a sponsor who has since left it can no longer move the SEP; a steering member takes it over)."""
    return sep.sponsor_id is not None and sep.sponsor_id == user.pk and user.is_steering_group


# S3 read literally: a decision is someone else's. An author never accepts their own SEP, whether as a
# core maintainer or as a lead of a Working Group with delegated authority.
NOT_BY_AUTHORS = {"accept"}


def _has_right(who: str, user, sep, leads: set[int] | None) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if who == "steering":
        return user.is_steering_group
    if who == "sponsor":
        return is_acting_sponsor(user, sep)
    if who == "core":
        return user.is_core_maintainer
    if who == "sponsor_or_core":
        return user.is_core_maintainer or is_acting_sponsor(user, sep)
    if who == "decider":
        if user.is_core_maintainer:
            return True
        if leads is None:
            leads = group_leads_with_authority(sep)
        return user.pk in leads
    if who == "author":
        return sep.is_author(user)
    if who == "author_or_core":
        return user.is_core_maintainer or sep.is_author(user)
    raise ValueError(who)


def may(name: str, user, sep, *, leads: set[int] | None = None) -> bool:
    """Whether `user` holds the right for this transition (ignoring the SEP's current state)."""
    return _has_right(TRANSITIONS[name].who, user, sep, leads)


def check(name: str, user, sep, *, now=None, leads: set[int] | None = None) -> Transition:
    """Raise PermissionDenied or DomainError unless `user` may apply `name` to `sep` now."""
    t = TRANSITIONS.get(name)
    if t is None:
        raise DomainError("There is no such step for a SEP.")
    if not _has_right(t.who, user, sep, leads):
        if t.who in ("sponsor", "sponsor_or_core") and sep.sponsor_id == getattr(user, "pk", None):
            raise PermissionDenied(
                "A sponsor must be in the steering group; you are no longer a maintainer or above, "
                "so a steering-group member must take this SEP over."
            )
        raise PermissionDenied(f"Only {WHO[t.who]} may do this ({t.label.lower()}).")
    if name in NOT_BY_AUTHORS and sep.is_author(user):
        raise PermissionDenied(f"You are an author of SEP-{sep.number}; someone else must {t.label.lower()} it.")
    if sep.status not in t.sources:
        raise DomainError(
            f"SEP-{sep.number} is {sep.get_status_display().lower()}; “{t.label}” needs it to be "
            + " or ".join(Status(s).label.lower() for s in t.sources)
            + "."
        )
    if t.needs_no_sponsor and sep.sponsor_id is not None:
        raise DomainError(f"SEP-{sep.number} already has a sponsor.")
    if t.idle_after:
        now = now or timezone.now()
        idle_for = settings.GOVERNANCE[t.idle_after]
        if sep.sponsor_id is not None:
            raise DomainError("Only a proposal without a sponsor can be marked dormant.")
        if sep.last_activity_at > now - idle_for:
            raise DomainError(f"A proposal can be marked dormant only after {idle_for.days} days without activity.")
    return t


def available(user, sep, *, now=None, leads: set[int] | None = None) -> list[Transition]:
    """The transitions `user` may apply to `sep` in its current state (for pages and the admin)."""
    out = []
    for name, t in TRANSITIONS.items():
        if sep.status not in t.sources:
            continue
        try:
            check(name, user, sep, now=now, leads=leads)
        except (PermissionDenied, DomainError):
            continue
        out.append(t)
    return out


def may_edit(user, sep) -> bool:
    """Authors edit metadata while it is a proposal or draft; core maintainers too."""
    if sep.status not in (Status.PROPOSAL, Status.DRAFT):
        return False
    return bool(user and user.is_authenticated and (user.is_core_maintainer or sep.is_author(user)))
