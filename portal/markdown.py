"""Markdown to sanitized HTML (markdown-it-py renders, nh3 cleans).

Raw HTML in the source is not rendered (markdown-it `html=False`), and whatever HTML comes out
is cleaned again by nh3 with an allow-list, so script, event handlers, `javascript:` links and
styles never reach a page. Headings get stable ids for outlines and anchors.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nh3
from django.utils.text import slugify
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin

# Task lists (`- [ ] todo`, `- [x] done`) render as disabled checkboxes: a record, not a form.
_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable(["table", "strikethrough"])
    .use(tasklists_plugin)
)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul", "input",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "th": {"align"}, "td": {"align"}, "ol": {"start"}, "code": {"class"},
    "ul": {"class"}, "li": {"class"}, "input": {"type", "checked", "disabled", "aria-label"},
}  # fmt: skip
# Whatever the source says, an <input> that survives is a disabled checkbox (task lists only):
# nh3 overwrites these values, so no text field, button or enabled control can be smuggled in.
FORCED_ATTRIBUTE_VALUES = {"input": {"type": "checkbox", "disabled": "disabled", "aria-label": "task"}}
CLASS_VALUES = {"contains-task-list", "task-list-item", "task-list-item-checkbox"}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@cache
def page_ids() -> frozenset[str]:
    """Fixed ids the site's templates use (`main`, `messages`, htmx targets such as `sep-state`).

    A heading written by a user must not take one: a duplicate id would capture the skip link, an
    aria reference or an htmx swap. Such a heading gets the next free suffix (`messages-1`)."""
    from django.conf import settings

    ids = set()
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(folder).rglob("*.html"):
            ids.update(re.findall(r'\bid="([A-Za-z0-9_-]+)"', path.read_text(encoding="utf-8")))
    return frozenset(ids)


def _add_heading_ids(tokens) -> list[Heading]:
    seen: dict[str, int] = dict.fromkeys(page_ids(), 1)
    headings = []
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        text = tokens[i + 1].content if i + 1 < len(tokens) else ""
        base = slugify(text) or "section"
        n = seen.get(base, 0)
        seen[base] = n + 1
        anchor = base if n == 0 else f"{base}-{n}"
        tok.attrSet("id", anchor)
        headings.append(Heading(level=int(tok.tag[1]), text=text, anchor=anchor))
    return headings


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
        set_tag_attribute_values=FORCED_ATTRIBUTE_VALUES,
        attribute_filter=_attribute_filter,
    )


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "class" and tag in ("ul", "li"):
        kept = [c for c in value.split() if c in CLASS_VALUES]
        return " ".join(kept) or None
    return value


def render_markdown_with_outline(source: str) -> tuple[str, list[Heading]]:
    tokens = _md.parse(source or "")
    headings = _add_heading_ids(tokens)
    html = _md.renderer.render(tokens, _md.options, {})
    return sanitize(html), headings


def render_markdown(source: str) -> str:
    """Sanitized HTML for `source`; store it beside the source when saving (DESIGN 8)."""
    return render_markdown_with_outline(source)[0]


class RenderedMarkdownMixin:
    """Models whose free text is written in markdown: `MARKDOWN_FIELDS = {"details": "details_html"}`.

    Every save renders the sanitized HTML beside its source (DESIGN 8: once on save, not per
    request), whichever path saved it (services, admin, importers); a save limited by
    `update_fields` that names a source also writes its HTML. (QuerySet.update and bulk_create
    bypass save(): do not use them for these fields.)"""

    MARKDOWN_FIELDS: dict[str, str] = {}

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        for source, target in self.MARKDOWN_FIELDS.items():
            if update_fields is None or source in update_fields:
                setattr(self, target, render_markdown(getattr(self, source) or ""))
                if update_fields is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], target}
        super().save(*args, **kwargs)
