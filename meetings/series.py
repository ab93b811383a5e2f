"""Recurring series (M7): dates, DST-safe starts, creation and generation over a rolling window."""

import logging
from calendar import monthrange
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from groups.models import Group
from portal.errors import DomainError
from portal.events import record

from .models import Meeting, MeetingSeries, earliest_publishable_start, publish_ahead, render_section
from .publication import first_publishable_day
from .rules import require
from .services import meeting_cancel

log = logging.getLogger(__name__)

# Sent (sender=MeetingSeries, series_id=...) after the transaction that created a series commits;
# meetings.tasks connects the generation, so this module never imports the task layer.
series_created = Signal()


def _nth_weekday(first: date) -> tuple[int, int]:
    """(weekday, n) of a date: the 3rd Tuesday -> (1, 3); a 5th weekday counts as the last (-1)."""
    n = (first.day - 1) // 7 + 1
    return first.weekday(), (-1 if n == 5 else n)


def _monthly_date(year: int, month: int, weekday: int, n: int) -> date | None:
    days = monthrange(year, month)[1]
    matches = [d for d in range(1, days + 1) if date(year, month, d).weekday() == weekday]
    if n == -1:
        return date(year, month, matches[-1])
    return date(year, month, matches[n - 1]) if n <= len(matches) else None


def series_dates(series, until: date):
    """Local dates of a series from its first date up to `until` (inclusive)."""
    end = min(until, series.until) if series.until else until
    if series.frequency in (MeetingSeries.Frequency.WEEKLY, MeetingSeries.Frequency.BIWEEKLY):
        step = timedelta(weeks=1 if series.frequency == MeetingSeries.Frequency.WEEKLY else 2)
        day = series.first_date
        while day <= end:
            yield day
            day += step
    else:
        weekday, n = _nth_weekday(series.first_date)
        month = series.first_date.replace(day=1)
        while month <= end:
            day = _monthly_date(month.year, month.month, weekday, n)
            if day and series.first_date <= day <= end:
                yield day
            month += relativedelta(months=1)


def series_local_start(series, day: date) -> datetime:
    """The start in UTC of the occurrence on local `day`: the local time is kept across DST."""
    local = datetime.combine(day, series.local_time).replace(tzinfo=series.zone)
    return local.astimezone(ZoneInfo("UTC"))


def series_create(
    *, group, by, title, frequency, first_date, local_time, timezone_name, duration, join_url, agenda_md="",
    until=None, auto_publish=True, keep_early_dates=False,
) -> MeetingSeries:  # fmt: skip
    """Create a series. It starts at its first date that can still be published on time (M2), so
    no meeting of a new series is born past its publication deadline and flagged "missed" at
    once; `keep_early_dates` (the lead insists) keeps the dates before it, as drafts that only a
    core maintainer can publish late. `series.moved_from` says when the start was moved."""
    require("meetings.manage_meeting", by, group, "Only the group's leads and core maintainers create series.")
    from groups.guards import ensure_group_writable
    from portal.validation import clean_choice

    from .services import _validate_fields

    ensure_group_writable(group)
    if not (title or "").strip() or not (join_url or "").strip():
        raise DomainError("A series needs a title and a join link.")
    frequency = clean_choice(frequency, MeetingSeries.Frequency, label="The frequency")
    cleaned = _validate_fields(
        dict(title=title, join_url=join_url, timezone_name=timezone_name, agenda_md=agenda_md, duration=duration)
    )
    title, join_url, timezone_name, agenda_md = (
        cleaned["title"], cleaned["join_url"], cleaned["timezone_name"], cleaned["agenda_md"]
    )  # fmt: skip
    if not isinstance(first_date, date) or not isinstance(local_time, time):
        raise DomainError("A series needs a first date and a local start time.")
    if until and until < first_date:
        raise DomainError("The series ends before its first meeting.")
    moved_from = None
    if not keep_early_dates:
        probe = MeetingSeries(
            frequency=frequency, first_date=first_date, local_time=local_time, timezone_name=timezone_name, until=until
        )
        horizon = until or first_date + relativedelta(years=1)
        day = first_publishable_day(series_dates(probe, horizon), lambda d: series_local_start(probe, d))
        if day is None:
            raise DomainError(
                "None of this series' dates can still be published on time (a meeting is published at least "
                f"{publish_ahead().days} days ahead). Choose a later last date, or ask a core maintainer."
            )
        if day != first_date:
            moved_from, first_date = first_date, day
    with transaction.atomic():
        series = MeetingSeries.objects.create(
            group=group,
            title=title.strip(),
            frequency=frequency,
            first_date=first_date,
            local_time=local_time,
            timezone_name=timezone_name,
            duration=duration,
            join_url=join_url.strip(),
            agenda_md=agenda_md,
            until=until,
            auto_publish=auto_publish,
            created_by=by,
        )
        data = {"frequency": frequency}
        if moved_from:
            data["moved_from"] = moved_from.isoformat()
        record(actor=by, verb="meeting.series_created", target=series, group=group, data=data)
        transaction.on_commit(lambda: _announce_created(series.pk))
    series.moved_from = moved_from
    return series


def _announce_created(series_id):
    """After commit: `series_created` goes out; meetings.tasks answers by generating the meetings."""
    for receiver, result in series_created.send_robust(sender=MeetingSeries, series_id=series_id):
        if isinstance(result, Exception):  # broker down: the hourly generate_series run catches up
            log.warning("Could not enqueue series generation for %s (%s)", series_id, receiver, exc_info=result)


def series_generate(*, series_id, now=None) -> list[Meeting]:
    """Create the series' meetings starting within the rolling window (settings SERIES_WINDOW).

    M2 for generated meetings: a meeting that starts at least MEETING_PUBLISH_AHEAD after the moment
    it is generated is created published when the series has `auto_publish` (the lead published the
    series, so publication happens at generation, in time); any other is created as a draft that the
    lead must publish like any other meeting, and which the publication sweep flags if they do not.
    Idempotent: one meeting per (series, local date), under a lock on the series row.
    """
    now = now or timezone.now()
    window_end = now + settings.GOVERNANCE["SERIES_WINDOW"]
    created = []
    with transaction.atomic():
        series = MeetingSeries.objects.select_for_update().select_related("group").get(pk=series_id)
        if series.ended_at or series.group.state == Group.State.RETIRED:
            return []
        existing = set(series.meetings.values_list("occurrence_date", flat=True))
        last_local = window_end.astimezone(series.zone).date()
        for day in series_dates(series, last_local):
            if day in existing:
                continue
            starts_at = series_local_start(series, day)
            if starts_at <= now or starts_at > window_end:
                continue
            # M1/M2: published at generation only with an agenda and the publication lead time
            publish = (
                series.auto_publish and bool(series.agenda_md.strip()) and starts_at >= earliest_publishable_start(now)
            )
            meeting = Meeting.objects.create(
                group=series.group,
                series=series,
                occurrence_date=day,
                title=series.title,
                starts_at=starts_at,
                timezone_name=series.timezone_name,
                duration=series.duration,
                join_url=series.join_url,
                agenda_md=series.agenda_md,
                agenda_html=render_section(series.agenda_md),
                created_by=series.created_by,
                created_at=now,
                updated_at=now,
                status=Meeting.Status.PUBLISHED if publish else Meeting.Status.DRAFT,
                published_at=now if publish else None,
                published_by=series.created_by if publish else None,
                sequence=1 if publish else 0,
            )
            record(actor=None, verb="meeting.scheduled", target=meeting, data={"series": series.pk}, at=now)
            if publish:
                record(
                    actor=None,
                    verb="meeting.published",
                    target=meeting,
                    data={
                        "series": series.pk,
                        "late": False,
                        "ahead_hours": round((starts_at - now).total_seconds() / 3600, 1),
                    },
                    at=now,
                )
            created.append(meeting)
        series.generated_until = window_end
        series.next_start_at = next_start_after(series, window_end)
        series.save(update_fields=["generated_until", "next_start_at"])
    return created


def next_start_after(series, moment: datetime) -> datetime | None:
    """The start (UTC) of the series' first occurrence after `moment`, or None when its last date
    has passed: the hourly sweep looks at a series again only once that start enters the window."""
    horizon = moment.astimezone(series.zone).date() + relativedelta(months=3)  # >= 2 occurrences of any frequency
    for day in series_dates(series, horizon):
        starts_at = series_local_start(series, day)
        if starts_at > moment:
            return starts_at
    return None


def series_due(now):
    """Series whose next occurrence has entered the rolling window (or never generated): what the
    hourly `generate_series` sweep handles; one query, whatever the number of series."""
    from django.db.models import Q

    horizon = now + settings.GOVERNANCE["SERIES_WINDOW"]
    return (
        MeetingSeries.objects.filter(ended_at=None)
        .exclude(group__state=Group.State.RETIRED)
        .filter(Q(generated_until=None) | Q(next_start_at__lte=horizon))
    )


def series_end(*, series, by, cancel_published: bool = False, reason: str = "") -> dict:
    """End a series (M7): no more meetings are generated. Its future drafts and missed publications
    are cancelled (nobody relies on them, and they would only draw publication reminders); its future
    published meetings are kept unless the lead cancels them too, with a reason shown to everyone
    (they stay in calendars as cancelled, M6). Returns how many meetings were cancelled and kept."""
    require("meetings.manage_meeting", by, series.group, "Only the group's leads and core maintainers end a series.")
    from groups.guards import ensure_group_writable

    ensure_group_writable(series.group_id)
    reason = (reason or "").strip()
    if cancel_published and not reason:
        raise DomainError("Say why the published meetings are cancelled; the reason is shown on each of them.")
    with transaction.atomic():
        series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
        if series.ended_at:
            raise DomainError("This series has already ended.")
        now = timezone.now()
        series.ended_at = now
        series.save(update_fields=["ended_at"])
        future = (
            series.meetings.filter(starts_at__gt=now).exclude(status=Meeting.Status.CANCELLED).order_by("starts_at")
        )
        cancelled = kept = 0
        for meeting in future:
            if meeting.status == Meeting.Status.PUBLISHED and not cancel_published:
                kept += 1
                continue
            why = reason if meeting.status == Meeting.Status.PUBLISHED else f"The series “{series.title}” ended."
            meeting_cancel(meeting=meeting, by=by, reason=why or f"The series “{series.title}” ended.")
            cancelled += 1
        record(
            actor=by,
            verb="meeting.series_ended",
            target=series,
            group=series.group,
            data={"cancelled": cancelled, "kept": kept, "reason": reason},
        )
    return {"cancelled": cancelled, "kept": kept}
