"""Form widgets the portal needs beyond Django's."""

import html

from django import forms
from django.forms.utils import flatatt
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def _escape(value) -> str:
    """`conditional_escape` without its per-call overhead (one call per option, hundreds of options)."""
    if isinstance(value, Promise):
        value = str(value)
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


class FastSelect(forms.Select):
    """A `<select>` built in Python instead of one template render per `<option>`.

    Filter forms list every group and sponsor (hundreds of options); Django's template-per-option
    rendering took most of a list page's time. Same markup and attributes; optgroups fall back to
    Django's own rendering.
    """

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _, label in choices):
            return super().render(name, value, attrs, renderer)
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = "".join(
            f'<option value="{_escape(v)}"{" selected" if str(v) in selected else ""}>{_escape(label)}</option>'
            for v, label in choices
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))  # noqa: S308 - escaped above
