"""#14: the site's HTML templates are loaded without their indentation (portal/template_loaders.py):
pages carry a third fewer bytes through every cache and the network, and render exactly as before."""

import re

import pytest
from django.template.loader import get_template
from hypothesis import given
from hypothesis import strategies as st

from portal.template_loaders import compact
from tests.factories import GroupFactory, MembershipFactory, UserFactory

SOURCE = """<ul>
    <li><a href="/a/">A</a>
        <span class="badge">wg</span></li>
\t\t<li>B</li>
</ul>
  <pre class="diff">  kept
      as written</pre>
<textarea name="t">
  first line
    indented</textarea>
<script nonce="x">
    if (a) {
        b();
    }
</script>
<style>
    .x { color: red; }
</style>
"""


def test_14_compact_removes_the_indentation_and_keeps_the_line_breaks():
    out = compact(SOURCE)
    assert out.count("\n") == SOURCE.count("\n")  # template errors keep their line numbers
    assert '<a href="/a/">A</a>\n<span class="badge">' in out  # the space between them stays a break
    assert "\n<li>B</li>" in out and "\n</ul>" in out
    assert "\n<pre" in out  # a <pre>'s own indentation is not its content


@pytest.mark.parametrize("element", ["pre", "textarea", "script", "style"])
def test_14_compact_leaves_whitespace_that_is_content_as_written(element):
    block = re.search(rf"<{element}\b.*?</{element}>", SOURCE, re.S).group(0)
    assert block in compact(SOURCE)


def test_14_compact_leaves_a_pre_in_capitals_or_spread_over_a_django_tag_alone():
    source = "<div>\n  <PRE>\n  a\n  {% if x %}\n    b\n  {% endif %}</PRE>\n  </div>"
    assert "<PRE>\n  a\n  {% if x %}\n    b\n  {% endif %}</PRE>" in compact(source)


_PIECES = st.sampled_from(["<pre>", "</pre>", "<textarea>", "</textarea>", "<p>", "</p>", "a", "bc", " ", "  ",
                           "\t", "\n", "\n    ", "{% if x %}", "{{ y }}"])  # fmt: skip


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_14_compact_never_changes_what_a_browser_shows(source):
    out = compact(source)
    assert out.count("\n") == source.count("\n")
    if "<pre>" not in source and "<textarea>" not in source:
        # outside those elements a browser collapses each run of whitespace to one space
        assert re.sub(r"\s+", " ", out) == re.sub(r"\s+", " ", source)
    else:
        assert len(out) <= len(source)
        for kept in re.findall(r"<(pre|textarea)\b.*?</\1\s*>", source, re.S):
            assert kept in out


def test_14_site_templates_are_loaded_compact_and_app_templates_as_written():
    site = get_template("groups/detail.html").template.source
    assert not re.search(r"\n[ \t]+<", site), "indentation left in a site template"
    admin = get_template("admin/base.html").template.source
    assert re.search(r"\n[ \t]+<", admin), "an installed app's template was changed"


def test_14_plain_text_templates_keep_their_indentation(tmp_path, settings):
    (tmp_path / "note.txt").write_text("Agenda:\n    1. Welcome\n")
    (tmp_path / "note.html").write_text("<ol>\n    <li>Welcome</li>\n</ol>\n")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    assert get_template("note.txt").render({}) == "Agenda:\n    1. Welcome\n"
    assert get_template("note.html").render({}) == "<ol>\n<li>Welcome</li>\n</ol>\n"


@pytest.mark.django_db
def test_14_a_page_is_served_without_indentation(client_for):
    group = GroupFactory(slug="compact")
    lead = UserFactory()
    MembershipFactory(group=group, user=lead, tier="lead")
    page = client_for(lead).get("/groups/compact/")
    assert page.status_code == 200
    outside = re.sub(r"<(pre|textarea|script|style)\b.*?</\1>", "", page.content.decode(), flags=re.S)
    assert outside.count("\n") > 50
    assert not re.search(r"\n[ \t]+\S", outside)


def test_14_a_textarea_and_a_pre_in_a_site_template_render_as_written(tmp_path, settings):
    (tmp_path / "form.html").write_text(
        "<form>\n    <textarea>\n  {{ text }}\n    more</textarea>\n    <pre>  a\n    b</pre>\n</form>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    out = get_template("form.html").render({"text": "  typed"})
    assert out == "<form>\n<textarea>\n    typed\n    more</textarea>\n<pre>  a\n    b</pre>\n</form>"
