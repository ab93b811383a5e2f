"""RULES P3: a person keeps display name, GitHub, Discord, affiliation and time zone; times show in their zone."""

from datetime import UTC, datetime

import pytest

from portal.events import record
from portal.middleware import TZ_COOKIE
from tests.factories import UnverifiedUserFactory, UserFactory

GOOD = {
    "display_name": "Rosa Diaz",
    "github": "@RosaD",
    "discord": "rosa#1",
    "affiliation": "Harbor Labs",
    "timezone": "America/Chicago",
}


def test_profile_anonymous_is_sent_to_sign_in(client, db):
    resp = client.get("/profile/")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/accounts/login/")
    resp = client.post("/profile/", GOOD)
    assert resp.status_code == 302
    assert resp["Location"].startswith("/accounts/login/")


def test_p3_profile_edit_saves_every_field(client_for, db):
    contributor = UnverifiedUserFactory()
    client = client_for(contributor)
    assert client.get("/profile/").status_code == 200
    resp = client.post("/profile/", GOOD)
    assert resp.status_code == 302
    contributor.refresh_from_db()
    assert contributor.display_name == "Rosa Diaz"
    assert contributor.github == "RosaD"  # normalized: no @
    assert contributor.discord == "rosa#1"
    assert contributor.affiliation == "Harbor Labs"
    assert contributor.timezone == "America/Chicago"
    assert contributor.name == "Rosa Diaz"


def test_p3_profile_bad_time_zone_rejected_nothing_saved(client_for, contributor):
    before = (contributor.display_name, contributor.timezone, contributor.github)
    resp = client_for(contributor).post("/profile/", {**GOOD, "timezone": "Mars/Olympus_Mons"})
    assert resp.status_code == 400
    assert "is not a time zone we know" in resp.content.decode()
    assert 'aria-invalid="true"' in resp.content.decode()
    contributor.refresh_from_db()
    assert (contributor.display_name, contributor.timezone, contributor.github) == before


def test_p3_profile_github_handle_verified_by_someone_else_rejected(client_for, db):
    contributor = UnverifiedUserFactory()
    UserFactory(github="rosad")
    resp = client_for(contributor).post("/profile/", GOOD)
    assert resp.status_code == 400
    contributor.refresh_from_db()
    assert contributor.github != "RosaD"


def _home_with_event(client):
    record(actor=None, verb="test.happened", data={}, at=datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    return client.get("/").content.decode()


def test_anonymous_chosen_time_zone_is_remembered_and_times_show_offset(client, db):
    resp = client.post("/timezone/", {"timezone": "Asia/Tokyo", "next": "/"})
    assert resp.status_code == 302
    assert resp["Location"] == "/"
    assert resp.cookies[TZ_COOKIE].value == "Asia/Tokyo"
    body = _home_with_event(client)  # the test client keeps the cookie, as a browser would
    assert "21:00 JST (UTC+09:00)" in body
    assert 'value="Asia/Tokyo"' in body  # the picker shows the remembered zone


def test_anonymous_default_is_utc_with_offset(client, db):
    body = _home_with_event(client)
    assert '12:00 UTC"' in body


def test_unknown_time_zone_choice_is_refused_and_not_remembered(client, db):
    resp = client.post("/timezone/", {"timezone": "Nowhere/Town", "next": "/"})
    assert resp.status_code == 302
    assert TZ_COOKIE not in resp.cookies
    assert '12:00 UTC"' in _home_with_event(client)


def test_time_zone_choice_never_redirects_off_site(client, db):
    resp = client.post("/timezone/", {"timezone": "Europe/Paris", "next": "https://evil.example/"})
    assert resp["Location"] == "/"


def test_signed_in_person_sees_times_in_profile_zone(client_for, db):
    person = UserFactory(timezone="America/New_York")
    body = _home_with_event(client_for(person))
    assert "07:00 EST (UTC-05:00)" in body


def test_signed_in_choice_of_zone_is_saved_to_profile(client_for, contributor):
    client_for(contributor).post("/timezone/", {"timezone": "Europe/Berlin", "next": "/"})
    contributor.refresh_from_db()
    assert contributor.timezone == "Europe/Berlin"


def test_profile_errors_are_announced_at_the_top(client_for, contributor):
    resp = client_for(contributor).post("/profile/", {**GOOD, "timezone": "Mars/Base"})
    body = resp.content.decode()
    assert resp.status_code == 400
    assert body.index('role="alert"') < body.index('id="id_display_name"')
    assert "Your profile is not saved yet" in body


def test_p3_profile_verified_handle_cannot_be_retyped(client_for, contributor):
    resp = client_for(contributor).post("/profile/", {**GOOD, "github": "someone-else"})
    assert resp.status_code == 302
    contributor.refresh_from_db()
    assert contributor.github != "someone-else"
    assert contributor.github_verified_at is not None


def test_p3_profile_shows_a_typed_handle_as_unverified(client_for, db):
    typed = UnverifiedUserFactory(github="just-typed")
    body = client_for(typed).get("/profile/").content.decode()
    assert "unverified" in body
    assert "grants nothing" in body


@pytest.mark.parametrize(
    ("zone", "shown", "not_shown"),
    [
        ("America/Sao_Paulo", "09:00 UTC-03:00", "-03 (UTC-03:00)"),  # no abbreviation: the offset once
        ("UTC", "12:00 UTC", "UTC (UTC+00:00)"),
        ("Asia/Tokyo", "21:00 JST (UTC+09:00)", "JST JST"),
    ],
)
def test_times_say_the_offset_once(zone, shown, not_shown):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from portal.timefmt import moment_text

    with timezone.override(ZoneInfo(zone)):
        text = moment_text(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    assert shown in text
    assert not_shown not in text
