"""Ladder roles over time (RULES P1, DESIGN convention 4): one service per change, each recorded.

A role row is never rewritten: a change ends the open row (with the date) and opens another, so the
record can say who was a core maintainer when. The org-wide ladder role on the person (`ladder_role`)
follows the roles that carry it; `ladder_from_roles` says which rung they give.
"""

from django.db import transaction
from django.utils import timezone

from .events import record
from .models import LadderRole, Role, RoleArea, RoleKind, User

# Which rung of the ladder an open (non-emeritus) role gives. Maintainers of an SDK, project or group
# are the steering group's maintainers (governance: "maintainers drive components such as SDKs").
# Moderators and emeritus roles give none.
LADDER_OF_ROLE = {
    RoleKind.LEAD_MAINTAINER: LadderRole.LEAD_MAINTAINER,
    RoleKind.CORE_MAINTAINER: LadderRole.CORE_MAINTAINER,
    RoleKind.MAINTAINER: LadderRole.MAINTAINER,
}

# Where someone lands when the roles that made them steering group end: they stay an org member. An
# emeritus lead, core maintainer or maintainer is honoured as a member too (not steering group: they
# no longer sponsor SEPs or decide, S4).
LADDER_AFTER_STEERING = LadderRole.MEMBER


def role_start(
    *,
    person: User,
    kind: str,
    area: str = RoleArea.ORG,
    scope: str = "",
    emeritus: bool = False,
    product: str = "",
    note: str = "",
    source: str = "",
    by=None,
    now=None,
) -> Role:
    now = now or timezone.now()
    with transaction.atomic():
        role = Role.objects.create(
            person=person, kind=kind, area=area, scope=scope[:120], emeritus=emeritus, product=product[:120],
            note=note[:200], source=source[:40], started_at=now,
        )  # fmt: skip
        record(actor=by, verb="role.started", target=person, at=now, data=_describe(role))
    return role


def role_end(*, role: Role, by=None, now=None, reason: str = "") -> Role:
    now = now or timezone.now()
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        if role.ended_at is not None:
            return role
        role.ended_at = max(now, role.started_at)
        role.save(update_fields=["ended_at"])
        record(actor=by, verb="role.ended", target=role.person, at=now, data={**_describe(role), "reason": reason})
    return role


def ladder_from_roles(roles) -> str | None:
    """The highest rung the open roles give (None: they give none). Emeritus roles give member."""
    ranks = [
        LADDER_AFTER_STEERING if r.emeritus else LADDER_OF_ROLE[r.kind]
        for r in roles
        if r.ended_at is None and r.kind in LADDER_OF_ROLE
    ]
    return max(ranks, key=LadderRole.rank) if ranks else None


def ladder_set(*, person: User, role: str, by=None, source: str = "", now=None) -> bool:
    """Set the org-wide ladder role, recorded like an admin change. Returns whether it changed."""
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        if person.ladder_role == role:
            return False
        old = person.ladder_role
        person.ladder_role = role
        person.save(update_fields=["ladder_role"])
        record(actor=by, verb="user.ladder_role_changed", target=person, at=now,
               data={"from": old, "to": role, "source": source})  # fmt: skip
    return True


def _describe(role: Role) -> dict:
    return {
        "kind": role.kind,
        "area": role.area,
        "scope": role.scope,
        "emeritus": role.emeritus,
        "product": role.product,
        "source": role.source,
        "title": role.title,
    }


ROLE_OF_LADDER = {ladder: kind for kind, ladder in LADDER_OF_ROLE.items()}
ADMIN_SOURCE = "admin"


def roles_follow_ladder(*, person: User, by=None, now=None) -> None:
    """A ladder change made by hand (the admin) is a role with dates too: the org-wide role it names opens,
    and the ones an earlier hand-made change opened end. Roles from MAINTAINERS.md are left to that file."""
    now = now or timezone.now()
    want = ROLE_OF_LADDER.get(person.ladder_role)
    with transaction.atomic():
        for role in Role.objects.select_for_update().current().filter(person=person, source=ADMIN_SOURCE):
            if role.kind != want or role.area != RoleArea.ORG or role.scope:
                role_end(role=role, by=by, now=now, reason=f"ladder role changed to {person.ladder_role}")
        if want and not Role.objects.current().filter(person=person, kind=want, area=RoleArea.ORG, scope="").exists():
            role_start(person=person, kind=want, area=RoleArea.ORG, source=ADMIN_SOURCE, by=by, now=now)
