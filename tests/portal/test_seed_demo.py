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


def test_p1_demo_roles_match_the_demo_ladder_and_run_once(db):
    from portal.models import Role, RoleKind, User

    call_command("seed_demo", stdout=StringIO())
    lena = User.objects.get(username="lena")
    assert lena.roles.current().get().kind == RoleKind.LEAD_MAINTAINER
    omar = User.objects.get(username="omar")
    assert [(r.emeritus, r.ended_at is None) for r in omar.roles.order_by("started_at")] == [
        (False, False),
        (True, True),
    ]
    count = Role.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Role.objects.count() == count


def test_p1_bench_seed_makes_roles_once_and_lists_the_maintainers_page(db, monkeypatch):
    from portal import bench
    from portal.models import Role

    for name, value in (("PEOPLE", 12), ("EVENTS", 10), ("ROLES", 12)):
        monkeypatch.setattr(bench, name, value)
    bench.seed()
    count = Role.objects.filter(source="bench").count()
    assert count == 24
    bench.seed()
    assert Role.objects.filter(source="bench").count() == count
    assert ("maintainers", "/people/maintainers/") in bench.urls()
