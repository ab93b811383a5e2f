"""A small YAML reader for the subset docker-compose.yml uses (PyYAML is not a dependency).

Block mappings and sequences by indentation, plain/quoted scalars, flow sequences `[a, "b"]`,
empty values, comments, anchors `&name`, aliases `*name` and merge keys `<<: *name`. Anything
else raises ValueError, so a malformed file fails the test rather than parsing loosely.
"""

import json
import re

_KEY = re.compile(r"""^(?P<key>"[^"]*"|'[^']*'|[^\s#'"][^:#]*?|<<)\s*:(?:\s+|$)(?P<rest>.*)$""")


def _strip_comment(text: str) -> str:
    out, quote = [], None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1].isspace()):
            break
        out.append(ch)
    if quote:
        raise ValueError(f"unclosed quote in {text!r}")
    return "".join(out).rstrip()


def _scalar(text: str, anchors: dict):
    text = text.strip()
    if text.startswith("*"):
        return anchors[text[1:]]
    if text.startswith('"'):
        if not text.endswith('"') or len(text) < 2:
            raise ValueError(f"bad string {text!r}")
        return json.loads(text)
    if text.startswith("'"):
        if not text.endswith("'") or len(text) < 2:
            raise ValueError(f"bad string {text!r}")
        return text[1:-1].replace("''", "'")
    if text.startswith("["):
        if not text.endswith("]"):
            raise ValueError(f"bad flow sequence {text!r}")
        inner = text[1:-1].strip()
        return [_scalar(part, anchors) for part in _split_flow(inner)] if inner else []
    if text.startswith(("{", "&", "|", ">")):
        raise ValueError(f"unsupported YAML in {text!r}")
    if re.fullmatch(r"[-+]?[0-9]+", text):
        return int(text)
    return {"": None, "~": None, "null": None, "true": True, "false": False}.get(text, text)


def _split_flow(inner: str) -> list[str]:
    parts, buf, quote = [], [], None
    for ch in inner:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == ",":
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return parts


def loads(text: str):
    lines = []
    for raw in text.splitlines():
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise ValueError("tabs in indentation")
        stripped = _strip_comment(raw)
        if stripped.strip():
            lines.append((len(stripped) - len(stripped.lstrip()), stripped.strip()))
    anchors: dict = {}
    value, pos = _block(lines, 0, lines[0][0] if lines else 0, anchors)
    if pos != len(lines):
        raise ValueError(f"unexpected indentation at: {lines[pos][1]!r}")
    return value


def _block(lines, pos, indent, anchors):
    if lines[pos][1].startswith("- ") or lines[pos][1] == "-":
        return _sequence(lines, pos, indent, anchors)
    return _mapping(lines, pos, indent, anchors)


def _value(rest, lines, pos, indent, anchors):
    """The value after `key:` or `- `; may open a nested block on the following lines."""
    anchor = None
    if rest.startswith("&"):
        anchor, _, rest = rest[1:].partition(" ")
        rest = rest.strip()
    if rest:
        value = _scalar(rest, anchors)
    elif pos < len(lines) and lines[pos][0] > indent:
        value, pos = _block(lines, pos, lines[pos][0], anchors)
    elif pos < len(lines) and lines[pos][0] == indent and lines[pos][1].startswith("- "):
        value, pos = _sequence(lines, pos, indent, anchors)  # compact: sequence under a key, same indent
    else:
        value = None
    if anchor:
        anchors[anchor] = value
    return value, pos


def _mapping(lines, pos, indent, anchors):
    result: dict = {}
    while pos < len(lines) and lines[pos][0] == indent:
        match = _KEY.match(lines[pos][1])
        if not match:
            raise ValueError(f"expected `key: value`, got {lines[pos][1]!r}")
        key = _scalar(match["key"], anchors) if match["key"][0] in "\"'" else match["key"].strip()
        value, pos = _value(match["rest"].strip(), lines, pos + 1, indent, anchors)
        if key == "<<":
            if not isinstance(value, dict):
                raise ValueError("merge key needs a mapping")
            result = {**value, **result}
        elif key in result:
            raise ValueError(f"duplicate key {key!r}")
        else:
            result[key] = value
    if pos < len(lines) and lines[pos][0] > indent:
        raise ValueError(f"unexpected indentation at: {lines[pos][1]!r}")
    return result, pos


def _sequence(lines, pos, indent, anchors):
    items = []
    while pos < len(lines) and lines[pos][0] == indent and (lines[pos][1].startswith("- ") or lines[pos][1] == "-"):
        rest = lines[pos][1][1:].strip()
        if _KEY.match(rest) and not rest.startswith(("'", '"', "[")):
            # `- key: value` starts a mapping whose keys sit two columns in.
            nested = [(indent + 2, rest)]
            pos += 1
            while pos < len(lines) and lines[pos][0] > indent:
                nested.append(lines[pos])
                pos += 1
            value, used = _mapping(nested, 0, indent + 2, anchors)
            if used != len(nested):
                raise ValueError(f"bad sequence item near {rest!r}")
        else:
            value, pos = _value(rest, lines, pos + 1, indent, anchors)
        items.append(value)
    return items, pos
