"""Every decision and report deadline (D1, D4, D5, G8), computed in one place from settings.GOVERNANCE.

Times are UTC. Business days skip Saturdays and Sundays (no holiday calendar: the community spans
every country, so none would be right for everyone).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from django.conf import settings
from django.utils import timezone


def G(key):
    return settings.GOVERNANCE[key]


def ratio(key) -> Fraction:
    """A share from settings as an exact fraction (2/3 stays 2/3, not 0.666...)."""
    return Fraction(G(key)).limit_denominator(100)


# --- D1: lazy consensus -----------------------------------------------------------------------


def minimum_notice(kind: str) -> timedelta:
    """D1: at least 5 days for minor items, 10 days for significant items and scope changes."""
    return G("LAZY_CONSENSUS_MINOR") if kind == "minor" else G("LAZY_CONSENSUS_SIGNIFICANT")


def earliest_deadline(kind: str, now=None) -> datetime:
    return (now or timezone.now()) + minimum_notice(kind)


# --- D4: formal votes ---------------------------------------------------------------------------


def vote_closes_at(opened_at: datetime) -> datetime:
    return opened_at + G("VOTE_DURATION")


def quorum_needed(eligible: int) -> int:
    """D4: the smallest number of ballots that is at least 50% of the eligible voters."""
    q = ratio("VOTE_QUORUM")
    needed = -(-eligible * q.numerator // q.denominator)  # ceil
    return max(needed, 1)


# --- D5: escalations ------------------------------------------------------------------------------


def add_business_days(start: datetime, days: int) -> datetime:
    """`start` moved forward by `days` working days (Mon-Fri, in UTC), keeping the time of day."""
    moment = start.astimezone(UTC)
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def escalation_first_response_due(opened_at: datetime) -> datetime:
    return add_business_days(opened_at, G("ESCALATION_FIRST_RESPONSE_BUSINESS_DAYS"))


# --- G8: quarterly reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    """The three months ending with a report month (January, April, July, October)."""

    end: date  # the last day of the quarter

    @property
    def start(self) -> date:
        month, year = self.end.month - 2, self.end.year
        if month < 1:
            month, year = month + 12, year - 1
        return date(year, month, 1)

    @property
    def starts_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, 1, tzinfo=UTC)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the quarter (exclusive end of its data)."""
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)

    @property
    def due_at(self) -> datetime:
        """G8: due at the end of the quarter's last month."""
        return self.ends_at

    @property
    def reminder_at(self) -> datetime:
        return self.due_at - G("QUARTERLY_REPORT_REMINDER_BEFORE")

    @property
    def label(self) -> str:
        return f"{self.start:%b %Y} – {self.end:%b %Y}"

    @property
    def slug(self) -> str:
        return f"{self.end:%Y-%m}"

    def previous(self) -> "Quarter":
        return quarter_ending_before(self.starts_at)

    def next(self) -> "Quarter":
        return quarter_containing(self.ends_at)


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def quarter_containing(moment: datetime) -> Quarter:
    """The report quarter that `moment` (UTC) falls in."""
    moment = moment.astimezone(UTC)
    months = sorted(G("QUARTERLY_REPORT_MONTHS"))
    year, month = moment.year, moment.month
    for _ in range(13):
        if month in months:
            return Quarter(end=_month_end(year, month))
        month += 1
        if month > 12:
            month, year = 1, year + 1
    raise ValueError("QUARTERLY_REPORT_MONTHS must name at least one month")


def quarter_ending_before(moment: datetime) -> Quarter:
    """The last quarter that ended at or before `moment`."""
    current = quarter_containing(moment)
    return quarter_containing(current.starts_at - timedelta(seconds=1))


def quarter_from_slug(slug: str) -> Quarter | None:
    """`2026-10` -> the quarter ending October 2026; None for anything else."""
    try:
        year, month = (int(part) for part in slug.split("-"))
        if month not in G("QUARTERLY_REPORT_MONTHS") or not 2000 <= year <= 2200:
            return None
    except (ValueError, TypeError):
        return None
    return Quarter(end=_month_end(year, month))


def last_quarters(n: int, now=None) -> list[Quarter]:
    """The current quarter and the n-1 before it, oldest first."""
    q = quarter_containing(now or timezone.now())
    out = [q]
    for _ in range(n - 1):
        q = q.previous()
        out.append(q)
    return out[::-1]
