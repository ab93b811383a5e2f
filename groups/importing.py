"""The writes an import makes to groups, as services (issue 8, kind 2: importers obey the same rules).

An import records what the community decided elsewhere (a charter merged in the community's
repository), but it never skips a rule silently: each step either holds the rule or leaves the state
for a person and says so in a warning.

- The person who runs the import is named (`by`) and must be a core maintainer: an imported charter
  version is an approval (G5, core maintainers only), imported leads and members are a core maintainer's
  action (T2), and both record `by` as the actor.
- A new group is created proposed. It becomes active only through `group_activate`, that is only when
  G3 (sponsorship) and G4 (an eligible lead) hold; otherwise it stays proposed, in the core maintainers'
  queue, with the reason as a warning.
- A retired group is read-only (G2): nothing of the file is applied.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from portal.errors import DomainError
from portal.events import record

from .guards import ensure_group_writable
from .models import CharterVersion, Group
from .selectors import activation_refusal


def ensure_importer(by) -> None:
    if by is None or not getattr(by, "is_authenticated", False) or not by.is_core_maintainer:
        raise PermissionDenied(
            "Imports are run by a core maintainer, who is recorded as approving what they import (G5, T2)."
        )


def group_create_imported(*, slug: str, by, values: dict, source: str) -> Group:
    """A group a charter file describes and the portal does not know yet: created proposed (G2)."""
    ensure_importer(by)
    with transaction.atomic():
        group = Group.objects.create(slug=slug, state=Group.State.PROPOSED, **values)
        record(actor=by, verb="group.imported", target=group, group=group, data={"file": source, "state": group.state})
    return group


def group_update_imported(*, group: Group, by, values: dict, source: str) -> list[str]:
    """Name, kind, mission summary and Discord channel as the charter file states them. Returns what changed."""
    ensure_importer(by)
    with transaction.atomic():
        g = Group.objects.select_for_update().get(pk=group.pk)
        ensure_group_writable(g)
        diff = [k for k, v in values.items() if getattr(g, k) != v]
        if not diff:
            return []
        for k in diff:
            setattr(g, k, values[k])
        g.version += 1
        g.save(update_fields=[*diff, "version"])
        record(actor=by, verb="group.import_updated", target=g, group=g, data={"file": source, "fields": diff})
    group.__dict__.update({k: getattr(g, k) for k in [*diff, "version"]})
    return diff


def charter_record_imported(*, group: Group, by, sections: dict, source: str, digest: str) -> CharterVersion:
    """G5: the charter as merged in the community's repository, approved by the core maintainer who
    imports it (named as the decider, with the file as the rationale)."""
    ensure_importer(by)
    with transaction.atomic():
        Group.objects.select_for_update().filter(pk=group.pk).first()
        ensure_group_writable(group)
        last = group.charter_versions.order_by("-number").values_list("number", flat=True).first() or 0
        now = timezone.now()
        version = CharterVersion(
            group=group,
            number=last + 1,
            status=CharterVersion.Status.APPROVED,
            sections=sections,
            summary="Imported charter",
            author=by,
            submitted_at=now,
            decided_by=by,
            decided_at=now,
            rationale=f"Imported from {source} by {by.name}",
            source=source[:300],
            source_digest=digest,
        )
        version.render()
        version.save()
        record(actor=by, verb="charter.imported", target=version, data={"file": source, "number": version.number})
    return version


def activate_if_rules_hold(*, group: Group, by, source: str) -> str:
    """G2-G4 for an imported proposed group: activate it through the same service as the admin action
    when sponsorship and leads hold; otherwise leave it proposed and return why (a warning)."""
    from .services import group_activate

    g = Group.objects.get(pk=group.pk)
    if g.state != Group.State.PROPOSED:
        return ""
    refusal = activation_refusal(g)
    if refusal is not None:
        return f"{g.name} stays proposed: {refusal} A core maintainer activates it from the queue once the rules hold."
    try:
        group_activate(group=g, by=by, rationale=f"Charter imported from {source}; G3 and G4 hold.")
    except (DomainError, PermissionDenied) as exc:
        return f"{g.name} stays proposed: {getattr(exc, 'message', exc)}"
    return ""
