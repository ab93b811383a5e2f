"""Form widgets the portal needs beyond Django's."""

import html

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import Promise, cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from portal.dataversion import memo


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
        if isinstance(self.choices, MemoChoices):
            return self._render_memo(name, value, attrs)
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _, label in choices):
            return super().render(name, value, attrs, renderer)
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(_options(choices, selected)))  # noqa: S308 - escaped

    def _render_memo(self, name, value, attrs):
        """The options as stored for this data version, with the selected one marked in place: the
        same markup as a render (an option's value is escaped identically in both)."""
        options = memo(f"{self.choices.key}:options", lambda: _options(self.choices, set()))
        for v in {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}:
            at = f'<option value="{_escape(v)}">'
            options = options.replace(at, at[:-1] + " selected>", 1)
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))  # noqa: S308 - escaped


def _options(choices, selected) -> str:
    return "".join(
        f'<option value="{_escape(v)}"{" selected" if str(v) in selected else ""}>{_escape(label)}</option>'
        for v, label in choices
    )


class MemoChoices(BaseChoiceIterator):
    """A long choice list (every group, every sponsor) read once per data version under `key`
    (portal.dataversion.memo), after the `blank` choice (one blank per key: the options are stored
    with it). Django passes a choice iterator through as
    it is (it would otherwise walk hundreds of pairs for every form built), the list is read only
    when something iterates it (validating a submitted value), and FastSelect renders its options
    once per data version.

        field.choices = MemoChoices("seps:groups", load_groups, blank=("", "Any group"))
    """

    def __init__(self, key: str, load, *, blank=None):
        self.key, self.load, self.blank = key, load, blank

    @cached_property
    def choices(self) -> list:
        rows = memo(self.key, lambda: list(self.load()))
        return [self.blank, *rows] if self.blank else list(rows)

    def __iter__(self):
        return iter(self.choices)

    def __len__(self):
        return len(self.choices)
