"""seed_demo's SEPs, and the admin using the same transitions table (S3, S6)."""

from io import StringIO

from django.core.management import call_command

from portal.models import Event
from seps.models import SEP, Status

from .factories import SEPFactory


def test_s2_seed_demo_has_seps_in_every_status_across_groups(db):
    call_command("seed_demo", stdout=StringIO())
    assert set(SEP.objects.values_list("status", flat=True)) == set(Status.values)
    assert SEP.objects.exclude(group=None).values("group").distinct().count() >= 2
    assert Event.objects.filter(verb="sep.status_changed").count() >= 15
    assert SEP.objects.get(status=Status.SUPERSEDED).superseded_by is not None
    count = SEP.objects.count()
    from portal.demo import seed_people
    from seps import demo

    demo.seed(seed_people(), StringIO())  # idempotent
    assert SEP.objects.count() == count


def test_s9_seed_demo_history_is_backdated_so_the_review_queue_shows_real_waits(db):
    from django.utils import timezone

    call_command("seed_demo", stdout=StringIO())
    now = timezone.now()
    queue = list(SEP.objects.review_queue())
    waits = [(now - s.status_changed_at).days for s in queue]
    assert len(set(waits)) == len(waits)
    assert min(waits) >= 1  # distinct, all in the past
    assert [s.status for s in queue[:2]] == [Status.IN_REVIEW, Status.IN_REVIEW]
    for sep in SEP.objects.all():
        events = list(Event.objects.for_object(sep).order_by("created_at", "id"))
        assert events[0].verb == "sep.created"
        assert events[0].created_at.date() == sep.created
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        changes = [e for e in events if e.verb == "sep.status_changed"]
        if changes:
            assert changes[-1].created_at == sep.status_changed_at


def _admin_form(sep, **extra):
    data = {
        "number": sep.number, "title": sep.title, "slug": sep.slug, "type": sep.type,
        "created": sep.created.isoformat(), "group": "", "sponsor": sep.sponsor_id or "", "pr_url": "",
        "discussion_url": "", "body": sep.body, "superseded_by": "", "reference_implementation": "",
        "roadmap_area": "", "source_file": "",
        "authors-TOTAL_FORMS": "0", "authors-INITIAL_FORMS": "0", "authors-MIN_NUM_FORMS": "0",
        "authors-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data.update(extra)
    return data


def test_s3_admin_applies_transition_through_the_table(client_for, core_maintainer, maintainer):
    sep = SEPFactory(status=Status.IN_REVIEW, sponsor=maintainer)
    c = client_for(core_maintainer)
    url = f"/admin/seps/sep/{sep.pk}/change/"
    page = c.get(url).content.decode()
    assert 'value="accept"' in page
    assert 'value="submit"' not in page  # only what the table allows
    r = c.post(url, _admin_form(sep, transition="accept", rationale=""))
    assert r.status_code == 200
    assert "Give a rationale" in r.content.decode()
    sep.refresh_from_db()
    assert sep.status == Status.IN_REVIEW
    r = c.post(url, _admin_form(sep, transition="accept", rationale="Agreed in the review meeting."))
    assert r.status_code == 302
    sep.refresh_from_db()
    assert sep.status == Status.ACCEPTED
    ev = Event.objects.get(verb="sep.status_changed")
    assert ev.actor == core_maintainer
    assert ev.data["reason"] == "Agreed in the review meeting."


def test_s3_admin_refuses_transition_not_in_table(client_for, core_maintainer, maintainer):
    sep = SEPFactory(status=Status.DRAFT, sponsor=maintainer)
    c = client_for(core_maintainer)
    r = c.post(f"/admin/seps/sep/{sep.pk}/change/", _admin_form(sep, transition="submit", rationale="x"))
    assert r.status_code == 200  # form error: "submit" is the sponsor's step, not offered to this person
    sep.refresh_from_db()
    assert sep.status == Status.DRAFT
    assert not Event.objects.exists()


def test_s6_admin_edit_and_create_are_recorded(client_for, core_maintainer):
    sep = SEPFactory(status=Status.DRAFT)
    c = client_for(core_maintainer)
    r = c.post(f"/admin/seps/sep/{sep.pk}/change/", _admin_form(sep, title="Renamed in admin"))
    assert r.status_code == 302
    sep.refresh_from_db()
    assert sep.title == "Renamed in admin"
    assert sep.version == 2
    assert "title" in Event.objects.get(verb="sep.edited").data["changes"]
    new = SEPFactory.build(number=6060, title="Born in admin", slug="born")
    r = c.post("/admin/seps/sep/add/", _admin_form(new))
    assert r.status_code == 302
    created = SEP.objects.get(number=6060)
    assert created.status == Status.PROPOSAL
    assert created.body_html
    assert Event.objects.filter(verb="sep.created", target_id=str(created.pk)).count() == 1
    assert "Created" in c.get("/seps/6060/").content.decode()


def test_s4_admin_refuses_a_sponsor_outside_the_steering_group(client_for, core_maintainer, maintainer, org_member):
    sep = SEPFactory(status=Status.DRAFT, sponsor=maintainer)
    c = client_for(core_maintainer)
    url = f"/admin/seps/sep/{sep.pk}/change/"
    r = c.post(url, _admin_form(sep, sponsor=org_member.pk))
    assert r.status_code == 200
    assert "must be in the steering group" in r.content.decode()
    sep.refresh_from_db()
    assert sep.sponsor == maintainer
    assert c.post(url, _admin_form(sep, title="Same sponsor kept")).status_code == 302  # unchanged sponsor is fine
