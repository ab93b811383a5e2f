"""Reading SEP markdown files (RULES S7): title, preamble in any of its real-world shapes, authors.

`parse_sep(filename, data)` never raises on bad input: it returns a `Parsed` with `error` set
(and `skipped` for files that carry no SEP number). `apply_parsed(...)` writes one file inside
the caller's transaction. The file's own status is the source of truth on import.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from dateutil import parser as dateparser
from django.utils.text import slugify

from .models import SEP_REPOSITORY, SEPType, Status

MAX_BYTES = 1_000_000  # the largest real SEP is ~55 KB; anything this large is not a SEP

# Preamble field names (lower case, without markup) -> our key.
FIELD_NAMES = {
    "status": "status",
    "type": "type",
    "created": "created",
    "date": "created",
    "author": "authors",
    "authors": "authors",
    "author(s)": "authors",
    "sponsor": "sponsor",
    "sponsors": "sponsor",
    "pr": "pr",
    "pull request": "pr",
    "pull-request": "pr",
    "issue": "discussion",
    "discussion": "discussion",
    "discussions": "discussion",
    "title": "title",
    "sep": "number",
    "sep number": "number",
    "number": "number",
    "group": "group",
    "working group": "group",
    "wg": "group",
    "reference implementation": "reference_implementation",
    "superseded by": "superseded_by",
    "superseded-by": "superseded_by",
}
CORE_KEYS = {"status", "type", "created", "authors", "sponsor"}
FILLABLE = {"sponsor", "pr", "discussion", "group", "reference_implementation", "superseded_by"}
LABELS = {"pr": "PR", "reference_implementation": "reference implementation", "superseded_by": "superseded-by"}

STATUS_WORDS = {
    "proposal": Status.PROPOSAL,
    "proposed": Status.PROPOSAL,
    "idea": Status.PROPOSAL,
    "awaiting sponsor": Status.PROPOSAL,
    "seeking sponsor": Status.PROPOSAL,
    "tbd": Status.PROPOSAL,
    "draft": Status.DRAFT,
    "in review": Status.IN_REVIEW,
    "review": Status.IN_REVIEW,
    "accepted": Status.ACCEPTED,
    "accepted with changes": Status.ACCEPTED,
    "approved": Status.ACCEPTED,
    "approved with changes": Status.ACCEPTED,
    "final": Status.FINAL,
    "rejected": Status.REJECTED,
    "declined": Status.REJECTED,
    "withdrawn": Status.WITHDRAWN,
    "superseded": Status.SUPERSEDED,
    "dormant": Status.DORMANT,
}
TYPE_WORDS = {
    "standards track": SEPType.STANDARDS,
    "standards": SEPType.STANDARDS,
    "standard": SEPType.STANDARDS,
    "extensions track": SEPType.EXTENSIONS,
    "extension track": SEPType.EXTENSIONS,
    "extensions": SEPType.EXTENSIONS,
    "extension": SEPType.EXTENSIONS,
    "informational": SEPType.INFORMATIONAL,
    "process": SEPType.PROCESS,
}
NO_SPONSOR = {"", "none", "tbd", "seeking", "n/a", "na", "-", "—", "nobody", "none yet", "seeking sponsor", "?"}

TITLE_RE = re.compile(r"^#\s+(?:SEP[\s-]*(?P<num>[0-9]+|\{?[A-Za-z]+\}?)\s*[:.\-–—]\s*)?(?P<title>.+?)\s*#*\s*$", re.I)
FILE_RE = re.compile(r"^(?P<num>\d+)-+(?P<slug>.*?)\.(md|markdown)$", re.I)
BULLET_RE = re.compile(r"^\s*[-*+]\s+\*\*(?P<key>[^*]+?)\s*(?::\s*\*\*|\*\*\s*:)\s*(?P<val>.*)$")
BOLD_RE = re.compile(r"^\s*\*\*(?P<key>[^*]+?)\s*(?::\s*\*\*|\*\*\s*:)\s*(?P<val>.*)$")
HTML_RE = re.compile(
    r"^\s*<(?P<tag>b|strong)>\s*(?P<key>[^<]+?)\s*(?::\s*</(?P=tag)>|</(?P=tag)>\s*:)\s*(?P<val>.*?)\s*$", re.I
)
PLAIN_RE = re.compile(r"^\s*[-*+]?\s*(?P<key>[A-Za-z][A-Za-z() -]{0,30}?)\s*:\s*(?P<val>.*)$")
TABLE_ROW_RE = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
HANDLE_RE = re.compile(r"^@?[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
GITHUB_URL_RE = re.compile(r"github\.com/(?P<h>[A-Za-z0-9-]+)/?$", re.I)
GROUP_WORDS_RE = re.compile(r"\b(working group|interest group|wg|ig)\b", re.I)


@dataclass
class Parsed:
    file: str
    number: int | None = None
    title: str = ""
    slug: str = ""
    status: str | None = None
    status_raw: str = ""
    type: str | None = None
    created: date | None = None
    authors: list[dict] = field(default_factory=list)
    sponsor: dict | None = None
    pr: str = ""
    discussion: str = ""
    group: str = ""
    reference_implementation: str = ""
    superseded_by: int | None = None
    body: str = ""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False
    changed: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """Exactly the keys the import's `--format json` promises."""
        sponsor = None
        if self.sponsor:
            sponsor = self.sponsor.get("github") or self.sponsor.get("name") or None
        return {
            "file": self.file,
            "number": self.number,
            "title": self.title or None,
            "status": self.status,
            "type": self.type,
            "created": self.created.isoformat() if self.created else None,
            "authors": [{"name": a["name"], "github": a["github"] or None} for a in self.authors],
            "sponsor": sponsor,
            "pr": self.pr or None,
            "warnings": list(self.warnings),
            "error": self.error,
        }


def _clean(value: str) -> str:
    """Strip markdown emphasis, code ticks and HTML tags around a preamble value."""
    value = re.sub(r"<br\s*/?>", "\n", value, flags=re.I)
    value = re.sub(r"</?(?:b|strong|em|i|code|span|p|a|u|sup|sub)(?:\s[^>]*)?>", "", value, flags=re.I)
    value = value.replace("**", "").replace("`", "")
    value = re.sub(r"(?<![A-Za-z0-9])_(.+?)_(?![A-Za-z0-9])", r"\1", value)
    return value.strip()


def _key(raw: str) -> str | None:
    k = _clean(raw).strip().rstrip(":").strip().lower()
    k = re.sub(r"\s+", " ", k)
    return FIELD_NAMES.get(k)


# --- preamble blocks -----------------------------------------------------------------------------


@dataclass
class Block:
    style: str
    start: int
    end: int  # exclusive line index
    fields: dict = field(default_factory=dict)  # key -> raw value


def _front_matter(lines: list[str]) -> Block | None:
    if not lines or lines[0].strip() != "---":
        return None
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return None
    block = Block("yaml", 0, end + 1)
    current = None
    for line in lines[1:end]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^(?P<key>[A-Za-z][\w() -]*?)\s*:\s*(?P<val>.*)$", line)
        if m and not line[0].isspace():
            current = _key(m["key"])
            if current:
                val = m["val"].strip()
                if val.startswith("[") and val.endswith("]"):
                    val = "\n".join(v.strip().strip("'\"") for v in val[1:-1].split(","))
                block.fields[current] = val.strip("'\"")
            continue
        item = re.match(r"^\s+-\s*(?P<val>.+)$", line) or re.match(r"^\s+(?P<val>\S.*)$", line)
        if item and current:
            sep = "\n" if block.fields.get(current) else ""
            block.fields[current] = block.fields.get(current, "") + sep + item["val"].strip().strip("'\"")
    return block


def _line_field(line: str, style: str):
    if style == "bullet":
        m = BULLET_RE.match(line)
    elif style == "bold":
        m = BOLD_RE.match(line)
    elif style == "html":
        m = HTML_RE.match(line)
    elif style == "plain":
        m = PLAIN_RE.match(line)
    else:
        return None
    return (m["key"], m["val"]) if m else None


def _table_block(lines: list[str], i: int) -> Block | None:
    block = Block("table", i, i)
    j = i
    while j < len(lines) and TABLE_ROW_RE.match(lines[j]):
        cells = [c.strip() for c in TABLE_ROW_RE.match(lines[j])["cells"].split("|")]
        if len(cells) >= 2 and not re.fullmatch(r":?-{2,}:?", cells[0].replace(" ", "")):
            key = _key(cells[0])
            if key and key not in block.fields:
                block.fields[key] = " ".join(c for c in cells[1:] if c)
        j += 1
    block.end = j
    return block


def _styled_block(lines: list[str], i: int, style: str) -> Block:
    block = Block(style, i, i)
    current = None
    j = i
    while j < len(lines):
        line = lines[j]
        found = _line_field(line, style)
        if found:
            current = _key(found[0])
            if current and current not in block.fields:
                block.fields[current] = found[1]
            elif current:
                current = None  # a repeated key inside one block: keep the first
            j += 1
            continue
        stripped = line.strip()
        continuation = bool(stripped) and (
            (line[:1].isspace() and style in ("bullet", "bold"))
            or (style == "html" and not stripped.startswith("#"))
            or (style == "plain" and not stripped.startswith("#") and not stripped.startswith("|"))
        )
        if continuation and current:
            piece = re.sub(r"^[-*+]\s+", "", stripped)
            sep = "\n" if block.fields[current].strip() else ""
            block.fields[current] = block.fields[current].rstrip() + sep + piece
            j += 1
            continue
        if continuation:
            j += 1
            continue
        break
    block.end = j
    return block


def _blocks(lines: list[str]) -> list[Block]:
    out = []
    fm = _front_matter(lines)
    i = 0
    if fm:
        out.append(fm)
        i = fm.end
    in_fence = False
    preamble_section = False
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            i += 1
            continue
        if in_fence:
            i += 1
            continue
        if line.startswith("#"):
            preamble_section = bool(re.match(r"^#{2,6}\s+preamble\b", line.strip(), re.I))
            i += 1
            continue
        block = None
        if TABLE_ROW_RE.match(line):
            block = _table_block(lines, i)
        elif BULLET_RE.match(line):
            block = _styled_block(lines, i, "bullet")
        elif BOLD_RE.match(line):
            block = _styled_block(lines, i, "bold")
        elif HTML_RE.match(line):
            block = _styled_block(lines, i, "html")
        elif preamble_section and PLAIN_RE.match(line):
            block = _styled_block(lines, i, "plain")
        if block is None or block.end <= i:
            i += 1
            continue
        if len(CORE_KEYS & set(block.fields)) >= 2:
            out.append(block)
        i = block.end
    return out


# --- values --------------------------------------------------------------------------------------


def map_status(raw: str) -> tuple[str | None, int | None]:
    """Status word -> S2 value (case-insensitive); also returns a successor number if named."""
    text = _clean(raw).lower()
    successor = None
    m = re.search(r"superseded\s+by\s+(?:sep[\s-]*)?#?(\d+)", text)
    if m:
        successor = int(m[1])
        return Status.SUPERSEDED, successor
    text = re.sub(r"[\s_-]+", " ", text).strip(" .()")
    return STATUS_WORDS.get(text), successor


def map_type(raw: str) -> str | None:
    text = re.sub(r"[\s_-]+", " ", _clean(raw).lower()).strip(" .")
    return TYPE_WORDS.get(text)


def parse_date(raw: str) -> date | None:
    text = _clean(raw)
    if not text:
        return None
    try:
        return dateparser.parse(text, fuzzy=False, default=None).date()
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None


def _split_top_level(text: str) -> list[str]:
    """Split on separators that are not inside parentheses or angle brackets."""
    parts, depth, buf = [], 0, []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "(<[":
            depth += 1
        elif ch in ")>]":
            depth = max(0, depth - 1)
        if depth == 0 and ch in ",;\n&":
            parts.append("".join(buf))
            buf = []
        elif depth == 0 and text[i : i + 5].lower() == " and ":
            parts.append("".join(buf))
            buf = []
            i += 5
            continue
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def parse_person(piece: str) -> dict | None:
    """One author or sponsor: `Name <email> (@handle)`, `Name (@handle)`, `@handle`, `handle`,
    `Name (email)`, `[Name](https://github.com/handle)` or a plain name (a person or a group)."""
    text = _clean(piece)
    text = re.sub(r"^[-*+]\s+", "", text).strip()
    text = re.sub(r"^(?:and\s+)?(?:on behalf of\s+(?:the\s+)?)?", "", text, flags=re.I).strip()
    if not text:
        return None
    name, github, email = "", "", ""
    link = re.match(r"^\[(?P<n>[^\]]+)\]\((?P<u>[^)]+)\)(?P<rest>.*)$", text)
    if link:
        gh = GITHUB_URL_RE.search(link["u"].strip())
        github = gh["h"] if gh else ""
        text = (link["n"] + link["rest"]).strip()
    for paren in re.findall(r"\(([^)]*)\)", text):
        for token in re.split(r"[,\s]+", paren.strip()):
            if token.startswith("@") and HANDLE_RE.match(token):
                github = github or token[1:]
            elif EMAIL_RE.fullmatch(token.strip("<>")):
                email = email or token.strip("<>")
            elif GITHUB_URL_RE.search(token):
                github = github or GITHUB_URL_RE.search(token)["h"]
    angle = re.search(r"<([^>]+)>", text)
    if angle and EMAIL_RE.fullmatch(angle[1].strip()):
        email = email or angle[1].strip()
    rest = re.sub(r"\([^)]*\)|<[^>]*>", " ", text)
    rest = re.sub(r"\s+", " ", rest).strip(" ,;")
    if rest.startswith("@") and HANDLE_RE.match(rest):
        github, rest = github or rest[1:], ""
    elif rest and " " not in rest and HANDLE_RE.match(rest) and not github and not email:
        github, rest = rest, ""  # a bare handle
    elif EMAIL_RE.fullmatch(rest or "-"):
        email, rest = email or rest, ""
    name = rest or github or email
    if not (name or github or email):
        return None
    return {"name": name[:200], "github": github, "email": email}


def parse_authors(raw: str) -> list[dict]:
    text = _clean(raw)
    # Nothing at all between one `(@handle)` and the next name: put a separator there.
    text = re.sub(r"(\(@[A-Za-z0-9-]+\))\s*(?=[^\s,;)&\n])", r"\1,", text)
    out, seen = [], set()
    for piece in _split_top_level(text):
        person = parse_person(piece)
        if not person:
            continue
        key = (person["github"].lower(), person["name"].lower())
        if key in seen:
            continue
        seen.add(key)
        out.append(person)
    return out


def parse_sponsor(raw: str) -> dict | None:
    text = _clean(raw)
    if text.strip(" ()[]*_.").lower() in NO_SPONSOR or re.fullmatch(r"\(?\s*seeking.*\)?", text, re.I):
        return None
    people = parse_authors(text)
    return people[0] if people else None


def _link(raw: str, kind: str) -> str:
    text = _clean(raw)
    m = re.search(r"https?://\S+", text)
    if m:
        return m[0].rstrip(").,")
    m = re.fullmatch(r"#?(\d+)", text.strip())
    if m:
        return f"{SEP_REPOSITORY}/{'pull' if kind == 'pr' else 'issues'}/{m[1]}"
    return ""


# --- a whole file --------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise ValueError("binary")
    return data.decode("utf-8-sig")


def parse_sep(filename: str, data: bytes, size: int | None = None) -> Parsed:
    """`size` is the file's real size when `data` was read only up to the limit."""
    p = Parsed(file=filename)
    size = max(size or 0, len(data))
    if size > MAX_BYTES:
        p.error = f"File is too large for a SEP ({size / 1_000_000:.1f} MB; the limit is 1 MB)."
        return p
    if not data.strip():
        p.error = "File is empty."
        return p
    try:
        text = _decode(data)
    except (UnicodeDecodeError, ValueError):
        p.error = "File is not UTF-8 text (binary content?)."
        return p
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    blocks = _blocks(lines)
    title_idx, title_num, title_placeholder = None, None, ""
    for idx, line in enumerate(lines):
        if line.startswith("# "):
            m = TITLE_RE.match(line)
            if m:
                title_idx = idx
                p.title = _clean(m["title"])[:300]
                if m["num"] and m["num"].isdigit() and int(m["num"]) > 0:
                    title_num = int(m["num"])
                elif m["num"] and not m["num"].isdigit():
                    title_placeholder = f"SEP-{m['num']}"[:40]
            break
    first = blocks[0] if blocks else None
    if first is None:
        p.error = "No preamble found (expected Status, Type, Created, Author(s) and Sponsor fields)."
    fields = dict(first.fields) if first else {}
    own = set(fields)  # what the first preamble says itself
    for other in blocks[1:]:
        for key, value in other.fields.items():
            if key in own:
                if _norm_cmp(key, fields[key]) != _norm_cmp(key, value):
                    p.warnings.append(
                        f"A second preamble (line {other.start + 1}) says {key} is “{_clean(value)[:80]}”; "
                        f"the first one (“{_clean(fields[key])[:80]}”) wins."
                    )
            elif key not in fields and key in FILLABLE and _clean(value):
                # The first preamble is silent on it (real files name the sponsor or PR only in the
                # later table): take it, and say so.
                fields[key] = value
                p.warnings.append(
                    f"The first preamble has no {LABELS.get(key, key)}; taken from a second preamble "
                    f"(line {other.start + 1}): "
                    f"“{_clean(value)[:80]}”."
                )
    if not p.title and fields.get("title"):
        p.title = _clean(fields["title"])[:300]

    # Number: from the title, else from the file name (S1: the pull request number).
    fm = FILE_RE.match(filename)
    file_num = int(fm["num"]) if fm and int(fm["num"]) > 0 else None
    field_num = None
    if fields.get("number"):
        m = re.search(r"\d+", fields["number"])
        field_num = int(m[0]) if m and int(m[0]) > 0 else None
    p.number = title_num or field_num or file_num
    if p.number and file_num and p.number != file_num:
        p.warnings.append(f"The title says SEP-{p.number} but the file name says {file_num}; using {p.number}.")
    if not p.number:
        head = filename.split("-")[0].upper()
        why = {"0000": "0000-", "XXXX": "XXXX-", "DRAFT": "DRAFT-"}.get(head)
        p.skipped = True
        if why:
            p.error = f"Skipped: no SEP number (file name starts with {why} and the title has none)."
        elif title_placeholder:
            p.error = (
                f"Skipped: a template, not a SEP (the title's number is the placeholder “{title_placeholder}” "
                "and the file name has no number)."
            )
        else:
            p.error = "Skipped: no SEP number in the title or the file name."
        return p
    if p.error:
        return p
    if not p.title:
        p.warnings.append("No title line (`# SEP-N: Title`); using the file name.")
        p.title = (fm["slug"].replace("-", " ").strip().capitalize() if fm else filename)[:300]
    p.slug = slugify(fm["slug"] if fm and fm["slug"].strip("-") else p.title)[:120]

    if "status" in fields:
        p.status_raw = _clean(fields["status"])
        p.status, p.superseded_by = map_status(fields["status"])
        if p.status is None:
            p.warnings.append(f"Unknown status “{p.status_raw[:60]}”; left as it is.")
    else:
        p.warnings.append("No status in the preamble.")
    if "superseded_by" in fields:
        m = re.search(r"\d+", fields["superseded_by"])
        p.superseded_by = int(m[0]) if m else p.superseded_by
    if "type" in fields:
        p.type = map_type(fields["type"])
        if p.type is None:
            p.warnings.append(f"Unknown type “{_clean(fields['type'])[:60]}”.")
    if "created" in fields:
        p.created = parse_date(fields["created"])
        if p.created is None:
            p.warnings.append(f"Created date “{_clean(fields['created'])[:40]}” is not a date.")
    if "authors" in fields:
        p.authors = parse_authors(fields["authors"])
    if not p.authors:
        p.warnings.append("No authors found.")
    if "sponsor" in fields:
        p.sponsor = parse_sponsor(fields["sponsor"])
    if "pr" in fields:
        p.pr = _link(fields["pr"], "pr")
    if "discussion" in fields:
        p.discussion = _link(fields["discussion"], "discussion")
    p.group = _clean(fields.get("group", ""))
    if "reference_implementation" in fields:
        p.reference_implementation = _link(fields["reference_implementation"], "ref")

    # The body: the file without its front matter, title line and first preamble.
    drop = set()
    if title_idx is not None:
        drop.add(title_idx)
    if first is not None:
        drop.update(range(first.start, first.end))
    p.body = "\n".join(line for i, line in enumerate(lines) if i not in drop).strip() + "\n"
    return p


def one_file_per_number(parsed: list[Parsed]) -> list[Parsed]:
    """S7 with a hostile folder: when several files claim the same SEP number, keep one and skip the
    others with a warning, choosing the same file on every run whatever the listing order: the file
    whose name carries the number, then the first by file name. Returns the skipped ones."""
    by_number: dict[int, list[Parsed]] = {}
    for p in parsed:
        if p.number and not p.error:
            by_number.setdefault(p.number, []).append(p)
    skipped = []
    for number, claims in by_number.items():
        if len(claims) < 2:
            continue

        def rank(p, number=number):
            m = FILE_RE.match(p.file)
            return (0 if m and int(m["num"]) == number else 1, p.file)

        claims.sort(key=rank)
        chosen = claims[0]
        for other in claims[1:]:
            other.error = (
                f"Skipped: {chosen.file} also claims SEP-{number}; only one file per SEP is imported "
                "(the one named with the number, else the first by name)."
            )
            other.skipped = True
            chosen.warnings.append(f"{other.file} also claims SEP-{number}; it was skipped.")
            skipped.append(other)
    return skipped


def _norm_cmp(key, value):
    if key == "status":
        return map_status(value)[0] or _clean(value).lower()
    if key == "type":
        return map_type(value) or _clean(value).lower()
    if key == "created":
        return parse_date(value) or _clean(value)
    if key == "authors":
        return [a["name"].lower() for a in parse_authors(value)]
    if key == "sponsor":
        s = parse_sponsor(value)
        return (s["github"].lower() or s["name"].lower()) if s else None
    return re.sub(r"\s+", " ", _clean(value).lower())
