"""D5: escalations, designation with the affiliation warning, business-day deadlines, responses, sweeps."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from groups import decision_tasks
from groups.deadlines import add_business_days, escalation_first_response_due
from groups.models import Escalation, EscalationResponse, Proposal
from groups.services import decisions, escalations
from portal.errors import DomainError
from portal.models import Event, LadderRole, Notice
from tests.factories import UserFactory

from .decision_helpers import DAY, make_wg, open_vote

pytestmark = pytest.mark.django_db


def _closed_without_quorum():
    group, lead, members = make_wg(n_members=3)
    p, vote = open_vote(group, lead)
    with time_machine.travel(vote.closes_at + timedelta(minutes=1), tick=False):
        decision_tasks.sweep_votes()
    return group, lead, members, Escalation.objects.get(proposal=p)


# --- business days -----------------------------------------------------------------------------------------


def test_d5_five_business_days_from_a_friday_skip_the_weekend():
    friday = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    assert friday.weekday() == 4
    assert add_business_days(friday, 5) == datetime(2026, 12, 11, 15, 30, tzinfo=UTC)  # next Friday


def test_d5_from_a_wednesday_crosses_one_weekend():
    wednesday = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert add_business_days(wednesday, 5) == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)


def test_d5_opened_on_a_saturday_counts_from_monday():
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    due = escalation_first_response_due(saturday)
    assert due == datetime(2026, 12, 11, 10, 0, tzinfo=UTC)  # Mon..Fri
    assert due.weekday() == 4


def test_d5_escalation_due_date_is_five_business_days_after_opening():
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), tick=False):  # a Thursday
        _, _, _, esc = _closed_without_quorum()
    assert esc.first_response_due.weekday() < 5
    assert esc.first_response_due - esc.opened_at == timedelta(days=7)  # 5 business days + a weekend


# --- opening ------------------------------------------------------------------------------------------------


def test_d5_escalation_carries_documented_options_and_disagreement():
    group, lead, members = make_wg(n_members=3)
    p = decisions.proposal_open(
        group=group, by=lead, title="Drop SSE", body="Remove it.", kind="significant",
        deadline=timezone.now() + 11 * DAY,
    )  # fmt: skip
    decisions.proposal_block(proposal=p, by=members[0], objection="Clients rely on SSE", alternative="Deprecate first")
    with time_machine.travel(timezone.now() + 8 * DAY, tick=False):
        decision_tasks.sweep_votes()
    esc = Escalation.objects.get(proposal=p)
    assert "Deprecate first" in esc.options
    assert "Adopt the proposal as written: Drop SSE" in esc.options
    assert "Clients rely on SSE" in esc.disagreement


def test_d5_core_maintainers_are_told_when_an_escalation_arrives():
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, timezone="Asia/Kolkata")
    UserFactory(ladder_role=LadderRole.MAINTAINER)
    _, _, _, esc = _closed_without_quorum()
    notice = Notice.objects.get(kind=f"decisions.escalation_opened:{core.pk}")
    assert "IST" in notice.body_text  # the due date in the core maintainer's zone
    assert Notice.objects.filter(kind__startswith="decisions.escalation_opened:").count() == 1


def test_d5_lead_contests_a_passed_result():
    group, lead, members = make_wg(n_members=2)
    p, vote = open_vote(group, lead)
    for u in members:
        decisions.ballot_cast(vote=vote, by=u, choice="yes", rationale="ok")
    with time_machine.travel(vote.closes_at + DAY, tick=False):
        decision_tasks.sweep_votes()
    p.refresh_from_db()
    assert p.status == Proposal.Status.ACCEPTED
    with pytest.raises(PermissionDenied):
        escalations.escalation_contest(proposal=p, by=members[0], options="a", disagreement="b")
    with pytest.raises(DomainError, match="points of disagreement"):
        escalations.escalation_contest(proposal=p, by=lead, options="A or B", disagreement=" ")
    esc = escalations.escalation_contest(proposal=p, by=lead, options="A or B", disagreement="Turnout was low")
    p.refresh_from_db()
    assert esc.reason == Escalation.Reason.CONTESTED and p.status == Proposal.Status.ESCALATED
    with pytest.raises(DomainError, match="already escalated"):
        escalations.escalation_contest(proposal=p, by=lead, options="A", disagreement="B")


# --- designation and the affiliation warning ------------------------------------------------------------------


def test_d5_designee_sharing_an_affiliation_gets_a_warning_not_a_refusal():
    _, lead, _, esc = _closed_without_quorum()
    lead.affiliation = "Alpine Systems"
    lead.save()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, affiliation="  alpine   SYSTEMS ")
    esc = escalations.escalation_designate(escalation=esc, designee=core, by=core)
    assert esc.status == Escalation.Status.ASSIGNED and esc.designee == core
    assert lead.name in esc.affiliation_warning
    assert "proposal author" in esc.affiliation_warning
    assert Event.objects.get(verb="escalation.designated").data["warning"] == esc.affiliation_warning


def test_d5_designee_from_another_organisation_gets_no_warning():
    _, lead, _, esc = _closed_without_quorum()
    lead.affiliation = "Alpine Systems"
    lead.save()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, affiliation="Fjord Data")
    esc = escalations.escalation_designate(escalation=esc, designee=core, by=core)
    assert esc.affiliation_warning == ""


def test_d5_blank_affiliations_never_match():
    _, lead, _, esc = _closed_without_quorum()
    lead.affiliation = ""
    lead.save()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, affiliation="")
    assert escalations.affiliation_warning(esc, core) == ""


def test_d5_only_core_maintainers_designate_and_only_core_maintainers_are_designated():
    _, lead, _, esc = _closed_without_quorum()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    maintainer = UserFactory(ladder_role=LadderRole.MAINTAINER)
    with pytest.raises(PermissionDenied):
        escalations.escalation_designate(escalation=esc, designee=core, by=maintainer)
    with pytest.raises(DomainError, match="not a core maintainer"):
        escalations.escalation_designate(escalation=esc, designee=maintainer, by=core)


# --- responses ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status"),
    [("guidance", "resolved"), ("more_info", "assigned"), ("referral", "referred")],
)
def test_d5_designee_records_a_response(kind, status):
    _, _, _, esc = _closed_without_quorum()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    escalations.escalation_designate(escalation=esc, designee=core, by=core)
    r = escalations.escalation_respond(escalation=esc, by=core, kind=kind, text="**Decision**: go ahead")
    esc.refresh_from_db()
    assert esc.status == status
    assert esc.first_response_at is not None
    assert "<strong>Decision</strong>" in r.text_html
    assert Event.objects.filter(verb=f"escalation.{kind}").count() == 1


def test_d5_only_the_designee_responds():
    _, _, _, esc = _closed_without_quorum()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    other = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    escalations.escalation_designate(escalation=esc, designee=core, by=core)
    with pytest.raises(PermissionDenied):
        escalations.escalation_respond(escalation=esc, by=other, kind="guidance", text="x")
    assert not EscalationResponse.objects.exists()


def test_d5_response_text_markdown_is_sanitized():
    _, _, _, esc = _closed_without_quorum()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    escalations.escalation_designate(escalation=esc, designee=core, by=core)
    r = escalations.escalation_respond(
        escalation=esc, by=core, kind="guidance", text="<script>alert(1)</script> [x](javascript:alert(1))"
    )
    assert "<script" not in r.text_html
    assert 'href="javascript' not in r.text_html


# --- overdue sweep -----------------------------------------------------------------------------------------


def test_d5_unanswered_escalation_is_flagged_overdue_after_5_business_days():
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    _, _, _, esc = _closed_without_quorum()
    with time_machine.travel(esc.first_response_due - timedelta(minutes=1), tick=False):
        assert decision_tasks.sweep_escalations() == 0
    with time_machine.travel(esc.first_response_due + timedelta(minutes=1), tick=False):
        assert decision_tasks.sweep_escalations() == 1
        assert decision_tasks.sweep_escalations() == 0  # run twice: flagged once
    esc.refresh_from_db()
    assert esc.overdue_at is not None
    assert Notice.objects.filter(kind=f"decisions.escalation_overdue:{core.pk}").count() == 1
    assert Event.objects.filter(verb="escalation.overdue").count() == 1


def test_d5_answered_escalation_is_never_overdue():
    _, _, _, esc = _closed_without_quorum()
    core = UserFactory(ladder_role=LadderRole.CORE_MAINTAINER)
    escalations.escalation_designate(escalation=esc, designee=core, by=core)
    escalations.escalation_respond(escalation=esc, by=core, kind="more_info", text="Which clients?")
    with time_machine.travel(esc.first_response_due + 30 * DAY, tick=False):
        assert decision_tasks.sweep_escalations() == 0


def test_d5_missed_escalation_sweeps_are_caught_up_and_a_failure_half_way_is_finished_later():
    _, _, _, e1 = _closed_without_quorum()
    _, _, _, e2 = _closed_without_quorum()
    real = escalations.record
    calls = {"n": 0}

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom")
        return real(**kw)

    with time_machine.travel(timezone.now() + 40 * DAY, tick=False):
        with mock.patch("groups.services.escalations.record", side_effect=flaky), pytest.raises(RuntimeError):
            decision_tasks.sweep_escalations()
        assert Escalation.objects.filter(overdue_at__isnull=False).count() == 1
        assert decision_tasks.sweep_escalations() == 1
    assert Escalation.objects.filter(pk__in=[e1.pk, e2.pk], overdue_at__isnull=False).count() == 2
    assert Event.objects.filter(verb="escalation.overdue").count() == 2
