"""A small community with public facts and private ones, for the API, MCP and privacy tests.

`SECRETS` are strings that must never appear in anything the API or the MCP server returns:
emails, calendar tokens, typed-in (unverified) GitHub handles, drafts and their texts.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from groups.models import CharterVersion, Membership, Tier
from meetings.models import AgendaItem, Attendance, Meeting
from portal.models import Event, LadderRole
from seps.models import SEPType, Status
from tests.factories import GroupFactory, MembershipFactory, UnverifiedUserFactory, UserFactory
from tests.groups.factories import CharterVersionFactory
from tests.meetings.factories import AgendaItemFactory, MeetingFactory
from tests.seps.factories import SEPAuthorFactory, SEPFactory


def verify_github(user):
    """Factory people are verified (GitHub sign-in): their handle is public."""
    assert user.github_verified
    return user


@dataclass
class World:
    group: object = None
    ig: object = None
    lead: object = None
    member: object = None
    meeting: object = None
    cancelled: object = None
    draft: object = None
    missed: object = None
    sep: object = None
    sponsor: object = None
    secrets: list = field(default_factory=list)


def build_world() -> World:
    now = timezone.now()
    w = World()
    w.group = GroupFactory(name="Transports Working Group", slug="transports", discord_channel="#transports")
    w.ig = GroupFactory(name="Finance Interest Group", slug="finance-ig", kind="ig")
    w.lead = verify_github(
        UserFactory(display_name="Lena Lead", github="lena-verified", affiliation="Northwind Labs", discord="lena#1")
    )
    w.member = UnverifiedUserFactory(
        display_name="Uma Unverified", github="uma-claimed-handle", affiliation="Open Harbor"
    )
    MembershipFactory(group=w.group, user=w.lead, tier=Tier.LEAD, term="2026-2027")
    MembershipFactory(group=w.group, user=w.member, tier=Tier.MEMBER)
    MembershipFactory(group=w.group, tier=Tier.OBSERVER)
    MembershipFactory(group=w.group, tier=Tier.PARTICIPANT, status=Membership.Status.EMERITUS)
    gone = MembershipFactory(group=w.group, tier=Tier.PARTICIPANT)
    gone.ended_at = timezone.now()
    gone.save()
    MembershipFactory(group=w.ig, user=w.lead, tier=Tier.LEAD)

    CharterVersionFactory(group=w.group, number=1, sections={"mission": "Old mission v1."})
    CharterVersionFactory(group=w.group, number=2, sections={"mission": "Move bytes <script>alert(1)</script> well."})
    CharterVersionFactory(
        group=w.group,
        number=3,
        status=CharterVersion.Status.DRAFT,
        decided_at=None,
        sections={"mission": "SECRET-DRAFT-CHARTER text."},
    )
    CharterVersionFactory(
        group=w.ig, number=1, status=CharterVersion.Status.REJECTED, sections={"mission": "SECRET-REJECTED-CHARTER."}
    )

    w.meeting = MeetingFactory(group=w.group, title="Transports sync", agenda_md="1. Resumption\n2. <b>Bold</b> ideas")
    AgendaItemFactory(meeting=w.meeting, title="Accepted topic", status=AgendaItem.Status.ACCEPTED)
    AgendaItemFactory(meeting=w.meeting, title="Proposed topic")
    AgendaItemFactory(meeting=w.meeting, title="SECRET-DECLINED-ITEM", status=AgendaItem.Status.DECLINED)
    past = MeetingFactory(group=w.group, title="Past sync", starts_at=now - timedelta(days=3))
    past.notes_md = "We decided things."
    from meetings.models import render_section

    past.notes_html = render_section(past.notes_md)
    past.notes_published_at = now - timedelta(days=2)
    past.save()
    Attendance.objects.create(meeting=past, user=w.lead)
    Attendance.objects.create(meeting=past, user=w.member)
    w.past = past
    unpublished_notes = MeetingFactory(group=w.group, title="Held sync", starts_at=now - timedelta(days=1))
    unpublished_notes.notes_md = "SECRET-NOTES-NOT-PUBLISHED"
    unpublished_notes.save()
    w.cancelled = MeetingFactory(
        group=w.group,
        title="Cancelled sync",
        status=Meeting.Status.CANCELLED,
        cancelled_reason="Holiday",
        join_url="https://meet.example.test/SECRET-CANCELLED-JOIN",
    )
    w.draft = MeetingFactory(group=w.group, title="SECRET-DRAFT-MEETING", status=Meeting.Status.DRAFT)
    w.missed = MeetingFactory(
        group=w.group, title="SECRET-MISSED-MEETING", status=Meeting.Status.MISSED_PUBLICATION, published_at=None
    )

    w.sponsor = verify_github(
        UserFactory(display_name="Sam Sponsor", github="sam-verified", ladder_role=LadderRole.MAINTAINER)
    )
    w.sep = SEPFactory(
        number=2133, title="Stream resumption", status=Status.IN_REVIEW, group=w.group, sponsor=w.sponsor
    )
    SEPAuthorFactory(sep=w.sep, name="Noah", github="noah-gh", email="SECRET-author@example.test")
    SEPFactory(number=2134, title="Unsponsored idea", type=SEPType.PROCESS, sponsor=w.member)
    Event.objects.create(
        verb="sep.status_changed",
        actor=w.sponsor,
        target_type_id=_ct(w.sep),
        target_id=str(w.sep.pk),
        data={"from": "draft", "to": "in-review", "reason": "Ready for review", "voters": ["SECRET-VOTER"]},
    )
    _decisions_and_reports(w, now)
    _maintainers(w, now)
    w.secrets = [
        "SECRET-DRAFT-CHARTER",
        "SECRET-REJECTED-CHARTER",
        "SECRET-DECLINED-ITEM",
        "SECRET-NOTES-NOT-PUBLISHED",
        "SECRET-CANCELLED-JOIN",
        "SECRET-DRAFT-MEETING",
        "SECRET-MISSED-MEETING",
        "SECRET-author@example.test",
        "SECRET-VOTER",
        "uma-claimed-handle",
        "@example.test",
        *[u.calendar_token for u in (w.lead, w.member, w.sponsor)],
        # decisions: who voted how, why, and who blocked stay out (counts only); draft reports too
        "SECRET-VOTER-NAME",
        "SECRET-BALLOT-RATIONALE",
        "SECRET-BLOCK-OBJECTION",
        "SECRET-BLOCK-ALTERNATIVE",
        "SECRET-DRAFT-REPORT",
        # maintainers: people whose account is inactive are not listed
        "SECRET-INACTIVE-MAINTAINER",
    ]
    return w


def _decisions_and_reports(w, now):
    """An open proposal blocked by a member, one accepted by a formal vote (a former member voted), one
    accepted by lazy consensus; a published report and a draft one."""
    from datetime import date

    from groups.models import Ballot, Block, Proposal, QuarterlyReport, Vote

    voter = UserFactory(display_name="Vic SECRET-VOTER-NAME", github="vic-voter")
    left = MembershipFactory(group=w.group, user=voter, tier=Tier.MEMBER, started_at=now - timedelta(days=200))
    w.open_proposal = Proposal.objects.create(
        group=w.group, title="Adopt the streaming profile", body="We adopt **it**.", body_html="<p>We adopt <strong>it</strong>.</p>",
        kind="minor", opened_by=w.lead, opened_at=now - timedelta(days=1), deadline=now + timedelta(days=5),
    )  # fmt: skip
    Block.objects.create(
        proposal=w.open_proposal,
        by=w.member,
        objection="SECRET-BLOCK-OBJECTION",
        alternative="SECRET-BLOCK-ALTERNATIVE",
    )
    w.voted = Proposal.objects.create(
        group=w.group, title="Change the scope", body="Scope text.", body_html="<p>Scope text.</p>", kind="scope",
        opened_by=w.lead, opened_at=now - timedelta(days=30), deadline=now - timedelta(days=20),
        status=Proposal.Status.ACCEPTED, decided_at=now - timedelta(days=10), decided_by=Proposal.DecidedBy.VOTE,
    )  # fmt: skip
    vote = Vote.objects.create(
        proposal=w.voted, trigger=Vote.Trigger.LEAD, opened_at=now - timedelta(days=17), closes_at=now - timedelta(days=10),
        status=Vote.Status.CLOSED, scope_change=True, eligible_count=3, quorum=2, closed_at=now - timedelta(days=10),
        outcome=Vote.Outcome.PASSED, yes=2, no=0, abstain=1,
    )  # fmt: skip
    Ballot.objects.create(vote=vote, voter=voter, choice="yes", rationale="SECRET-BALLOT-RATIONALE")
    Ballot.objects.create(vote=vote, voter=w.lead, choice="yes", rationale="SECRET-BALLOT-RATIONALE two")
    Ballot.objects.create(vote=vote, voter=w.member, choice="abstain", rationale="SECRET-BALLOT-RATIONALE three")
    left.ended_at = now - timedelta(days=5)
    left.save()
    Proposal.objects.create(
        group=w.group, title="Meet fortnightly", body="Every two weeks.", kind="minor", opened_by=w.lead,
        opened_at=now - timedelta(days=40), deadline=now - timedelta(days=34), status=Proposal.Status.ACCEPTED,
        decided_at=now - timedelta(days=34), decided_by=Proposal.DecidedBy.LAZY_CONSENSUS,
    )  # fmt: skip
    QuarterlyReport.objects.create(
        group=w.group, quarter_end=date(2026, 7, 31), due_at=now - timedelta(days=90), status="published",
        sections={"progress": "We shipped resumption."}, sections_html={"progress": "<p>We shipped resumption.</p>"},
        published_at=now - timedelta(days=95), published_by=w.lead,
    )  # fmt: skip
    QuarterlyReport.objects.create(
        group=w.group, quarter_end=date(2026, 10, 31), due_at=now + timedelta(days=20),
        sections={"progress": "SECRET-DRAFT-REPORT"}, sections_html={"progress": "<p>SECRET-DRAFT-REPORT</p>"},
    )  # fmt: skip


def _maintainers(w, now):
    """Roles as MAINTAINERS.md gives them: a core maintainer (verified), an SDK maintainer whose handle nobody
    verified, an ended role, and a role of a person whose account is inactive."""
    from portal.models import Role, RoleArea, RoleKind

    Role.objects.create(person=w.sponsor, kind=RoleKind.CORE_MAINTAINER, started_at=now - timedelta(days=400))
    Role.objects.create(
        person=w.sponsor, kind=RoleKind.MAINTAINER, area=RoleArea.SDK, scope="Go SDK",
        started_at=now - timedelta(days=700), ended_at=now - timedelta(days=400),
    )  # fmt: skip
    Role.objects.create(person=w.member, kind=RoleKind.MAINTAINER, area=RoleArea.SDK, scope="Java SDK")
    gone = UserFactory(display_name="SECRET-INACTIVE-MAINTAINER", is_active=False)
    Role.objects.create(person=gone, kind=RoleKind.LEAD_MAINTAINER)


def _ct(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk
