"""What the people pages (portal/people.py) show about groups: registered by module name, so portal's
core never imports groups. Each function is one query whatever the number of people."""

from django.db.models import F, Q

from .models import Group, Membership


def groups_of(person_ids) -> dict[int, list[dict]]:
    """{person id: their current groups, by name}: for the maintainers list."""
    out: dict[int, list[dict]] = {}
    rows = (
        Membership.objects.current()
        .filter(user_id__in=list(person_ids))
        .select_related("group")
        .only("user_id", "tier", "status", "group__slug", "group__name", "group__state", "group__kind")
        .order_by("group__name")
    )
    for m in rows:
        out.setdefault(m.user_id, []).append(_row(m, dates=False))
    return out


def memberships_of(person_id: int) -> list[dict]:
    """One person's memberships over time, current first: for their page."""
    rows = (
        Membership.objects.filter(user_id=person_id)
        .select_related("group")
        .only("user_id", "tier", "status", "started_at", "ended_at", "term", "group__slug", "group__name",
              "group__state", "group__kind")
        .order_by(F("ended_at").desc(nulls_first=True), "-started_at", "-id")
    )  # fmt: skip
    return [_row(m, dates=True) for m in rows]


def group_links(names) -> dict[str, str]:
    """{lowercased group name: its page} for the names MAINTAINERS.md uses ("Security Interest Group")."""
    names = [n for n in {n.strip() for n in names} if n]
    if not names:
        return {}
    match = Q()
    for name in names:
        match |= Q(name__iexact=name)
    return {g.name.lower(): g.get_absolute_url() for g in Group.objects.filter(match).only("slug", "name")}


def _row(m, *, dates: bool) -> dict:
    g = m.group
    return {
        "name": g.name,
        "url": g.get_absolute_url(),
        "tier": m.get_tier_display(),
        "emeritus": m.status == Membership.Status.EMERITUS,
        "retired": g.state == Group.State.RETIRED,
        "started_at": m.started_at if dates else None,
        "ended_at": m.ended_at if dates else None,
    }
