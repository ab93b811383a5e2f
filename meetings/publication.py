"""Telling a lead, at scheduling time, when a meeting can no longer be published on time (M2).

The publication sweep flags a draft whose cutoff has passed as "missed publication" and mails the
leads. Scheduling such a draft without a word set the lead up for that; these helpers say it when
it is scheduled, and move a new series' first date to its first publishable date.
"""

from datetime import date, datetime

from django.utils import timezone

from portal.notices import Moment

from .models import earliest_publishable_start, publish_ahead


def publication_warning(meeting, now: datetime | None = None) -> str | None:
    """None while a lead can still publish `meeting` on time; otherwise what to do about it."""
    from .models import Meeting

    now = now or timezone.now()
    if meeting.status != Meeting.Status.DRAFT or meeting.starts_at <= now or now < meeting.publication_cutoff:
        return None
    return (
        f"Its publication deadline has already passed: a meeting must be published at least "
        f"{publish_ahead().days} days before it starts, so a lead can no longer publish this one. "
        f"Move it to {Moment(earliest_publishable_start(now))} or later, "
        "or ask a core maintainer to publish it late with a written reason."
    )


def first_publishable_day(dates, local_start, now: datetime | None = None) -> date | None:
    """The first of `dates` (local dates, in order) whose start can still be published on time."""
    earliest = earliest_publishable_start(now or timezone.now())
    for day in dates:
        if local_start(day) >= earliest:
            return day
    return None
