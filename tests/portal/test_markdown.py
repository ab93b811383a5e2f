"""Markdown renders to sanitized HTML: a corpus of classic XSS payloads comes out inert."""

import html as html_lib
import re
from html.parser import HTMLParser

import pytest

from portal.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown, render_markdown_with_outline

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](%6A%61%76%61%73%63%72%69%70%74:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '![img](x" onerror="alert(1))',
    "[ref][1]\n\n[1]: javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div onmouseover="alert(1)">hover</div>',
    "<body onload=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "`code` <details open ontoggle=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<link rel=stylesheet href=javascript:alert(1)>",
    '<base href="javascript:alert(1)//">',
    "[a](vbscript:msgbox(1))",
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |",
    "> <img src=x onerror=alert(1)>\n> [q](javascript:alert(1))",
    "# Heading <script>alert(1)</script>",
    "```html\n<script>alert(1)</script>\n```",
]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def _scheme(url: str) -> str | None:
    """The scheme a browser would see: control characters and whitespace are dropped first."""
    cleaned = re.sub(r"[\x00-\x20]", "", html_lib.unescape(url)).lower()
    match = re.match(r"^([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else None


def assert_inert(html: str):
    # No live markup that runs code: raw "<script" or a tag carrying an event handler.
    assert not re.search(r"<\s*/?\s*script", html, re.I), html
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", html, re.I), html
    for tag, attrs in _elements(html):
        assert tag in ALLOWED_TAGS, f"<{tag}> survived in {html!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"{name} on <{tag}> in {html!r}"
            assert name not in {"style", "srcdoc", "formaction", "action", "data"}, f"{name} in {html!r}"
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, f"{name} on <{tag}> in {html!r}"
            unescaped = re.sub(r"[\x00-\x20]", "", html_lib.unescape(value or "")).lower()
            assert not unescaped.startswith(("javascript:", "vbscript:", "data:")), f"{value!r} in {html!r}"
            if name in {"href", "src"}:
                assert _scheme(value or "") in {None, "http", "https", "mailto"}, f"{value!r} in {html!r}"
        if tag == "input":  # task lists only: a disabled checkbox, never a live control
            assert dict(attrs).get("type") == "checkbox", html
            assert "disabled" in dict(attrs), html


def _elements(html):
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser.elements


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_payload_renders_inert(payload):
    assert_inert(render_markdown(payload))


def test_xss_corpus_is_large_enough():
    assert len(XSS_CORPUS) >= 25


def test_inertness_check_would_catch_live_payloads():
    """The checker itself can fail: raw unsanitized HTML trips it."""
    for live in (
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "<script>x</script>",
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<p style="x">y</p>',
    ):
        with pytest.raises(AssertionError):
            assert_inert(live)


def test_code_blocks_keep_payload_as_visible_escaped_text():
    html = render_markdown("```html\n<script>alert(1)</script>\n```")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<pre><code" in html


def test_normal_markdown_survives():
    src = (
        "# Title\n\nSome *emphasis*, **strong**, ~~gone~~ and `code`.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n"
        "> quoted\n\n"
        "| Name | Role |\n|:-----|-----:|\n| Ana | member |\n\n"
        "```python\nprint('hi')\n```\n\n"
        "[spec](https://modelcontextprotocol.io/spec) and [mail](mailto:a@example.org) "
        "and [relative](/seps/) and ![logo](https://example.org/logo.png)\n"
    )
    html = render_markdown(src)
    for fragment in (
        '<h1 id="title">Title</h1>',
        "<em>emphasis</em>",
        "<strong>strong</strong>",
        "<del>gone</del>" if "<del>" in html else "<s>gone</s>",
        "<code>code</code>",
        "<li>one</li>",
        "<ol>",
        "<blockquote>",
        "<table>",
        '<th align="left">Name</th>' if 'align="left"' in html else "<th>Name</th>",
        "<td>Ana</td>" if "<td>Ana</td>" in html else "Ana</td>",
        '<code class="language-python">',
        'href="https://modelcontextprotocol.io/spec"',
        'href="mailto:a@example.org"',
        'href="/seps/"',
        'src="https://example.org/logo.png"',
        'rel="nofollow noopener noreferrer"',
    ):
        assert fragment in html, fragment


def test_outline_gives_unique_anchors():
    html, headings = render_markdown_with_outline("# Abstract\n\n## Motivation\n\n## Motivation\n")
    assert [(h.level, h.text, h.anchor) for h in headings] == [
        (1, "Abstract", "abstract"),
        (2, "Motivation", "motivation"),
        (2, "Motivation", "motivation-1"),
    ]
    assert 'id="motivation-1"' in html


def test_empty_source_renders_empty():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_headings_never_take_an_id_the_page_uses():
    """A heading called "Messages" or "Main" must not capture the skip link, aria references or htmx targets."""
    from portal.markdown import page_ids

    assert {"main", "messages", "queues"} <= page_ids()
    html, headings = render_markdown_with_outline("# Main\n\n## Messages\n\n## Messages\n\n## Abstract\n")
    assert [h.anchor for h in headings] == ["main-1", "messages-1", "messages-2", "abstract"]
    assert 'id="main"' not in html
    assert 'id="messages"' not in html


def test_task_lists_render_as_disabled_checkboxes():
    html = render_markdown("- [ ] write the agenda\n- [x] book the room\n")
    boxes = [dict(attrs) for tag, attrs in _elements(html) if tag == "input"]
    assert len(boxes) == 2
    assert all(b["type"] == "checkbox" and "disabled" in b for b in boxes)
    assert "checked" not in boxes[0]
    assert "checked" in boxes[1]
    assert "[ ]" not in html


@pytest.mark.parametrize(
    "source",
    [
        '<input type="text" value="x" onfocus="alert(1)">',
        "- [ ] <input type=submit formaction=javascript:alert(1)>",
        '<ul class="contains-task-list evil"><li class="task-list-item x">y</li></ul>',
    ],
)
def test_task_list_markup_cannot_smuggle_a_live_control(source):
    from portal.markdown import sanitize

    for html in (render_markdown(source), sanitize(source)):
        assert_inert(html)
        assert not any("evil" in (v or "") for _, attrs in _elements(html) for _, v in attrs)


def test_sanitize_keeps_only_task_list_classes():
    from portal.markdown import sanitize

    html = sanitize('<ul class="contains-task-list evil"><li class="task-list-item x">y</li></ul>')
    assert 'class="contains-task-list"' in html
    assert 'class="task-list-item"' in html
