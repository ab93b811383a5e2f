"""Demo meetings for `seed_demo` (runs after the groups demo).

Past meetings with notes (some late, one overdue) and attendance, upcoming published meetings with
agenda items, one draft, and a weekly series. History is written as rows with their real past
timestamps (the services refuse to act in the past, as they should); upcoming ones go through the
services like a lead would.
"""

from datetime import time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from groups.models import Group, Membership, Participation, Tier
from portal.events import record

from . import series as meeting_series
from . import services
from .models import Attendance, Meeting, MeetingSeries, render_section

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"]
AGENDA = """1. Welcome and notes taker
2. Review of open proposals
3. Implementation status across SDKs
4. Any other business
"""
NOTES = """- Reviewed the open proposals; two move to review next week.
- SDK status: TypeScript done, Python in progress.

# Action items
- Draft the error-handling section (owner: the lead)
"""


def _ensure_groups(people, stdout):
    groups = list(Group.objects.filter(state=Group.State.ACTIVE).order_by("pk")[:3])
    if groups:
        return groups
    now = timezone.now()
    specs = [
        ("Transports WG", "transports-wg", Group.Kind.WORKING, "sam", ["ana", "omar", "mei", "tom"]),
        ("Agents IG", "agents-ig", Group.Kind.INTEREST, "yuki", ["ingrid", "diego", "grace", "noah"]),
    ]
    for name, slug, kind, lead, others in specs:
        group, _ = Group.objects.get_or_create(
            slug=slug,
            defaults=dict(name=name, kind=kind, state=Group.State.ACTIVE, activated_at=now - timedelta(days=200)),
        )
        started = now - timedelta(days=180)
        Membership.objects.get_or_create(
            group=group, user=people[lead], defaults={"tier": Tier.LEAD, "started_at": started}
        )
        for username in others:
            Membership.objects.get_or_create(
                group=group, user=people[username], defaults={"tier": Tier.PARTICIPANT, "started_at": started}
            )
        groups.append(group)
    if stdout:
        stdout.write(f"Meetings demo: created {len(specs)} groups to hold meetings.")
    return groups


def _lead_of(group, people):
    m = Membership.objects.leads().filter(group=group).select_related("user").first()
    return m.user if m else people["marco"]  # a core maintainer may act for a group without a lead


def _past_meeting(group, lead, people_in_group, starts_at, zone, *, notes_after, late_publish=False, overdue=False):
    now = timezone.now()
    published_at = starts_at - (timedelta(days=3) if late_publish else timedelta(days=9))
    m = Meeting.objects.create(
        group=group,
        title=f"{group.name} sync",
        starts_at=starts_at,
        timezone_name=zone,
        duration=timedelta(hours=1),
        join_url="https://meet.example.org/" + group.slug,
        agenda_md=AGENDA,
        agenda_html=render_section(AGENDA),
        status=Meeting.Status.PUBLISHED,
        created_by=lead,
        created_at=published_at - timedelta(days=1),
        updated_at=published_at,
        published_at=published_at,
        published_by=lead,
        sequence=1,
        late_publication_reason="Rescheduled around a security release." if late_publish else "",
        late_published_by=lead if late_publish else None,
    )
    record(actor=lead, verb="meeting.published", target=m, data={"late": late_publish}, at=published_at)
    if overdue:
        m.notes_overdue_at = m.notes_due_at
        m.save(update_fields=["notes_overdue_at"])
        record(actor=None, verb="meeting.notes_overdue", target=m, at=m.notes_due_at)
        return m
    published_notes = m.ends_at + notes_after
    if published_notes > now:
        return m
    m.notes_md, m.notes_html = NOTES, render_section(NOTES)
    m.notes_published_at, m.notes_published_by = published_notes, lead
    m.notes_late = published_notes > m.notes_due_at
    m.save(update_fields=["notes_md", "notes_html", "notes_published_at", "notes_published_by", "notes_late"])
    record(actor=lead, verb="meeting.notes_published", target=m, data={"late": m.notes_late}, at=published_notes)
    ct = ContentType.objects.get_for_model(Meeting)
    for user in people_in_group:
        Attendance.objects.get_or_create(meeting=m, user=user, defaults={"recorded_by": lead})
        Participation.objects.get_or_create(
            group=group,
            user=user,
            kind=Participation.Kind.ATTENDANCE,
            source_type=ct,
            source_id=str(m.pk),
            defaults={"occurred_at": m.starts_at},
        )
    return m


def seed(people, stdout=None):
    if Meeting.objects.exists():
        return
    now = timezone.now()
    groups = _ensure_groups(people, stdout)
    count = 0
    for gi, group in enumerate(groups):
        lead = _lead_of(group, people)
        zone = ZONES[gi % len(ZONES)]
        members = [m.user for m in Membership.objects.current().filter(group=group).select_related("user")[:6]] or [
            lead
        ]
        # six past meetings, weekly; one with late notes, one published late, the latest with overdue notes
        for week in range(6, 0, -1):
            starts = (now - timedelta(weeks=week, days=gi)).replace(minute=0, second=0, microsecond=0, hour=15)
            _past_meeting(
                group,
                lead,
                members[: 3 + week % 3],
                starts,
                zone,
                notes_after=timedelta(hours=60 if week == 3 else 6 + 4 * week),
                late_publish=(week == 4 and gi == 0),
            )
            count += 1
        _past_meeting(
            group, lead, members, (now - timedelta(days=4)).replace(minute=0, second=0, microsecond=0, hour=16), zone,
            notes_after=timedelta(0), overdue=True,
        )  # fmt: skip
        count += 1
        # upcoming: two published (with agenda items), one draft
        for days, publish in ((9 + gi, True), (16 + gi, True), (12 + gi, False)):
            starts = (now + timedelta(days=days)).replace(minute=0, second=0, microsecond=0, hour=16)
            m = services.meeting_schedule(
                group=group,
                by=lead,
                title=f"{group.name} {'planning' if publish else 'working session'}",
                starts_at=starts,
                timezone_name=zone,
                duration=timedelta(minutes=50),
                join_url="https://meet.example.org/" + group.slug,
                agenda_md=AGENDA,
            )
            count += 1
            if publish:
                services.meeting_publish(meeting=m, by=lead)
                proposer = next((u for u in members if u != lead), None)
                if (
                    proposer
                    and Membership.objects.active()
                    .filter(group=group, user=proposer)
                    .exclude(tier=Tier.OBSERVER)
                    .exists()
                ):
                    item = services.agenda_item_propose(
                        meeting=m, by=proposer, title="Error codes for streaming transports"
                    )
                    services.agenda_item_decide(item=item, by=lead, accept=True)
                    services.agenda_item_propose(meeting=m, by=proposer, title="Naming of the capability flag")
        if gi == 0:
            today = timezone.localdate(now, timezone=__import__("zoneinfo").ZoneInfo(zone))
            first = today + timedelta(days=(3 - today.weekday()) % 7 or 7)  # next Thursday
            series = meeting_series.series_create(
                group=group,
                by=lead,
                title=f"{group.name} weekly",
                frequency=MeetingSeries.Frequency.WEEKLY,
                first_date=first,
                local_time=time(17, 0),
                timezone_name=zone,
                duration=timedelta(hours=1),
                join_url="https://meet.example.org/" + group.slug + "-weekly",
                agenda_md=AGENDA,
            )
            count += len(meeting_series.series_generate(series_id=series.pk))
    if stdout:
        stdout.write(f"Meetings demo: {count} meetings in {len(groups)} groups, with a weekly series.")
