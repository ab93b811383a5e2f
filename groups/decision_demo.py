"""Demo decisions for `seed_demo` (called by groups.demo for the groups it just made): an open proposal,
one accepted by lazy consensus, an open vote, a vote without quorum escalated to a designee (with the
affiliation warning), and a published quarterly report."""

from datetime import timedelta

from django.utils import timezone

from portal.events import record
from portal.markdown import render_markdown

from .deadlines import escalation_first_response_due, quarter_ending_before
from .models import Ballot, EligibleVoter, Escalation, Proposal, ReportSection, Vote
from .selectors import quorum_members
from .services import decisions, escalations, reports


def _past_proposal(group, by, title, body, kind, opened_days_ago, **fields):
    opened = timezone.now() - timedelta(days=opened_days_ago)
    p = Proposal.objects.create(group=group, title=title, body=body, body_html=render_markdown(body), kind=kind,
                                opened_by=by, opened_at=opened, deadline=opened + timedelta(days=11), **fields)  # fmt: skip
    record(actor=by, verb="proposal.opened", target=p, data={"kind": kind}, at=opened)
    return p


def seed(people, groups, stdout=None):
    now = timezone.now()
    if "transports" in groups:
        g = groups["transports"]
        decisions.proposal_open(group=g, by=people["sam"], title="Make Streamable HTTP the default transport",
                                body="New SDK releases default to **Streamable HTTP**; stdio stays supported.",
                                kind="significant", deadline=now + timedelta(days=12))  # fmt: skip
        p = _past_proposal(g, people["ana"], "Name the session header Mcp-Session-Id",
                           "One spelling across SDKs.", "minor", 20)  # fmt: skip
        p.status, p.decided_at, p.decided_by = (
            Proposal.Status.ACCEPTED,
            p.opened_at + timedelta(days=11),
            "lazy_consensus",
        )
        p.save(update_fields=["status", "decided_at", "decided_by"])
        record(actor=None, verb="proposal.accepted", target=p, data={"by": "lazy_consensus"}, at=p.decided_at)
        quarter = quarter_ending_before(now)
        report = reports.report_open(group=g, quarter=quarter, by=people["sam"])
        texts = {
            ReportSection.PROGRESS: report.sections.get("progress", "") + "\n\nShipped the resumable streams draft.",
            ReportSection.BLOCKED: "Nothing blocked; no escalations.",
            ReportSection.MEMBERSHIP: report.sections.get("membership", "") or "No changes.",
            ReportSection.PRIORITIES: "- Session resumption\n- Load-balancer guidance",
            ReportSection.RESOURCES: "Reviewers from two more SDKs.",
        }
        report = reports.report_save(report=report, by=people["sam"], sections=texts)
        report = reports.report_publish(report=report, by=people["sam"])
        type(report).objects.filter(pk=report.pk).update(published_at=report.due_at - timedelta(days=3))
    if "server-identity" in groups:  # an open vote: Ingrid blocked, Yuki voted
        g = groups["server-identity"]
        p = decisions.proposal_open(group=g, by=people["yuki"], title="Require signed server metadata",
                                    body="Servers publish signed metadata before clients trust them.",
                                    kind="scope", deadline=now + timedelta(days=11))  # fmt: skip
        decisions.proposal_block(proposal=p, by=people["ingrid"], objection="Too strict for local servers.",
                                 alternative="Require signatures for remote servers only.")  # fmt: skip
        decisions.ballot_cast(vote=p.vote, by=people["yuki"], choice="yes", rationale="Trust needs signatures.")
    if "registry-tools" in groups:  # a vote without quorum, escalated and designated
        g = groups["registry-tools"]
        p = _past_proposal(g, people["diego"], "Drop unauthenticated publishing",
                           "Only verified publishers may list servers.", "significant", 16,
                           status=Proposal.Status.ESCALATED, decided_by="vote")  # fmt: skip
        opened = p.opened_at + timedelta(days=1)
        voters = [m.user for m in quorum_members(g)]
        vote = Vote.objects.create(proposal=p, trigger=Vote.Trigger.LEAD, opened_at=opened,
                                   closes_at=opened + timedelta(days=7), scope_change=False,
                                   eligible_count=len(voters), quorum=(len(voters) + 1) // 2,
                                   status=Vote.Status.CLOSED, outcome=Vote.Outcome.NO_QUORUM,
                                   closed_at=opened + timedelta(days=7), no=1)  # fmt: skip
        EligibleVoter.objects.bulk_create([EligibleVoter(vote=vote, user=u) for u in voters])
        Ballot.objects.create(vote=vote, voter=people["ana"], choice="no", rationale="Hobby servers would vanish.",
                              cast_at=opened + timedelta(days=2))  # fmt: skip
        p.decided_at = vote.closes_at
        p.save(update_fields=["decided_at"])
        record(actor=None, verb="vote.closed", target=p, at=vote.closed_at,
               data={"outcome": "no_quorum", "outcome_label": "no quorum", "yes": 0, "no": 1, "abstain": 0})  # fmt: skip
        esc = Escalation.objects.create(
            proposal=p, reason=Escalation.Reason.NO_QUORUM, opened_at=vote.closed_at,
            first_response_due=escalation_first_response_due(vote.closed_at),
            options="- Adopt the proposal as written\n- Require verification only for featured listings\n- Do not adopt it",
            disagreement="- Ana Souza voted no: hobby servers would vanish.",
        )  # fmt: skip
        record(actor=None, verb="escalation.opened", target=p, data={"escalation": esc.pk}, at=esc.opened_at)
        escalations.escalation_designate(escalation=esc, designee=people["lena"], by=people["marco"])
    if stdout:
        stdout.write("Groups: demo proposals, a vote, an escalation and a published quarterly report.")
