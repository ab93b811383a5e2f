"""Form widgets the portal needs beyond Django's."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

SELECTED = mark_safe(" selected")  # noqa: S308 - a constant


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
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(v), SELECTED if str(v) in selected else "", label) for v, label in choices),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)
