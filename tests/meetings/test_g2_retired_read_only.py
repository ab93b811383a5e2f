"""Issue 8, kind 1: a retired group is read-only on every path (G2, G7).

`WRITERS` lists every service that writes to a group or to something belonging to it (memberships,
nominations, charters, sponsorships, meetings, agenda items, notes, attendance, series), and `SWEEPS`
every periodic step that would act on one. The group is retired under them (the state column only, so
its open things stay open and only the guard stands in the way); each writer must refuse with the
retired message and change nothing, each sweep step must do nothing. The admin's change forms of a
retired group are read-only; retirement itself closes what was still open (meetings, series).
"""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from groups import services as gs
from groups.guards import retired_message
from groups.models import CharterVersion, Group, Membership, Nomination, Participation, Sponsorship, Tier
from meetings import series as mseries
from meetings import services as ms
from meetings import sweeps as msweeps
from meetings.models import AgendaItem, Attendance, Meeting, MeetingSeries
from portal.errors import DomainError
from portal.models import Event, LadderRole
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.groups.factories import CharterVersionFactory, NominationFactory, SponsorshipFactory
from tests.meetings.factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


class World:
    pass


@pytest.fixture
def w(db):
    w = World()
    now = timezone.now()
    w.group = GroupFactory(name="Soon Retired WG", slug="soon-retired", activated_at=now - 400 * DAY)
    w.core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, is_staff=True)
    w.lead = UserFactory(ladder_role=LadderRole.MEMBER)
    w.member = UserFactory(ladder_role=LadderRole.MEMBER)
    w.participant = UserFactory()
    w.outsider = UserFactory()
    w.emeritus_user = UserFactory()
    w.idle_user = UserFactory()
    MembershipFactory(group=w.group, user=w.lead, tier=Tier.LEAD, started_at=now - 300 * DAY)
    w.member_row = MembershipFactory(group=w.group, user=w.member, tier=Tier.MEMBER, started_at=now - 300 * DAY)
    MembershipFactory(group=w.group, user=w.participant, tier=Tier.PARTICIPANT, started_at=now - 200 * DAY)
    w.emeritus = MembershipFactory(
        group=w.group, user=w.emeritus_user, tier=Tier.MEMBER, status=Membership.Status.EMERITUS
    )
    w.idle = MembershipFactory(group=w.group, user=w.idle_user, tier=Tier.MEMBER, started_at=now - 300 * DAY)
    Participation.objects.create(group=w.group, user=w.participant, kind="other", occurred_at=now - 10 * DAY)
    w.sponsorship = SponsorshipFactory(group=w.group)
    w.nomination = NominationFactory(group=w.group, nominee=w.participant, nominator=w.member)
    w.due_nomination = NominationFactory(
        group=w.group, nominee=UserFactory(), nominator=w.member, opened_at=now - 8 * DAY
    )
    w.charter = CharterVersionFactory(group=w.group, number=1)
    w.draft_charter = CharterVersionFactory(group=w.group, number=2, status=CharterVersion.Status.DRAFT)
    w.upcoming = MeetingFactory(group=w.group, starts_at=now + 20 * DAY)
    w.draft = MeetingFactory(group=w.group, status=Meeting.Status.DRAFT, starts_at=now + 20 * DAY)
    w.soon_draft = MeetingFactory(group=w.group, status=Meeting.Status.DRAFT, starts_at=now + 2 * DAY)
    w.reminder_draft = MeetingFactory(group=w.group, status=Meeting.Status.DRAFT, starts_at=now + 8 * DAY)
    w.past = MeetingFactory(group=w.group, starts_at=now - 3 * DAY)
    w.notes_due = MeetingFactory(group=w.group, starts_at=now - 30 * 3600 * timedelta(seconds=1))
    w.item = AgendaItemFactory(meeting=w.upcoming, proposed_by=w.participant)
    w.series = MeetingSeries.objects.create(
        group=w.group, title="Weekly", frequency="weekly", first_date=date.today() + 10 * DAY,
        local_time=time(16, 0), timezone_name="UTC", join_url="https://meet.example.test/w", agenda_md="1. Items",
    )  # fmt: skip
    Group.objects.filter(pk=w.group.pk).update(state=Group.State.RETIRED, retired_at=now)
    w.group.refresh_from_db()
    return w


def _meeting_fields():
    return dict(
        title="New sync",
        starts_at=timezone.now() + 20 * DAY,
        timezone_name="UTC",
        duration=timedelta(hours=1),
        join_url="https://meet.example.test/new",
        agenda_md="1. Items",
    )


# Every service that writes to a group or to something belonging to it.
WRITERS = {
    # groups: memberships and tiers (T2, T4)
    "membership_join": lambda w: gs.membership_join(group=w.group, user=w.outsider, tier=Tier.PARTICIPANT),
    "membership_leave": lambda w: gs.membership_leave(group=w.group, user=w.participant),
    "membership_set_tier": lambda w: gs.membership_set_tier(
        group=w.group, user=w.outsider, tier=Tier.MEMBER, by=w.core
    ),
    "membership_end": lambda w: gs.membership_end(membership=w.member_row, by=w.core),
    "membership_restore": lambda w: gs.membership_restore(membership=w.emeritus, by=w.lead),
    # nominations (T3)
    "nomination_open": lambda w: gs.nomination_open(
        group=w.group, nominee=w.participant, by=w.lead, rationale="Great.", override_reason="Known well."
    ),
    "nomination_object": lambda w: gs.nomination_object(nomination=w.nomination, by=w.core, reason="Not yet."),
    "nomination_withdraw": lambda w: gs.nomination_withdraw(nomination=w.nomination, by=w.member),
    # charters and amendments (G5, G6)
    "charter_start_amendment": lambda w: gs.charter_start_amendment(group=w.group, by=w.core),
    "charter_edit_section": lambda w: gs.charter_edit_section(
        version=w.draft_charter, by=w.core, key="mission", text="Changed."
    ),
    "charter_edit_sections": lambda w: gs.charter_edit_sections(
        version=w.draft_charter, by=w.core, texts={"mission": "Changed.", "scope_in": "More."}
    ),
    "charter_submit": lambda w: gs.charter_submit(version=w.draft_charter, by=w.core),
    "charter_decide": lambda w: gs.charter_decide(version=w.draft_charter, by=w.core, approve=True, rationale="Ok."),
    # formation and retirement (G3, G7)
    "sponsorship_record": lambda w: gs.sponsorship_record(group=w.group, sponsor=w.core, by=w.core),
    "sponsorship_withdraw": lambda w: gs.sponsorship_withdraw(sponsorship=w.sponsorship, by=w.core),
    "retirement_propose": lambda w: gs.retirement_propose(group=w.group, by=w.core, rationale="Again."),
    # meetings (M1-M7)
    "meeting_schedule": lambda w: ms.meeting_schedule(group=w.group, by=w.lead, **_meeting_fields()),
    "meeting_publish": lambda w: ms.meeting_publish(meeting=w.draft, by=w.lead),
    "meeting_edit": lambda w: ms.meeting_edit(meeting=w.upcoming, by=w.lead, title="Renamed"),
    "meeting_cancel": lambda w: ms.meeting_cancel(meeting=w.upcoming, by=w.lead, reason="No."),
    "meeting_publish_notes": lambda w: ms.meeting_publish_notes(meeting=w.past, by=w.lead, notes_md="We met."),
    "meeting_set_attendance": lambda w: ms.meeting_set_attendance(meeting=w.past, by=w.lead, users=[w.member]),
    "agenda_item_propose": lambda w: ms.agenda_item_propose(meeting=w.upcoming, by=w.participant, title="Topic"),
    "agenda_item_decide": lambda w: ms.agenda_item_decide(item=w.item, by=w.lead, accept=True),
    "series_create": lambda w: mseries.series_create(
        group=w.group,
        by=w.lead,
        title="Another",
        frequency="weekly",
        first_date=date.today() + 10 * DAY,
        local_time=time(15, 0),
        timezone_name="UTC",
        duration=timedelta(hours=1),
        join_url="https://meet.example.test/s",
        agenda_md="1. Items",
    ),  # fmt: skip
    "series_end": lambda w: mseries.series_end(series=w.series, by=w.lead),
}

# Every periodic step that would act on a group's things; on a retired group each does nothing.
SWEEPS = {
    "nomination_close": lambda w: gs.nomination_close(nomination_id=w.due_nomination.pk),
    "membership_mark_emeritus": lambda w: gs.membership_mark_emeritus(membership_id=w.idle.pk),
    "series_generate": lambda w: mseries.series_generate(series_id=w.series.pk),
    "meeting_mark_missed_publication": lambda w: msweeps.meeting_mark_missed_publication(
        meeting_id=w.soon_draft.pk, now=timezone.now()
    ),
    "meeting_send_publication_reminder": lambda w: msweeps.meeting_send_publication_reminder(
        meeting_id=w.reminder_draft.pk, now=timezone.now()
    ),
    "meeting_send_notes_reminder": lambda w: msweeps.meeting_send_notes_reminder(
        meeting_id=w.notes_due.pk, now=timezone.now()
    ),
    "meeting_mark_notes_overdue": lambda w: msweeps.meeting_mark_notes_overdue(
        meeting_id=w.past.pk, now=timezone.now() + 3 * DAY
    ),
}


def snapshot():
    """Everything a writer could change, as plain values."""
    return {
        "events": Event.objects.count(),
        "memberships": sorted(Membership.objects.values_list("pk", "tier", "status", "ended_at")),
        "nominations": sorted(Nomination.objects.values_list("pk", "status")),
        "charters": sorted(CharterVersion.objects.values_list("pk", "status", "sections")),
        "sponsorships": sorted(Sponsorship.objects.values_list("pk", flat=True)),
        "meetings": sorted(
            Meeting.objects.values_list(
                "pk", "status", "title", "notes_md", "notes_overdue_at", "publication_reminded_at", "notes_reminded_at"
            )
        ),
        "items": sorted(AgendaItem.objects.values_list("pk", "status")),
        "attendance": Attendance.objects.count(),
        "series": sorted(MeetingSeries.objects.values_list("pk", "ended_at", "generated_until")),
        "group": Group.objects.values_list("state", "version", "name").get(pk=Group.objects.first().pk),
    }


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_g2_every_writer_refuses_a_retired_group_and_changes_nothing(w, writer):
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        WRITERS[writer](w)
    assert refused.value.message.startswith(retired_message(w.group.name))
    assert snapshot() == before


@pytest.mark.parametrize("sweep", sorted(SWEEPS))
def test_g2_every_sweep_step_leaves_a_retired_group_alone(w, sweep):
    before = snapshot()
    assert not SWEEPS[sweep](w)
    assert snapshot() == before


def test_g2_the_writers_list_covers_every_public_service():
    """A new service that writes must be added to WRITERS or SWEEPS (or to READERS, saying why)."""
    import inspect

    from groups import services as groups_services
    from meetings import series as meetings_series
    from meetings import services as meetings_services
    from meetings import sweeps as meetings_sweeps

    READERS = {  # noqa: N806 - functions that read, decide nothing, or act on a not-yet-active group
        "article", "G", "current_tier", "participation_check", "current_charter", "mission_summary",
        "decision_problem", "sponsorship_problem", "lead_problem", "activation_problem", "leads_of",
        "format_moment", "publication_refusal", "resolve_github_handles", "series_dates", "series_local_start",
        "lead_recipients", "next_start_after", "series_due",
        "group_activate",  # a retired group is not proposed: refused by its own state check
        "retirement_decide",  # a retired group has no open proposal to decide
    }  # fmt: skip
    public = set()
    for module in (groups_services, meetings_services, meetings_series, meetings_sweeps):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and fn.__module__.startswith(
                ("groups.services", "meetings.services", "meetings.series", "meetings.sweeps")
            ):
                public.add(name)
    public -= {n for n in public if n.startswith(("ensure_", "clean_", "group_is_", "retired_"))}
    missing = public - set(WRITERS) - set(SWEEPS) - READERS
    assert not missing, f"services not walked by the retired-group test: {sorted(missing)}"


# --- the admin: a retired group's change forms are read-only --------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        lambda w: f"/admin/groups/group/{w.group.pk}/change/",
        lambda w: f"/admin/groups/sponsorship/{w.sponsorship.pk}/change/",
        lambda w: f"/admin/meetings/meetingseries/{w.series.pk}/change/",
    ],
    ids=["group", "sponsorship", "series"],
)
def test_g2_admin_change_forms_of_a_retired_group_are_read_only(w, client_for, url):
    c = client_for(w.core)
    page = c.get(url(w))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    before = snapshot()
    c.post(url(w), {"name": "Renamed", "title": "Renamed", "note": "x"})
    assert snapshot() == before


def test_g2_admin_cannot_add_a_sponsorship_to_a_retired_group(w, client_for):
    c = client_for(w.core)
    before = snapshot()
    r = c.post("/admin/groups/sponsorship/add/", {"group": w.group.pk, "sponsor": w.core.pk, "note": ""})
    assert r.status_code == 200  # the form shows the error
    assert snapshot() == before


# --- retirement closes what was still open --------------------------------------------------------


@pytest.fixture
def retiring(db):
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    group = GroupFactory()
    now = timezone.now()
    meetings = {
        "published": MeetingFactory(group=group, starts_at=now + 20 * DAY),
        "draft": MeetingFactory(group=group, status=Meeting.Status.DRAFT, starts_at=now + 20 * DAY),
        "missed": MeetingFactory(
            group=group, status=Meeting.Status.MISSED_PUBLICATION, starts_at=now + 3 * DAY, published_at=None
        ),
        "past": MeetingFactory(group=group, starts_at=now - 3 * DAY),
    }
    series = MeetingSeries.objects.create(
        group=group, title="Weekly", frequency="weekly", first_date=date.today() + 10 * DAY,
        local_time=time(16, 0), timezone_name="UTC", join_url="https://meet.example.test/w", agenda_md="1. Items",
    )  # fmt: skip
    proposal = gs.retirement_propose(group=group, by=core, rationale="Work finished.")
    gs.retirement_decide(proposal=proposal, by=core, approve=True, rationale="Agreed.")
    return meetings, series


def test_g2_retirement_cancels_the_groups_future_meetings_with_a_reason(retiring):
    meetings, _ = retiring
    for key in ("published", "draft", "missed"):
        meetings[key].refresh_from_db()
        assert meetings[key].status == Meeting.Status.CANCELLED, key
        assert "retired" in meetings[key].cancelled_reason
    meetings["past"].refresh_from_db()
    assert meetings["past"].status == Meeting.Status.PUBLISHED  # history stays as it was


def test_g2_retirement_ends_the_groups_series(retiring):
    _, series = retiring
    series.refresh_from_db()
    assert series.ended_at is not None


def test_g2_retired_groups_future_meetings_are_not_valid(retiring):
    meetings, _ = retiring
    upcoming = Meeting.objects.upcoming().filter(group=meetings["published"].group)
    assert [m.status for m in upcoming] == [Meeting.Status.CANCELLED]


def test_g2_m6_a_group_retired_before_retirement_cancelled_meetings_shows_none_as_confirmed(db, client):
    """Groups retired before retirement closed their meetings: the calendar still never confirms one."""
    import vobject

    meeting = MeetingFactory(starts_at=timezone.now() + 20 * DAY)
    Group.objects.filter(pk=meeting.group_id).update(state=Group.State.RETIRED, retired_at=timezone.now())
    body = client.get(f"/groups/{meeting.group.slug}/meetings.ics").content.decode()
    events = list(vobject.readOne(body).vevent_list)
    assert [e.status.value for e in events] == ["CANCELLED"]
