"""T3: nominations to member, the 90-day participation check, objections, withdrawal, the sweep."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from groups import services, tasks
from groups.models import Membership, Nomination, Objection, Participation, Tier
from portal.errors import DomainError
from portal.models import Event, Notice
from portal.notices import deliver_pending
from tests.factories import ParticipationFactory, UserFactory
from tests.groups.factories import NominationFactory

pytestmark = pytest.mark.django_db


def nominate(group, nominee, by, **kw):
    return services.nomination_open(
        group=group, nominee=nominee, by=by, rationale=kw.pop("rationale", "Great work"), **kw
    )


# --- opening ---------------------------------------------------------------------------------------


def test_t3_lead_nominates_seasoned_participant(group, lead, seasoned_participant):
    n = nominate(group, seasoned_participant, lead)
    assert n.status == Nomination.Status.OPEN
    assert n.deadline - n.opened_at == timedelta(days=7)
    assert n.override_reason == ""
    assert Event.objects.filter(verb="nomination.opened", group=group).count() == 1


def test_t3_nominee_is_told_once_by_email_with_the_deadline_in_their_zone(
    group, lead, seasoned_participant, django_capture_on_commit_callbacks
):
    seasoned_participant.timezone = "Asia/Tokyo"
    seasoned_participant.save(update_fields=["timezone"])
    nominated_at = datetime(2026, 11, 2, 10, tzinfo=UTC)  # a fixed day: the deadline's wording is asserted
    # the fixture's 120 days and recent attendance count back from today; count them back from that day
    Membership.objects.filter(group=group, user=seasoned_participant).update(
        started_at=nominated_at - timedelta(days=120)
    )
    Participation.objects.filter(group=group, user=seasoned_participant).update(
        occurred_at=nominated_at - timedelta(days=10)
    )
    with (
        time_machine.travel(nominated_at, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        n = nominate(group, seasoned_participant, lead, rationale="Runs the triage & reviews")
    assert Notice.objects.filter(kind="groups.nomination_opened").count() == 1
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.to == [seasoned_participant.email]
    assert msg.subject == f"You are nominated to member of {group.name}"
    assert "Runs the triage & reviews" in msg.body  # plain text is not HTML-escaped
    assert "Mon 9 Nov 2026, 19:00 JST (UTC+09:00)" in msg.body
    assert n.get_absolute_url() in msg.body
    deliver_pending()
    assert len(mail.outbox) == 1


def test_t3_member_may_nominate(group, make_member, seasoned_participant):
    member = make_member(group, Tier.MEMBER).user
    assert nominate(group, seasoned_participant, member).nominator == member


@pytest.mark.parametrize("tier", [Tier.PARTICIPANT, Tier.OBSERVER, None])
def test_t3_only_members_or_leads_nominate(group, make_member, seasoned_participant, tier):
    from django.core.exceptions import PermissionDenied

    who = make_member(group, tier).user if tier else UserFactory()
    with pytest.raises(PermissionDenied):
        nominate(group, seasoned_participant, who)
    assert not Nomination.objects.exists()


def test_t3_participant_under_90_days_refused(group, lead, make_member):
    fresh = make_member(group, Tier.PARTICIPANT, days=30)
    ParticipationFactory(group=group, user=fresh.user, occurred_at=timezone.now() - timedelta(days=3))
    with pytest.raises(DomainError, match="30 days; 90 are needed"):
        nominate(group, fresh.user, lead)
    assert not Nomination.objects.exists()


def test_t3_participant_without_recorded_activity_refused(group, lead, make_member):
    idle = make_member(group, Tier.PARTICIPANT, days=200)
    ParticipationFactory(group=group, user=idle.user, occurred_at=timezone.now() - timedelta(days=120))
    with pytest.raises(DomainError, match="no recorded participation"):
        nominate(group, idle.user, lead)


def test_t3_lead_override_with_reason_is_recorded(group, lead, make_member):
    fresh = make_member(group, Tier.PARTICIPANT, days=10)
    n = nominate(group, fresh.user, lead, override_reason="Led the transport SEP from day one.")
    assert n.override_reason == "Led the transport SEP from day one."
    ev = Event.objects.get(verb="nomination.participation_overridden")
    assert ev.data["reason"] == n.override_reason
    assert "10 days" in ev.data["check"]


def test_t3_member_cannot_override(group, make_member):
    from django.core.exceptions import PermissionDenied

    member = make_member(group, Tier.MEMBER).user
    fresh = make_member(group, Tier.PARTICIPANT, days=10)
    with pytest.raises(PermissionDenied):
        nominate(group, fresh.user, member, override_reason="Trust me")


def test_t3_observer_cannot_be_nominated_even_with_override(group, lead, make_member):
    obs = make_member(group, Tier.OBSERVER, days=300)
    with pytest.raises(DomainError, match="not a participant"):
        nominate(group, obs.user, lead, override_reason="x")


def test_t3_one_open_nomination_per_person(group, lead, seasoned_participant):
    nominate(group, seasoned_participant, lead)
    with pytest.raises(DomainError, match="already has an open nomination"):
        nominate(group, seasoned_participant, lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        NominationFactory(group=group, nominee=seasoned_participant, nominator=lead)


# --- objections and withdrawal ------------------------------------------------------------------


@pytest.fixture
def open_nomination(group, lead, seasoned_participant):
    return nominate(group, seasoned_participant, lead)


def test_t3_only_leads_core_and_lead_maintainers_may_object(
    open_nomination, group, make_member, maintainer, core_maintainer, lead_maintainer, lead
):
    from django.core.exceptions import PermissionDenied

    member = make_member(group, Tier.MEMBER).user
    for refused in (member, maintainer, open_nomination.nominee):
        with pytest.raises(PermissionDenied):
            services.nomination_object(nomination=open_nomination, by=refused, reason="no")
    for allowed in (lead, core_maintainer, lead_maintainer):
        services.nomination_object(nomination=open_nomination, by=allowed, reason="Not yet")
    assert Objection.objects.filter(nomination=open_nomination).count() == 3


def test_t3_objection_needs_reason(open_nomination, core_maintainer):
    with pytest.raises(DomainError):
        services.nomination_object(nomination=open_nomination, by=core_maintainer, reason="  ")
    assert not Objection.objects.exists()


def test_t3_no_objection_after_deadline(open_nomination, core_maintainer):
    with (
        time_machine.travel(open_nomination.deadline + timedelta(minutes=1), tick=False),
        pytest.raises(DomainError, match="no longer open"),
    ):
        services.nomination_object(nomination=open_nomination, by=core_maintainer, reason="late")


def test_t3_withdrawal_by_nominee_or_nominator_only(open_nomination, group, make_member, core_maintainer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.nomination_withdraw(nomination=open_nomination, by=core_maintainer)
    services.nomination_withdraw(nomination=open_nomination, by=open_nomination.nominee)
    open_nomination.refresh_from_db()
    assert open_nomination.status == Nomination.Status.WITHDRAWN
    ev = Event.objects.get(verb="nomination.withdrawn")
    assert ev.data == {"by": "nominee"}
    assert ev.actor == open_nomination.nominee


# --- the sweep (controlled clock) -------------------------------------------------------------------


def outcome_notices():
    """The deadline's notices (opening a nomination also tells the nominee; see the test below)."""
    return Notice.objects.exclude(kind="groups.nomination_opened")


def outcome_mail():
    return [m for m in mail.outbox if not m.subject.startswith("You are nominated")]


def test_t3_sweep_confirms_without_objection(open_nomination, django_capture_on_commit_callbacks):
    nominee = open_nomination.nominee
    with time_machine.travel(open_nomination.deadline - timedelta(seconds=1), tick=False):
        assert tasks.sweep_nominations() == 0  # not due yet
    with (
        time_machine.travel(open_nomination.deadline + timedelta(minutes=5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.sweep_nominations() == 1
    open_nomination.refresh_from_db()
    assert open_nomination.status == Nomination.Status.CONFIRMED
    current = Membership.objects.current().get(group=open_nomination.group, user=nominee)
    assert current.tier == Tier.MEMBER
    assert Membership.objects.filter(group=open_nomination.group, user=nominee, tier=Tier.PARTICIPANT).get().ended_at
    assert Event.objects.filter(verb="nomination.confirmed").count() == 1
    assert len(outcome_mail()) == 2  # one mail each, in each person's own zone
    assert {m.to[0] for m in outcome_mail()} == {nominee.email, open_nomination.nominator.email}
    assert all("is now a member" in m.subject for m in outcome_mail())


def test_t3_outcome_mail_plain_text_is_not_html_escaped(open_nomination):
    nominee = open_nomination.nominee
    nominee.display_name = "Siobhán O'Neil & co"
    nominee.save(update_fields=["display_name"])
    with time_machine.travel(open_nomination.deadline + timedelta(minutes=1), tick=False):
        tasks.sweep_nominations()
    deliver_pending()
    msg = outcome_mail()[0]
    assert "Siobhán O'Neil & co is now a member" in msg.subject
    assert "Siobhán O'Neil & co" in msg.body
    assert "&#x27;" not in msg.body
    assert "&amp;" not in msg.body


def test_t3_sweep_marks_objected(open_nomination, core_maintainer):
    services.nomination_object(nomination=open_nomination, by=core_maintainer, reason="Needs more time")
    with time_machine.travel(open_nomination.deadline + timedelta(hours=1), tick=False):
        tasks.sweep_nominations()
    deliver_pending()
    open_nomination.refresh_from_db()
    assert open_nomination.status == Nomination.Status.OBJECTED
    assert Membership.objects.current().get(user=open_nomination.nominee).tier == Tier.PARTICIPANT
    assert Event.objects.filter(verb="nomination.objected").count() == 1
    assert len(outcome_mail()) == 2  # nominator and nominee, once each
    assert "objected" in outcome_mail()[0].subject


def test_t3_sweep_run_twice_sends_one_notice_and_one_event(open_nomination):
    with time_machine.travel(open_nomination.deadline + timedelta(minutes=1), tick=False):
        assert tasks.sweep_nominations() == 1
        assert tasks.sweep_nominations() == 0
    # even a direct second close of the same row does nothing
    assert services.nomination_close(nomination_id=open_nomination.pk) is None
    deliver_pending()
    deliver_pending()
    assert outcome_notices().count() == 1
    assert len(outcome_mail()) == 2  # nominator and nominee, once each
    assert Event.objects.filter(verb="nomination.confirmed").count() == 1
    assert Membership.objects.current().filter(user=open_nomination.nominee, tier=Tier.MEMBER).count() == 1


def test_t3_sweep_missed_for_days_catches_up(group, lead, make_member):
    users = []
    for i in range(3):
        m = make_member(group, Tier.PARTICIPANT, days=10)
        users.append(m.user)
        with time_machine.travel(timezone.now() + timedelta(days=i), tick=False):
            nominate(group, m.user, lead, override_reason="Override for test")
    last_deadline = Nomination.objects.order_by("-deadline").first().deadline
    with time_machine.travel(last_deadline + timedelta(days=5), tick=False):
        assert tasks.sweep_nominations() == 3
    assert set(Nomination.objects.values_list("status", flat=True)) == {Nomination.Status.CONFIRMED}
    assert Membership.objects.current().filter(group=group, user__in=users, tier=Tier.MEMBER).count() == 3
    # the notice is keyed by the deadline, not by when the sweep happened to run
    assert {n.due_at for n in outcome_notices()} == set(Nomination.objects.values_list("deadline", flat=True))


def test_t3_sweep_fails_half_way_then_finishes(group, lead, make_member, worker_dies):
    for _ in range(2):
        m = make_member(group, Tier.PARTICIPANT, days=10)
        nominate(group, m.user, lead, override_reason="ok")
    first, second = Nomination.objects.order_by("deadline", "pk")
    with time_machine.travel(second.deadline + timedelta(minutes=1), tick=False):
        with worker_dies(services.nominations, "queue_notice", on_call=2), pytest.raises(RuntimeError):
            tasks.sweep_nominations()
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.status == Nomination.Status.CONFIRMED
        assert second.status == Nomination.Status.OPEN  # untouched: no half state
        assert Membership.objects.current().get(user=second.nominee).tier == Tier.PARTICIPANT
        assert Event.objects.filter(verb="nomination.confirmed").count() == 1
        assert tasks.sweep_nominations() == 1
    second.refresh_from_db()
    assert second.status == Nomination.Status.CONFIRMED
    assert outcome_notices().count() == 2


# --- views ------------------------------------------------------------------------------------------


def test_t3_nominate_view_ladder(client, client_for, group, lead, seasoned_participant, contributor, htmx_headers):
    u = reverse("groups:nominate", args=[group.slug])
    data = {"nominee": seasoned_participant.pk, "rationale": "Reviews every SEP"}
    assert client.post(u, data).status_code == 302  # anonymous -> login
    assert client_for(contributor).post(u, data).status_code == 403
    assert client_for(contributor).get(u).status_code == 403
    c = client_for(lead)
    assert c.get(u).status_code == 200
    bad = c.post(u, {"nominee": seasoned_participant.pk, "rationale": ""})
    assert bad.status_code == 400
    assert "This field is required" in bad.content.decode()
    assert not Nomination.objects.exists()
    r = c.post(u, data, **htmx_headers)
    n = Nomination.objects.get()
    assert r.status_code == 204
    assert r["HX-Redirect"] == n.get_absolute_url()
    assert "Objection window closes in" in c.get(r["HX-Redirect"]).content.decode()
    bad_htmx = c.post(u, {"nominee": "", "rationale": "x"}, **htmx_headers)
    assert bad_htmx.status_code == 200
    assert 'id="nominate-form"' not in bad_htmx.content.decode()
    assert "This field is required" in bad_htmx.content.decode()
    assert "<html" not in bad_htmx.content.decode()


def test_t3_nominate_view_refuses_short_participation_with_clear_error(client_for, group, lead, make_member):
    fresh = make_member(group, Tier.PARTICIPANT, days=5)
    r = client_for(lead).post(
        reverse("groups:nominate", args=[group.slug]), {"nominee": fresh.user.pk, "rationale": "Good"}
    )
    assert r.status_code == 400
    assert "A lead may override this" in r.content.decode()
    assert not Nomination.objects.exists()


def test_t3_nomination_page_shows_deadline_countdown_in_viewer_zone(
    client_for, open_nomination, contributor, htmx_headers
):
    contributor.timezone = "Asia/Tokyo"
    contributor.save()
    c = client_for(contributor)
    with time_machine.travel(open_nomination.opened_at + timedelta(days=2), tick=False):
        r = c.get(open_nomination.get_absolute_url())
        body = r.content.decode()
        assert "Objection window closes in" in body
        assert "5 days" in body
        assert "(UTC+09:00)" in body
        part = c.get(open_nomination.get_absolute_url() + "?part=countdown", **htmx_headers)
        assert part.status_code == 200
        assert 'id="countdown"' in part.content.decode()
        assert "<html" not in part.content.decode()
        assert 'hx-trigger="every 60s"' in part.content.decode()
    with time_machine.travel(open_nomination.deadline + timedelta(seconds=5), tick=False):  # sweep not run yet
        part = c.get(open_nomination.get_absolute_url() + "?part=countdown", **htmx_headers).content.decode()
        assert "outcome is recorded shortly" in part
        assert "hx-trigger" not in part  # the polling stops


def test_t3_object_view_ladder(client, client_for, open_nomination, contributor, core_maintainer, htmx_headers):
    u = reverse("groups:nomination_object", args=[open_nomination.group.slug, open_nomination.pk])
    assert client.post(u, {"reason": "x"}).status_code == 302
    assert client_for(contributor).post(u, {"reason": "x"}).status_code == 403
    c = client_for(core_maintainer)
    bad = c.post(u, {"reason": ""}, **htmx_headers)
    assert bad.status_code == 200
    assert 'role="alert"' in bad.content.decode()
    assert "needs a reason" in bad.content.decode()
    assert not Objection.objects.exists()
    r = c.post(u, {"reason": "Not enough reviews yet"}, **htmx_headers)
    assert r.status_code == 200
    assert "Not enough reviews yet" in r.content.decode()
    r = c.post(u, {"reason": "Twice"})
    assert r.status_code == 302
    assert Objection.objects.filter(by=core_maintainer).count() == 2


def test_t3_withdraw_view_ladder(client, client_for, open_nomination, contributor, htmx_headers):
    u = reverse("groups:nomination_withdraw", args=[open_nomination.group.slug, open_nomination.pk])
    assert client.post(u).status_code == 302
    assert client_for(contributor).post(u).status_code == 403
    r = client_for(open_nomination.nominator).post(u, **htmx_headers)
    assert r.status_code == 200
    assert "Withdrawn" in r.content.decode()
    open_nomination.refresh_from_db()
    assert open_nomination.status == Nomination.Status.WITHDRAWN
    again = client_for(open_nomination.nominee).post(u, **htmx_headers)
    assert again.status_code == 200
    assert "no longer open" in again.content.decode()


def test_t3_nominee_leaving_withdraws_the_nomination(open_nomination):
    services.membership_leave(group=open_nomination.group, user=open_nomination.nominee)
    open_nomination.refresh_from_db()
    assert open_nomination.status == Nomination.Status.WITHDRAWN
    with time_machine.travel(open_nomination.deadline + timedelta(hours=1), tick=False):
        assert tasks.sweep_nominations() == 0
    assert not Membership.objects.current().filter(user=open_nomination.nominee).exists()


def test_t3_refused_nominator_reads_why_on_the_403_page(client_for, group, contributor):
    r = client_for(contributor).get(reverse("groups:nominate", args=[group.slug]))
    body = r.content.decode()
    assert r.status_code == 403
    assert f"Only members and leads of {group.name} may nominate." in body
    assert "<nav" in body  # site layout


def test_t3_nominate_page_states_the_configured_durations(client_for, group, lead, settings):
    settings.GOVERNANCE = {
        **settings.GOVERNANCE,
        "NOMINATION_MIN_PARTICIPATION": timedelta(days=60),
        "NOMINATION_OBJECTION_WINDOW": timedelta(days=10),
    }
    body = client_for(lead).get(reverse("groups:nominate", args=[group.slug])).content.decode()
    assert "needs 60 days as a participant" in body
    assert "open for 10 days" in body


def test_t3_objection_too_long_says_so_and_records_nothing(client_for, open_nomination, core_maintainer, htmx_headers):
    u = reverse("groups:nomination_object", args=[open_nomination.group.slug, open_nomination.pk])
    r = client_for(core_maintainer).post(u, {"reason": "x" * 4001}, **htmx_headers)
    assert "at most 4000 characters" in r.content.decode()
    assert not Objection.objects.exists()
    r = client_for(core_maintainer).post(u, {"reason": "  "}, **htmx_headers)
    assert "An objection needs a reason." in r.content.decode()
    assert not Objection.objects.exists()


def test_t3_nominate_form_leaves_out_who_already_has_an_open_nomination(
    client_for, group, lead, seasoned_participant, make_member
):
    other = make_member(group, Tier.PARTICIPANT, days=200).user
    nominate(group, seasoned_participant, lead)
    r = client_for(lead).get(reverse("groups:nominate", args=[group.slug]))
    choices = set(r.context["form"].fields["nominee"].queryset)
    assert choices == {other}
