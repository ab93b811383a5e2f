"""G5/G6: charter versions (amend, edit a section, submit, decide)."""

import rules
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from portal.errors import DomainError
from portal.events import record

from ..models import CharterSection, CharterVersion, Group
from ..selectors import charter_decision_refusal, current_charter
from .base import _bump, _require_not_retired, _text


def _next_number(group: Group) -> int:
    last = CharterVersion.objects.filter(group=group).order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def charter_start_amendment(*, group: Group, by) -> CharterVersion:
    _require_not_retired(group)
    if not rules.test_rule("groups.amend_charter", by, group):
        raise PermissionDenied(
            f"Only a {group.lead_title.lower()} of {group.name} or a core maintainer may amend its charter."
        )
    with transaction.atomic():
        Group.objects.select_for_update().filter(pk=group.pk).first()
        existing = group.charter_versions.open().first()
        if existing is not None:
            return existing
        base = current_charter(group)
        version = CharterVersion(
            group=group,
            number=_next_number(group),
            sections=dict(base.sections) if base else {k: "" for k in CharterSection.values},
            author=by,
        )
        version.render()
        version.save()
        record(actor=by, verb="charter.draft_started", target=version, data={"from": base.number if base else None})
    return version


def charter_edit_section(*, version: CharterVersion, by, key: str, text: str) -> CharterVersion:
    if key not in CharterSection.values:
        raise DomainError("There is no such charter section.")
    _require_not_retired(version.group_id)
    text = _text(text, "The section", 40000)
    if not rules.test_rule("groups.amend_charter", by, version.group):
        raise PermissionDenied("Only the group's leads or core maintainers may edit its charter.")
    with transaction.atomic():
        v = CharterVersion.objects.select_for_update().get(pk=version.pk)
        if v.status != CharterVersion.Status.DRAFT:
            raise DomainError("Only a draft can be edited; this version was already submitted.")
        v.sections = {**v.sections, key: text.replace("\r\n", "\n")}
        v.render()
        v.save(update_fields=["sections", "sections_html"])
    return v


SECTION_MAX = 40000


def charter_edit_sections(*, version: CharterVersion, by, texts: dict[str, str]) -> tuple[CharterVersion, list[str]]:
    """Save every section of a draft at once (the editor posts them all: nothing typed is lost).
    Returns the version and the keys that changed; unchanged sections are not rewritten."""
    unknown = set(texts) - set(CharterSection.values)
    if unknown:
        raise DomainError("There is no such charter section.")
    _require_not_retired(version.group_id)
    if not rules.test_rule("groups.amend_charter", by, version.group):
        raise PermissionDenied("Only the group's leads or core maintainers may edit its charter.")
    # the same cleaning as one section: no control characters, at most SECTION_MAX characters each
    texts = {k: _text(t, f"The section “{CharterSection(k).label}”", SECTION_MAX) for k, t in texts.items()}
    with transaction.atomic():
        v = CharterVersion.objects.select_for_update().get(pk=version.pk)
        if v.status != CharterVersion.Status.DRAFT:
            raise DomainError("Only a draft can be edited; this version was already submitted.")
        changed = [k for k, t in texts.items() if (v.sections.get(k) or "") != t]
        if changed:
            v.sections = {**v.sections, **{k: texts[k] for k in changed}}
            v.render()
            v.save(update_fields=["sections", "sections_html"])
    return v, changed


def charter_submit(*, version: CharterVersion, by, summary: str = "") -> CharterVersion:
    _require_not_retired(version.group_id)
    summary = _text(summary, "The summary", 200, one_line=True)
    if not rules.test_rule("groups.amend_charter", by, version.group):
        raise PermissionDenied("Only the group's leads or core maintainers may submit a charter amendment.")
    with transaction.atomic():
        v = CharterVersion.objects.select_for_update().get(pk=version.pk)
        if v.status != CharterVersion.Status.DRAFT:
            raise DomainError("Only a draft can be submitted.")
        if not (v.sections.get(CharterSection.MISSION) or "").strip():
            raise DomainError("A charter needs a mission statement before it is submitted.")
        v.status = CharterVersion.Status.SUBMITTED
        v.submitted_at = timezone.now()
        v.summary = (summary or v.summary).strip()[:200]
        v.save(update_fields=["status", "submitted_at", "summary"])
        record(actor=by, verb="charter.submitted", target=v, data={"summary": v.summary})
    return v


def mission_summary(mission_html: str, limit: int = 300) -> str:
    """The one-line mission for the directory: plain text, cut at a word boundary to fit the field."""
    text = " ".join(strip_tags(mission_html).split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-") + "…"


RATIONALE_MAX = 4000


def charter_decide(*, version: CharterVersion, by, approve: bool, rationale: str) -> CharterVersion:
    """G5: core maintainers approve or reject a submitted version, with a rationale (recorded)."""
    if not rules.test_rule("groups.decide_charter", by, version):
        raise PermissionDenied("Only core maintainers approve or reject charters.")
    _require_not_retired(version.group_id)
    rationale = _text(rationale, "The rationale", 4000)
    if not rationale:
        raise DomainError("A charter decision needs a rationale.")
    if len(rationale) > RATIONALE_MAX:
        raise DomainError(f"A rationale is at most {RATIONALE_MAX} characters; this one has {len(rationale)}.")
    with transaction.atomic():
        v = CharterVersion.objects.select_for_update().select_related("group").get(pk=version.pk)
        refusal = charter_decision_refusal(v)
        if refusal is not None:
            raise DomainError(refusal)
        v.status = CharterVersion.Status.APPROVED if approve else CharterVersion.Status.REJECTED
        v.decided_by = by
        v.decided_at = timezone.now()
        v.rationale = rationale
        v.save(update_fields=["status", "decided_by", "decided_at", "rationale"])
        if approve:
            summary = mission_summary(v.sections_html.get(CharterSection.MISSION, ""))
            if summary:
                Group.objects.filter(pk=v.group_id).update(mission_summary=summary)
        record(actor=by, verb=f"charter.{v.status}", target=v, data={"rationale": rationale, "number": v.number})
        _bump(v.group_id)
    return v
