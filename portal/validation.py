"""Checks every service makes on what it stores (issue 8, kind 8: services validate what forms validate).

Services are the contract: the pages, the admin, the importers, the GitHub sync, the API and MCP tools
all call them, many without a form. So every check a form makes that protects data lives here once and
the services call it; a form may check the same earlier to show the error beside its field.

Each function returns the cleaned value or raises `DomainError` with a message a person can act on.
Also here: `xml_safe` / `text_safe`, the one place that says which characters may reach a feed.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from .errors import DomainError

# XML 1.0 allows TAB, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF; nothing else.
_XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Control characters (C0 except TAB/LF/CR, DEL, C1) and lone surrogates: never useful in stored text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_SEPARATORS = re.compile("[\u2028\u2029]")
_ONE_LINE_BREAKS = re.compile("[\r\n\u2028\u2029\u0085]+")

WEB_SCHEMES = ("http", "https")
_url_validator = URLValidator(schemes=list(WEB_SCHEMES))


def xml_safe(text) -> str:
    """`text` with every character XML 1.0 forbids replaced by U+FFFD, so an Atom feed stays well-formed."""
    return _XML_FORBIDDEN.sub("\ufffd", str(text or ""))


def text_safe(text) -> str:
    """`text` without control characters, every line break a LF (TAB kept): for calendars and other
    plain-text outputs whose readers choke on them (RFC 5545 forbids CONTROL in TEXT values, and a bare
    CR ends a content line for some readers)."""
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _LINE_SEPARATORS.sub("\n", _CONTROL.sub("", text))


def clean_text(value, *, label: str, max_length: int | None = None, required: bool = True, one_line=False) -> str:
    """Stripped text without control characters (a NUL would fail on PostgreSQL with a 500)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(f"{label} must be text.")
    value = _CONTROL.sub("", value.replace("\r\n", "\n"))
    if one_line:
        value = _ONE_LINE_BREAKS.sub(" ", value)
    value = value.strip()
    if required and not value:
        raise DomainError(f"{label} is required.")
    if max_length is not None and len(value) > max_length:
        raise DomainError(f"{label} is too long: at most {max_length} characters (it has {len(value)}).")
    return value


def clean_web_url(value, *, label: str, max_length: int = 500, required: bool = True) -> str:
    """An http(s) link, as the forms' URL fields accept it (no javascript:, ftp:, file: ...)."""
    value = clean_text(value, label=label, max_length=max_length, required=required, one_line=True)
    if not value:
        return ""
    if urlsplit(value).scheme.lower() not in WEB_SCHEMES:
        raise DomainError(f"{label} must be a web link starting with https:// or http://.")
    try:
        _url_validator(value)
    except ValidationError:
        raise DomainError(f"{label} is not a valid web address.") from None
    return value


def clean_timezone(value, *, label: str = "The time zone") -> str:
    from .models import validate_timezone

    value = value.strip() if isinstance(value, str) else ""
    try:
        validate_timezone(value)
    except ValidationError:
        raise DomainError(
            f"{label} “{value[:64]}” is not one we know. Use a name such as Europe/Berlin or America/New_York."
        ) from None
    return value


def clean_choice(value, choices, *, label: str) -> str:
    """One of a TextChoices' values."""
    values = choices.values if hasattr(choices, "values") else list(choices)
    if value not in values:
        raise DomainError(f"{label} must be one of: {', '.join(str(v) for v in values)}.")
    return value
