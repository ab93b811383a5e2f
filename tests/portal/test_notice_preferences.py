"""Notice preferences per kind, one-click unsubscribe (RFC 8058), and notices in the recipient's zone."""

from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from portal.models import Notice
from portal.notices import (
    Moment,
    deliver_pending,
    queue_notice,
    read_unsubscribe_token,
    register_notice_kind,
    unsubscribe_token,
)
from tests.factories import UserFactory

DUE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
OPTIONAL = "test.optional_reminder"
FIXED = "test.lead_deadline"


@pytest.fixture(autouse=True)
def kinds_and_templates(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [Path(__file__).parent / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    register_notice_kind(OPTIONAL, "A test reminder you may turn off", audience="testers")
    register_notice_kind(FIXED, "A lead's test deadline", optional=False, audience="leads")
    yield
    from portal.notices import NOTICE_KINDS

    NOTICE_KINDS.pop(OPTIONAL, None)
    NOTICE_KINDS.pop(FIXED, None)


def _queue(kind, recipients, due=DUE, target=None, **context):
    return queue_notice(
        kind=kind,
        target=target or recipients[0],
        due_at=due,
        recipients=recipients,
        template="email/portal_test_notice",
        context={"thing": "the quarterly report", **context},
    )


# --- per kind: off means no mail; deadline notices to leads cannot be turned off ----------------


def test_a_kind_turned_off_sends_that_person_nothing(db):
    off = UserFactory(notices_off=[OPTIONAL])
    on = UserFactory()
    _queue(OPTIONAL, [off, on])
    deliver_pending()
    assert [m.to for m in mail.outbox] == [[on.email]]


def test_turning_one_kind_off_keeps_the_others(db):
    person = UserFactory(notices_off=["something.else"])
    _queue(OPTIONAL, [person])
    deliver_pending()
    assert len(mail.outbox) == 1


def test_deadline_notices_to_leads_cannot_be_turned_off(db):
    lead = UserFactory(notices_off=[FIXED])
    _queue(FIXED, [lead])
    deliver_pending()
    assert len(mail.outbox) == 1
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert "cannot be turned off" in mail.outbox[0].body


def test_everyone_off_still_records_the_notice_once(db):
    person = UserFactory(notices_off=[OPTIONAL])
    assert _queue(OPTIONAL, [person]) is not None
    assert _queue(OPTIONAL, [person]) is None
    assert deliver_pending() == 1
    assert mail.outbox == []


def test_plain_addresses_are_matched_to_accounts_for_preferences(db):
    person = UserFactory(email="Author@Example.test", notices_off=[OPTIONAL])
    outsider = "outsider@example.test"
    _queue(OPTIONAL, ["author@example.test", outsider], target=person)
    deliver_pending()
    assert [m.to for m in mail.outbox] == [[outsider]]


# --- RFC 8058 headers and the one-click link ------------------------------------------------------


def test_every_optional_mail_carries_rfc8058_headers(db):
    person = UserFactory()
    _queue(OPTIONAL, [person])
    deliver_pending()
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://127.0.0.1:8000/notices/unsubscribe/")
    assert url in mail.outbox[0].body
    assert (
        url.replace("&", "&amp;") in mail.outbox[0].alternatives[0].content
        or url in mail.outbox[0].alternatives[0].content
    )


def test_the_link_is_per_person_and_kind(db):
    a, b = UserFactory(), UserFactory()
    _queue(OPTIONAL, [a, b])
    deliver_pending()
    links = [m.extra_headers["List-Unsubscribe"] for m in mail.outbox]
    assert links[0] != links[1]
    assert read_unsubscribe_token(links[0].strip("<>").rstrip("/").rsplit("/", 1)[1]) == (a, OPTIONAL)


def test_one_click_post_without_session_or_csrf_turns_the_kind_off(db):
    person = UserFactory()
    client = Client(enforce_csrf_checks=True)
    resp = client.post(
        f"/notices/unsubscribe/{unsubscribe_token(person, OPTIONAL)}/", {"List-Unsubscribe": "One-Click"}
    )
    assert resp.status_code == 200
    person.refresh_from_db()
    assert person.notices_off == [OPTIONAL]


def test_get_only_asks_and_changes_nothing(client, db):
    person = UserFactory()
    resp = client.get(f"/notices/unsubscribe/{unsubscribe_token(person, OPTIONAL)}/")
    assert resp.status_code == 200
    assert b"Stop these mails" in resp.content
    person.refresh_from_db()
    assert person.notices_off == []


def test_unsubscribing_twice_keeps_one_entry(client, db):
    person = UserFactory()
    url = f"/notices/unsubscribe/{unsubscribe_token(person, OPTIONAL)}/"
    client.post(url)
    client.post(url)
    person.refresh_from_db()
    assert person.notices_off == [OPTIONAL]


@pytest.mark.parametrize("token", ["garbage", "1:abc:def", "W10:1tXyZ:forged"])
def test_a_forged_or_broken_token_is_refused_and_changes_nothing(client, db, token):
    person = UserFactory()
    resp = client.post(f"/notices/unsubscribe/{token}/")
    assert resp.status_code == 400
    assert b"not valid" in resp.content
    person.refresh_from_db()
    assert person.notices_off == []


def test_a_token_for_another_kind_cannot_be_edited_into_another_person(client, db):
    a, b = UserFactory(), UserFactory()
    from django.core.signing import b64_decode, b64_encode

    payload, stamp, signature = unsubscribe_token(a, OPTIONAL).split(":")
    forged = b64_decode(payload.encode()).replace(f"[{a.pk},".encode(), f"[{b.pk},".encode())
    tampered = ":".join([b64_encode(forged).decode(), stamp, signature])
    assert tampered != unsubscribe_token(a, OPTIONAL)
    assert client.post(f"/notices/unsubscribe/{tampered}/").status_code == 400
    b.refresh_from_db()
    assert b.notices_off == []


def test_a_deadline_kind_cannot_be_unsubscribed(client, db):
    lead = UserFactory()
    resp = client.post(f"/notices/unsubscribe/{unsubscribe_token(lead, FIXED)}/")
    assert resp.status_code == 400
    assert b"cannot be turned off" in resp.content
    lead.refresh_from_db()
    assert lead.notices_off == []


# --- delivery: one mail per person; a failure half-way resends only to those not reached -------


def test_failure_half_way_resends_only_to_the_rest(db):
    a, b = UserFactory(), UserFactory()
    _queue(OPTIONAL, [a, b])
    real_send = mail.EmailMultiAlternatives.send

    def flaky(self, *args, **kwargs):
        if self.to == [b.email]:
            raise ConnectionError("bounce")
        return real_send(self, *args, **kwargs)

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", flaky):
        assert deliver_pending() == 0
    assert [m.to for m in mail.outbox] == [[a.email]]
    assert deliver_pending() == 1
    assert [m.to for m in mail.outbox] == [[a.email], [b.email]]
    assert Notice.objects.get().sent_at is not None


# --- every notice in the recipient's own zone ----------------------------------------------------


def test_each_recipient_reads_times_in_their_own_zone(db, settings, tmp_path):
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "zone_probe.txt").write_text("Subject: Due {{ due }}\n\nDue by {{ due }}.\n")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    tokyo = UserFactory(timezone="Asia/Tokyo")
    berlin = UserFactory(timezone="Europe/Berlin")
    queue_notice(
        kind=OPTIONAL, target=tokyo, due_at=DUE, recipients=[tokyo, berlin],
        template="email/zone_probe", context={"due": Moment(DUE)},
    )  # fmt: skip
    deliver_pending()
    by_person = {m.to[0]: m for m in mail.outbox}
    assert "18:00 JST (UTC+09:00)" in by_person[tokyo.email].body
    assert "10:00 CET (UTC+01:00)" in by_person[berlin.email].subject
    assert "JST" not in by_person[berlin.email].body


# --- the preferences page: the ladder ------------------------------------------------------------


def test_preferences_anonymous_is_sent_to_sign_in(client, db):
    resp = client.get("/profile/notices/")
    assert resp.status_code == 302
    assert "/accounts/login/" in resp["Location"]
    assert client.post("/profile/notices/", {"wanted": []}).status_code == 302


def test_preferences_page_lists_kinds_and_fixed_ones(client_for, db):
    person = UserFactory(notices_off=[OPTIONAL])
    body = client_for(person).get("/profile/notices/").content.decode()
    assert "A test reminder you may turn off" in body
    assert f'value="{OPTIONAL}"' in body and "checked" not in body.split(f'value="{OPTIONAL}"')[1].split(">")[0]
    assert "A lead&#x27;s test deadline" in body or "A lead's test deadline" in body


def test_preferences_post_turns_unchecked_kinds_off_for_oneself_only(client_for, db):
    person, other = UserFactory(), UserFactory()
    resp = client_for(person).post("/profile/notices/", {"wanted": []})
    assert resp.status_code == 302
    person.refresh_from_db()
    other.refresh_from_db()
    assert OPTIONAL in person.notices_off
    assert FIXED not in person.notices_off
    assert other.notices_off == []


def test_preferences_post_turns_a_kind_back_on(client_for, db):
    person = UserFactory(notices_off=[OPTIONAL])
    client_for(person).post("/profile/notices/", {"wanted": [OPTIONAL]})
    person.refresh_from_db()
    assert OPTIONAL not in person.notices_off


def test_preferences_bad_choice_is_refused_and_changes_nothing(client_for, db):
    person = UserFactory()
    resp = client_for(person).post("/profile/notices/", {"wanted": [FIXED, "no.such.kind"]})
    assert resp.status_code == 400
    person.refresh_from_db()
    assert person.notices_off == []


def test_preferences_htmx_post_returns_the_form_partial(client_for, db, htmx_headers):
    person = UserFactory()
    resp = client_for(person).post("/profile/notices/", {"wanted": [OPTIONAL]}, **htmx_headers)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert body.lstrip().startswith('<form id="notice-preferences"')
    assert "Your mail choices are saved." in body
    assert "<html" not in body


def test_preferences_query_budget(client_for, db, django_assert_max_num_queries):
    person = UserFactory()
    c = client_for(person)
    with django_assert_max_num_queries(6):
        assert c.get("/profile/notices/").status_code == 200
