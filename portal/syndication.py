"""Atom feeds that stay well-formed for any text (issue 8, kind 4; S6).

Django's feed generator refuses characters XML 1.0 forbids (a vertical tab in a status reason made
`/seps/feed/` answer 500 for everyone). Every string handed to a feed passes through `xml_safe` here,
once, whatever field it comes from.
"""

from django.utils.feedgenerator import Atom1Feed

from .validation import xml_safe


def _safe(value):
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_safe(v) for v in value)
    return value


class SafeAtom1Feed(Atom1Feed):
    def __init__(self, *args, **kwargs):
        super().__init__(*[_safe(a) for a in args], **{k: _safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*[_safe(a) for a in args], **{k: _safe(v) for k, v in kwargs.items()})
