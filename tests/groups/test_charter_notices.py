"""G5: leads are told when their charter version is approved or rejected, with the rationale."""

import pytest
from django.core import mail

from groups import services
from groups.models import CharterVersion
from portal.notices import deliver_pending
from tests.groups.factories import CharterVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def charter(group):
    return CharterVersionFactory(group=group, number=1)


@pytest.fixture
def submitted(group, lead, charter):
    draft = services.charter_start_amendment(group=group, by=lead)
    return services.charter_submit(version=draft, by=lead, summary="Scope update")


@pytest.mark.parametrize("approve", [True, False])
def test_g5_leads_hear_the_charter_decision_with_its_rationale(submitted, lead, core_maintainer, approve):
    services.charter_decide(version=submitted, by=core_maintainer, approve=approve, rationale="Fits the **mission**")
    deliver_pending()
    assert [m.to for m in mail.outbox] == [[lead.email]]
    msg = mail.outbox[0]
    assert ("approved" if approve else "rejected") in msg.subject
    assert "Fits the **mission**" in msg.body
    assert "<strong>mission</strong>" in msg.alternatives[0].content


def test_g5_rationale_is_rendered_once_on_save(submitted, core_maintainer):
    services.charter_decide(version=submitted, by=core_maintainer, approve=False, rationale="- [x] read it")
    v = CharterVersion.objects.get(pk=submitted.pk)
    assert 'type="checkbox"' in v.rationale_html


def test_g5_a_decision_is_one_notice(submitted, core_maintainer):
    from portal.models import Notice

    services.charter_decide(version=submitted, by=core_maintainer, approve=True, rationale="ok")
    assert Notice.objects.filter(kind="groups.charter_decided").count() == 1
