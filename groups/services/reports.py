"""G8: quarterly reports of Working Groups: a draft pre-filled from the portal's own data, edited, published."""

import rules
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from portal.errors import DomainError
from portal.events import record
from portal.validation import clean_text

from .. import deadlines, report_figures
from ..deadlines import Quarter
from ..guards import ensure_group_writable
from ..models import Group, QuarterlyReport, ReportSection
from ..selectors import current_leads
from .decision_common import _bump, notify_each

SECTION_LIMIT = 20000
PREFILL_NOTE = "<!-- Pre-filled from the portal's records for this quarter; edit freely. -->"


def prefill(group: Group, quarter: Quarter, now=None) -> tuple[dict, list]:
    """(sections markdown, figures) for the quarter, from every registered figures provider."""
    end = min(quarter.ends_at, now or timezone.now()) if now else quarter.ends_at
    figures = report_figures.collect(group, quarter.starts_at, max(end, quarter.starts_at))
    sections = {key: [] for key in ReportSection.values}
    for block in figures:
        lines = block.get("lines") or []
        if lines and block.get("section") in sections:
            sections[block["section"]].append(f"**{block['title']}**\n\n" + "\n".join(lines))
    return {k: "\n\n".join(v) for k, v in sections.items() if v}, figures


def _check_group(group: Group):
    if group.kind != Group.Kind.WORKING:
        raise DomainError("Quarterly reports are for Working Groups; Interest Groups have none (G8).")


def report_open(*, group: Group, quarter: Quarter, by=None, now=None) -> QuarterlyReport:
    """Open (or return) the draft for `quarter`, pre-filled. `by=None` is the sweep."""
    _check_group(group)
    ensure_group_writable(group)
    if by is not None and not rules.test_rule("decisions.write_report", by, group):
        raise PermissionDenied(f"Only a lead of {group.name} (an active Working Group) writes its reports.")
    now = now or timezone.now()
    existing = QuarterlyReport.objects.filter(group=group, quarter_end=quarter.end).first()
    if existing:
        return existing
    if by is not None and quarter.starts_at > now:
        raise DomainError("That quarter has not started yet.")
    sections, figures = prefill(group, quarter, now)
    report = QuarterlyReport(
        group=group,
        quarter_end=quarter.end,
        due_at=quarter.due_at,
        sections=sections,
        figures=figures,
        opened_at=now,
        opened_by=by,
    )
    report.render()
    try:
        with transaction.atomic():
            report.save()
            record(actor=by, verb="report.opened", target=report, data={"quarter": quarter.slug}, at=now)
            _bump(group.pk)
    except IntegrityError:  # opened concurrently: use that one
        return QuarterlyReport.objects.get(group=group, quarter_end=quarter.end)
    return report


def report_save(*, report: QuarterlyReport, by, sections: dict) -> QuarterlyReport:
    """The lead edits the five sections (markdown, rendered and sanitized once here, DESIGN 8)."""
    if not rules.test_rule("decisions.write_report", by, report.group):
        raise PermissionDenied(f"Only a lead of {report.group.name} writes its reports.")
    clean = {}
    for key in ReportSection.values:
        clean[key] = clean_text(
            sections.get(key) or "", label=ReportSection(key).label, max_length=SECTION_LIMIT, required=False
        )
    with transaction.atomic():
        r = QuarterlyReport.objects.select_for_update().select_related("group").get(pk=report.pk)
        if r.is_published:
            raise DomainError("This report is published; it no longer changes.")
        ensure_group_writable(r.group_id)
        r.sections = clean
        r.render()
        r.save(update_fields=["sections", "sections_html"])
        record(actor=by, verb="report.edited", target=r, data={"quarter": r.quarter.slug})
        _bump(r.group_id)
    return r


def report_publish(*, report: QuarterlyReport, by) -> QuarterlyReport:
    if not rules.test_rule("decisions.write_report", by, report.group):
        raise PermissionDenied(f"Only a lead of {report.group.name} publishes its reports.")
    with transaction.atomic():
        r = QuarterlyReport.objects.select_for_update().select_related("group").get(pk=report.pk)
        if r.is_published:
            raise DomainError("This report is already published.")
        ensure_group_writable(r.group_id)
        missing = [ReportSection(k).label for k in ReportSection.values if not (r.sections.get(k) or "").strip()]
        if missing:
            raise DomainError("Fill in every section before publishing (G8); empty: " + ", ".join(missing) + ".")
        now = timezone.now()
        _, r.figures = prefill(r.group, r.quarter, now)  # the final figures, as of publication
        r.status, r.published_at, r.published_by = QuarterlyReport.Status.PUBLISHED, now, by
        r.save(update_fields=["figures", "status", "published_at", "published_by"])
        record(actor=by, verb="report.published", target=r, data={"quarter": r.quarter.slug, "late": r.is_late})
        _bump(r.group_id)
    return r


def report_remind(*, group_id: int, quarter: Quarter, now=None) -> QuarterlyReport | None:
    """Sweep step (G8): two weeks ahead, open the draft and tell the leads, once."""
    now = now or timezone.now()
    group = Group.objects.filter(pk=group_id, kind=Group.Kind.WORKING, state=Group.State.ACTIVE).first()
    if group is None or now < quarter.reminder_at:
        return None
    report = report_open(group=group, quarter=quarter, now=now)
    with transaction.atomic():
        r = QuarterlyReport.objects.select_for_update().filter(pk=report.pk, reminded_at=None).first()
        if r is None or r.is_published:
            return None
        r.reminded_at = now
        r.save(update_fields=["reminded_at"])
        record(actor=None, verb="report.reminder_sent", target=r, data={"quarter": quarter.slug}, at=now)
        notify_each(
            kind="decisions.report_due",
            target=r,
            due_at=quarter.reminder_at,
            users=current_leads(group),
            template="groups/email/report_due",
            context={"report": r, "group": group},
            moments={"due": r.due_at},
        )
    return r


def report_mark_overdue(*, report_id: int, now=None) -> QuarterlyReport | None:
    """Sweep step (G8): not published by the due date -> flagged and the leads told, once."""
    now = now or timezone.now()
    with transaction.atomic():
        r = (
            QuarterlyReport.objects.select_for_update()
            .select_related("group")
            .filter(pk=report_id, status=QuarterlyReport.Status.DRAFT, overdue_at=None, due_at__lte=now)
            .first()
        )
        if r is None:
            return None
        r.overdue_at = now
        r.save(update_fields=["overdue_at"])
        record(actor=None, verb="report.overdue", target=r, data={"quarter": r.quarter.slug}, at=now)
        notify_each(
            kind="decisions.report_overdue",
            target=r,
            due_at=r.due_at,
            users=current_leads(r.group),
            template="groups/email/report_overdue",
            context={"report": r, "group": r.group},
            moments={"due": r.due_at},
        )
        _bump(r.group_id)
    return r


def reminder_quarters(now) -> list[Quarter]:
    """The quarters whose reminder moment has come: the last one that ended and, within two weeks of
    its end, the current one."""
    return [
        q for q in (deadlines.quarter_ending_before(now), deadlines.quarter_containing(now)) if q.reminder_at <= now
    ]


def owed_quarters(group: Group, now) -> list[Quarter]:
    """The quarters an active WG owes a report for now. A group activated after a quarter's reminder
    moment does not owe it."""
    return [q for q in reminder_quarters(now) if (group.activated_at or group.created_at) <= q.reminder_at]


def groups_to_remind(quarter: Quarter):
    """Active WGs that owe `quarter` a report and were not yet reminded of it (G8): one query, each
    group's report found through the (group, quarter_end) unique index. What `report_remind` would
    turn down (a report already reminded of, or published) is not selected, so the sweep costs what
    is due, not one lookup per group every six hours."""
    handled = QuarterlyReport.objects.filter(group=OuterRef("pk"), quarter_end=quarter.end).filter(
        Q(reminded_at__isnull=False) | Q(status=QuarterlyReport.Status.PUBLISHED)
    )
    owes = Q(activated_at__lte=quarter.reminder_at) | Q(activated_at__isnull=True, created_at__lte=quarter.reminder_at)
    return Group.objects.active().working_groups().filter(owes).exclude(Exists(handled))
