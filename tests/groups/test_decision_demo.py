"""seed_demo shows D1-D5 and G8: open and closed proposals, a vote, an escalation and a published report."""

import pytest
from django.core.management import call_command

from groups.models import Escalation, Proposal, QuarterlyReport, Vote

pytestmark = pytest.mark.django_db


def test_d1_d5_g8_seed_demo_has_proposals_a_vote_an_escalation_and_a_report(client):
    call_command("seed_demo")
    assert Proposal.objects.filter(status=Proposal.Status.OPEN).exists()
    assert Proposal.objects.filter(status=Proposal.Status.ACCEPTED).exists()
    assert Vote.objects.filter(status=Vote.Status.OPEN).exists()
    esc = Escalation.objects.get()
    assert esc.designee is not None and esc.affiliation_warning  # Lena and Ana share Northwind Labs
    report = QuarterlyReport.objects.published().get()
    assert not report.is_late
    for url in ("/groups/transports/decisions/", report.get_absolute_url(), esc.get_absolute_url()):
        assert client.get(url).status_code == 200
