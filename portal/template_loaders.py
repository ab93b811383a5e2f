"""The site's own HTML templates without their indentation, removed once, when a template is loaded.

djLint indents templates for people; browsers collapse every run of whitespace outside `<pre>`,
`<textarea>`, `<script>` and `<style>` to one space, so the indentation is bytes that every page
carries for nothing (a third of the group-health page: 119 KB -> 80 KB), through the fragment and
response caches, Redis and the network, on every hit. Only whitespace *after a line break* is
removed, so a run of whitespace never disappears (the line break stays, and renders as the space it
stood for) and line numbers in template errors stay right. Those four elements are left as written.
Plain-text templates (mail, `.txt`) are never touched, nor are templates of installed apps.
"""

import re

from django.template.loaders import filesystem

_AS_WRITTEN = re.compile(r"(<(pre|textarea|script|style)\b.*?</\2\s*>)", re.S | re.I)
_INDENT = re.compile(r"\n[ \t]+")


def compact(source: str) -> str:
    """`source` with the spaces and tabs that start each line removed, except inside the elements
    whose whitespace is content (see the module's docstring)."""
    parts = _AS_WRITTEN.split(source)  # [text, element, name, text, element, name, ..., text]
    out = []
    for i in range(0, len(parts), 3):
        out.append(_INDENT.sub("\n", parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out)


class Loader(filesystem.Loader):
    """The filesystem loader (settings.TEMPLATES DIRS) with `compact` applied to `.html` files."""

    def get_contents(self, origin):
        contents = super().get_contents(origin)
        return compact(contents) if origin.name.endswith(".html") else contents
