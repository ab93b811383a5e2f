"""Read a page as HTML, not as bytes: tests about structure stay true when templates are reformatted."""

from django.test.html import Element, parse_html


def _walk(node):
    for child in getattr(node, "children", []):
        if isinstance(child, Element):
            yield child
            yield from _walk(child)


def attr(el: Element, name: str) -> str | None:
    return next((v for k, v in el.attributes if k == name), None)


def _has(el: Element, key: str, want: str) -> bool:
    have = attr(el, key)
    if key == "class":
        return have is not None and want in have.split()
    return have == want


def find_all(html: str | Element, tag: str, *, within: str | None = None, **attrs) -> list[Element]:
    """Elements named `tag` whose attributes include `attrs` (`aria_current="page"` is aria-current;
    `class_="x"` matches one class among
    several); `within="upcoming-h"` looks only inside the element with that aria-labelledby."""
    root = parse_html(html) if isinstance(html, str) else html
    if within is not None:
        root = next(el for el in _walk(root) if attr(el, "aria-labelledby") == within)
    found = []
    for el in _walk(root):
        if el.name != tag:
            continue
        if all(_has(el, key.rstrip("_").replace("_", "-"), want) for key, want in attrs.items()):
            found.append(el)
    return found


def text(el: Element) -> str:
    """The element's text with whitespace collapsed, as a reader sees it."""
    parts = []

    def collect(node):
        for child in node.children:
            if isinstance(child, str):
                parts.append(child)
            else:
                collect(child)

    collect(el)
    return " ".join(" ".join(parts).split())


def links(html: str | Element, **attrs) -> list[tuple[str | None, str]]:
    """(href, text) of every <a> matching `attrs`: what a reader can follow, in page order."""
    return [(attr(a, "href"), text(a)) for a in find_all(html, "a", **attrs)]
