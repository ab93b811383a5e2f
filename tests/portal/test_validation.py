"""portal.validation: the one place services clean free text and feeds make it safe (issue 8, kinds 4 and 8)."""

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.errors import DomainError
from portal.validation import clean_text, clean_timezone, clean_web_url, text_safe, xml_safe

ANY = st.text(st.characters(), max_size=60)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FAST = settings(max_examples=50, deadline=None)


@FAST
@given(ANY)
def test_s6_xml_safe_text_always_parses_as_xml(text):
    doc = f"<t>{xml_safe(text).replace('&', '&amp;').replace('<', '&lt;')}</t>"
    ET.fromstring(doc.encode("utf-8", "surrogatepass"))


@FAST
@given(ANY)
def test_m6_text_safe_has_no_control_characters_and_no_bare_cr(text):
    out = text_safe(text)
    assert not CONTROL.search(out)
    assert "\r" not in out


@FAST
@given(ANY)
def test_m1_clean_text_is_stripped_free_of_controls_and_idempotent(text):
    try:
        out = clean_text(text, label="Text", max_length=60, required=False)
    except DomainError:
        return
    assert not CONTROL.search(out)
    assert out == out.strip()
    assert clean_text(out, label="Text", max_length=60, required=False) == out


def test_m1_clean_text_says_which_field_is_too_long():
    with pytest.raises(DomainError, match="The title is too long: at most 3"):
        clean_text("abcd", label="The title", max_length=3)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://x.test/a", "file:///etc/passwd", "data:text/html,x", "//x.test", "x"]
)
def test_m1_only_web_links_are_links(url):
    with pytest.raises(DomainError):
        clean_web_url(url, label="The join link")


def test_m1_a_web_link_is_kept():
    assert clean_web_url(" https://meet.example.test/room?x=1 ", label="Link") == "https://meet.example.test/room?x=1"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "utc ", "Europe/Berlin\x00"])
def test_m1_unknown_time_zones_are_refused(zone):
    with pytest.raises(DomainError):
        clean_timezone(zone)
