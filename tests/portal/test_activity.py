"""Event rows as sentences: every known verb has a phrase that formats with the data its service records."""

import pytest

from portal import activity
from portal.events import record
from portal.models import Event
from tests.factories import GroupFactory, MembershipFactory, UserFactory


def _describe(verb, **kw):
    event = record(verb=verb, **kw)
    return activity.describe(activity.for_sentences(Event.objects.filter(pk=event.pk)).get())


def _text(s):
    return f"{s.actor} {s.before}{s.link_text}{s.after}"


@pytest.mark.parametrize("verb", sorted(activity.PHRASES))
def test_every_phrase_formats_without_dotted_codes(db, verb):
    actor = UserFactory(display_name="Ana Test")
    membership = MembershipFactory(group=GroupFactory(name="Transports WG"))
    data = {"from": "participant", "to": "member", "number": 7}
    s = _describe(verb, actor=actor, target=membership, data=data)
    assert s.actor == "Ana Test"
    assert "{" not in _text(s)
    assert verb not in _text(s)
    assert s.link_text, "every sentence links its object or group"


def test_labels_come_from_the_choices(db):
    target = UserFactory(display_name="Kai Test")
    s = _describe(
        "user.ladder_role_changed", actor=None, target=target, data={"from": "member", "to": "core_maintainer"}
    )
    assert _text(s) == "The portal changed the role of Kai Test to core maintainer"
    assert s.link_url == ""  # people have no page of their own


def test_phrase_needing_missing_data_falls_back(db):
    group = GroupFactory(name="Registry WG")
    s = _describe("sep.status_changed", actor=None, target=group, data={})
    assert _text(s) == "The portal status changed: Registry WG"


def test_group_phrase_without_group_links_the_target_instead(db):
    target = UserFactory(display_name="Orphan")
    s = _describe("membership.left", actor=None, target=target)
    assert _text(s) == "The portal left Orphan"


def test_odd_rows_still_read(db):
    """Rows written by hand (admin, shell, old code) may lack data or hold a list: never a crash."""
    event = Event.objects.create(verb="sep.status_changed", data=["not", "a", "dict"], target_repr="SEP-12: Old")
    s = activity.describe(activity.for_sentences(Event.objects.filter(pk=event.pk)).get())
    assert _text(s) == "The portal status changed: SEP-12: Old"
