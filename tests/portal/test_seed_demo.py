"""seed_demo: a believable fictional community, every ladder role (P1), people from several organisations (P2)."""

from io import StringIO

from allauth.account.models import EmailAddress
from django.core.management import call_command

from portal.demo import DEMO_PASSWORD
from portal.models import LadderRole, User


def test_p1_p2_seed_demo_people_in_every_role_from_several_organisations(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    people = User.objects.all()
    assert {p.ladder_role for p in people} == set(LadderRole.values)
    orgs = {p.affiliation for p in people if p.affiliation}
    assert len(orgs) >= 5
    assert any(not p.affiliation for p in people)  # individuals, not companies: some have none
    lena = User.objects.get(username="lena")
    assert lena.is_lead_maintainer
    assert lena.check_password(DEMO_PASSWORD)
    assert EmailAddress.objects.filter(user=lena, verified=True, primary=True).exists()
    assert all(p.github and p.timezone for p in people)
    assert "lena@example.org" in out.getvalue()


def test_seed_demo_if_empty_runs_once(db):
    call_command("seed_demo", "--if-empty", stdout=StringIO())
    count = User.objects.count()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert User.objects.count() == count
    assert "already present" in out.getvalue()


def test_demo_people_can_sign_in(client, db):
    call_command("seed_demo", stdout=StringIO())
    resp = client.post("/accounts/login/", {"login": "marco@example.org", "password": DEMO_PASSWORD})
    assert resp.status_code == 302
    assert client.get("/dashboard/").context["user"].username == "marco"


def test_seed_demo_refuses_to_run_in_production(db, settings):
    """Demo people (a lead maintainer among them) share a published password: never in production."""
    import pytest
    from django.core.management.base import CommandError

    from portal.models import User

    settings.DEBUG, settings.TESTING = False, False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()
