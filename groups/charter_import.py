"""Read charter files in the community's format and apply them (manage.py import_charters).

The format: YAML-ish front matter (title, description), `## Group Type` naming the kind in bold,
the template's `##`/`###` sections, a Leadership table `Role | Name | Organization | GitHub | Term`
and a Membership table `Name | Organization | GitHub | Discord | Level` (extra columns allowed,
an `Emeritus Membership` table too). Groups may describe membership in prose or not at all.
Parsing never touches the database; `apply_charter` writes one file in one transaction.

Charters are written for the community's documentation site, so their site-relative links
(`/community/interest-groups/auth`) would be broken here: links to another group's charter point to
that group's page in the portal (`/groups/auth/`), other site-relative links to the documentation site.
The charter template itself (a file whose template sits in a code block) is skipped, not an error.
"""

import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import slugify

from portal import folders
from portal.errors import DomainError
from portal.identity import person_for_handle
from portal.markdown import render_markdown
from portal.models import LadderRole, User, normalize_github

from .models import RESERVED_SLUGS, CharterSection, Group, Membership, Tier
from .services import mission_summary

# Where the charters are published; their site-relative links are made absolute against it.
CHARTER_SITE = "https://modelcontextprotocol.io"
MAX_BYTES = folders.MAX_BYTES  # a real charter is ~20 KB


class CharterFormatError(Exception):
    pass


class CharterSkipped(Exception):
    """Not a group's charter (the charter template): reported, not imported, not a failure."""


@dataclass
class Person:
    name: str
    github: str
    organization: str = ""
    discord: str = ""
    tier: str = Tier.PARTICIPANT
    status: str = Membership.Status.ACTIVE
    term: str = ""


@dataclass
class ParsedCharter:
    file: str
    slug: str = ""
    name: str = ""
    kind: str = ""
    description: str = ""
    sections: dict = field(default_factory=dict)
    leads: list = field(default_factory=list)
    members: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    digest: str = ""
    discord_channel: str = ""

    def report(self) -> dict:
        return {
            "file": self.file,
            "slug": self.slug,
            "name": self.name,
            "kind": self.kind,
            "discord_channel": self.discord_channel,
            "leads": [{"name": p.name, "github": p.github, "term": p.term} for p in self.leads],
            "members": [{"name": p.name, "github": p.github, "tier": p.tier, "status": p.status} for p in self.members],
            "sections": [k for k in CharterSection.values if self.sections.get(k, "").strip()],
            "warnings": list(self.warnings),
            "error": None,
        }


SECTION_MAP = {
    "mission statement": CharterSection.MISSION,
    "mission": CharterSection.MISSION,
    "in scope": CharterSection.SCOPE_IN,
    "out of scope": CharterSection.SCOPE_OUT,
    "related groups": CharterSection.RELATED,
    "leadership": CharterSection.LEADERSHIP,
    "authority & decision rights": CharterSection.AUTHORITY,
    "authority and decision rights": CharterSection.AUTHORITY,
    "membership": CharterSection.MEMBERSHIP,
    "emeritus membership": CharterSection.MEMBERSHIP,
    "operations": CharterSection.OPERATIONS,
    "deliverables & success metrics": CharterSection.DELIVERABLES,
    "deliverables and success metrics": CharterSection.DELIVERABLES,
    "deliverables": CharterSection.DELIVERABLES,
    "active work items": CharterSection.DELIVERABLES,
    "discussion topics": CharterSection.DELIVERABLES,
    "success criteria": CharterSection.SUCCESS,
    "changelog": CharterSection.CHANGELOG,
    "scope": CharterSection.SCOPE_IN,
}
# Sections filed under a template section with another name: their own heading is kept inside.
KEEP_HEADING = {"emeritus membership", "active work items", "discussion topics"}
LEAD_ROLES = {"lead", "colead", "facilitator", "chair"}
LEVELS = {
    "lead": Tier.LEAD,
    "facilitator": Tier.LEAD,
    "chair": Tier.LEAD,
    "member": Tier.MEMBER,
    "participant": Tier.PARTICIPANT,
    "observer": Tier.OBSERVER,
}
LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
COMMENT = re.compile(r"<!--.*?-->", re.S)
DISCORD = re.compile(r"^Discord:\s*\[?`?(#[\w.-]+)`?\]?", re.M | re.I)
SITE_LINK = re.compile(r"(?<!!)(\[[^\]]*\]\()(/[^)\s]*)(\))")  # [text](/path), not images
GROUP_LINK = re.compile(r"^/community/(?:working|interest)-groups/([\w-]+)/?(?:#.*)?$")


def _role_key(value: str) -> tuple[str, bool]:
    """'WG Co-Lead' -> ('lead', False); 'Emeritus WG Member' -> ('member', True)."""
    words = _plain(value).lower().replace("-", " ").split()
    emeritus = "emeritus" in words
    words = [w for w in words if w not in ("wg", "ig", "co", "emeritus")]
    return " ".join(words), emeritus


def _site_links(markdown: str) -> str:
    """Site-relative links of the documentation site: group charters -> portal group pages, the
    rest -> absolute links to the documentation site."""

    def fix(m):
        path = m.group(2)
        group = GROUP_LINK.match(path)
        target = f"/groups/{slugify(group.group(1))}/" if group else CHARTER_SITE + path
        return f"{m.group(1)}{target}{m.group(3)}"

    return SITE_LINK.sub(fix, markdown)


def _norm_title(title: str) -> str:
    title = re.sub(r"\((wg|ig) only\)", "", title, flags=re.I)
    return " ".join(title.replace("*", "").split()).strip().lower()


def _front_matter(text: str) -> tuple[dict, str]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise CharterFormatError(
            "No front matter: the file must start with a '---' block holding title and description."
        )
    meta = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return meta, "\n".join(lines[i + 1 :])
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip().strip("\"'")
    raise CharterFormatError("The front matter is not closed with '---'.")


def _split_headings(body: str) -> list[tuple[int, str, str]]:
    """[(level, title, content)] for ## and ### headings, ignoring headings inside code fences."""
    out, level, title, buf, fence = [], 0, "", [], False
    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        m = None if fence else re.match(r"^(#{2,3})\s+(.+?)\s*#*\s*$", line)
        if m:
            out.append((level, title, "\n".join(buf)))
            level, title, buf = len(m.group(1)), m.group(2), []
        else:
            buf.append(line)
    out.append((level, title, "\n".join(buf)))
    return out


def _cell(value: str) -> str:
    value = value.strip().replace("\\_", "_").replace("\\|", "|")
    if value.startswith("`") and value.endswith("`") and len(value) > 1:
        value = value[1:-1]
    return value.strip()


HEADER_WORDS = {"github": "github", "discord": "discord", "organization": "organization",
                "organisation": "organization", "affiliation": "organization", "level": "level",
                "role": "role", "term": "term", "name": "name"}  # fmt: skip


def _header(value: str) -> str:
    """'GitHub Handle' -> 'github', 'Organisation' -> 'organization'; other headers lowercased."""
    words = re.findall(r"[a-z]+", _cell(value).lower())
    for word in words:
        if word in HEADER_WORDS:
            return HEADER_WORDS[word]
    return " ".join(words)


def _tables(content: str) -> list[list[dict]]:
    """Markdown pipe tables in `content`, each as a list of {lowercased header: cell}."""
    tables, lines, i = [], content.splitlines(), 0
    while i < len(lines):
        line = lines[i].strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.startswith("|") and re.match(r"^\|?\s*:?-{2,}", nxt):
            headers = [_header(h) for h in line.strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [_cell(c) for c in re.split(r"(?<!\\)\|", lines[i].strip().strip("|"))]
                if any(cells):
                    rows.append(dict(zip(headers, cells, strict=False)))
                i += 1
            tables.append(rows)
        else:
            i += 1
    return tables


def _github(value: str) -> str:
    m = LINK.search(value)
    if m:
        text, url = m.group(1), m.group(2)
        value = url if "github.com" in url else text
    return normalize_github(value)


def _plain(value: str) -> str:
    return LINK.sub(lambda m: m.group(1), value).strip()


def _kind(text: str) -> str:
    wg = "working group" in text.lower()
    ig = "interest group" in text.lower()
    if wg and not ig:
        return Group.Kind.WORKING
    if ig and not wg:
        return Group.Kind.INTEREST
    return ""


def parse_charter(text: str, path: Path, folder_kind: str = "") -> ParsedCharter:
    parsed = ParsedCharter(file=str(path), digest=hashlib.sha256(text.encode()).hexdigest())
    meta, body = _front_matter(text)
    title = meta.get("title", "").strip()
    if not title:
        raise CharterFormatError("The front matter has no title.")
    parsed.description = meta.get("description", "")
    parsed.slug = slugify(path.stem)[:80]
    if not parsed.slug:
        raise CharterFormatError("Cannot make a slug from the file name.")
    if parsed.slug in RESERVED_SLUGS:
        raise CharterFormatError(f"/groups/{parsed.slug}/ is a page of the portal; rename the file.")

    sections: dict[str, list[str]] = {}
    kind_text = None
    h2 = ""
    lead_rows, member_rows, emeritus_rows = [], [], []
    membership_prose = False
    for level, raw_title, content in _split_headings(body):
        if level == 0:
            continue
        content = COMMENT.sub("", content).strip("\n")
        key_title = _norm_title(raw_title)
        if level == 2:
            h2 = key_title
        if key_title == "group type":
            kind_text = content
            continue
        key = SECTION_MAP.get(key_title)
        if level == 3 and key is None and h2 in SECTION_MAP:
            key = SECTION_MAP[h2]
            content = f"### {raw_title}\n\n{content}"
        if key is None:
            key = CharterSection.OTHER
            content = f"### {raw_title}\n\n{content}"
            parsed.warnings.append(f"Section “{raw_title}” is not a template section; kept under Other sections.")
        if key_title in KEEP_HEADING and content.strip():
            content = f"### {raw_title}\n\n{content}"  # the page's heading is the template's; keep the file's
        if not content.strip():
            continue
        content = _site_links(content)
        sections.setdefault(key, []).append(content.strip())
        tables = _tables(content)
        if key_title == "leadership":
            for t in tables:
                if t and "role" in t[0]:
                    lead_rows.extend(t)
        elif key_title == "membership":
            found = [t for t in tables if t and "level" in t[0]]
            for t in found:
                member_rows.extend(t)
            prose = re.sub(r"^\|.*$", "", content, flags=re.M).strip()
            membership_prose = bool(prose) and not found
        elif key_title == "emeritus membership":
            for t in tables:
                emeritus_rows.extend(t)

    parsed.sections = {k: "\n\n".join(v) for k, v in sections.items()}
    if (
        kind_text is None
        and not parsed.sections.get(CharterSection.MISSION)
        and re.search(r"\btemplate\b", title, re.I)
    ):
        raise CharterSkipped(f"“{title}” is the charter template, not a group's charter; skipped.")
    parsed.kind = _kind(kind_text or "") if kind_text is not None else ""
    if kind_text is not None and not parsed.kind:
        raise CharterFormatError("The Group Type section must name either Working Group or Interest Group.")
    if not parsed.kind:
        parsed.kind = folder_kind or _kind(parsed.description)
        if not parsed.kind:
            raise CharterFormatError("No Group Type section and the kind cannot be told from the folder.")
        parsed.warnings.append("No Group Type section; kind taken from the folder or description.")
    if not parsed.sections.get(CharterSection.MISSION, "").strip():
        raise CharterFormatError("No Mission Statement section.")
    base = re.sub(r"\s+charter$", "", title, flags=re.I).strip()
    label = Group.Kind(parsed.kind).label
    parsed.name = base if re.search(r"(group|wg|ig)$", base, re.I) else f"{base} {label}"
    m = DISCORD.search(parsed.sections.get(CharterSection.OPERATIONS, ""))
    if m:
        parsed.discord_channel = m.group(1)

    people: dict[str, Person] = {}

    def add(row, tier, status, term=""):
        name = _plain(row.get("name", ""))
        handle = _github(row.get("github", ""))
        if not name and not handle:
            return
        if not handle:
            parsed.warnings.append(f"{name} has no GitHub handle; skipped (people are matched by GitHub).")
            return
        key = handle.lower()
        prev = people.get(key)
        if prev is not None:
            if Tier.rank(tier) > Tier.rank(prev.tier):
                prev.tier = tier
            prev.term = prev.term or term
            prev.discord = prev.discord or _plain(row.get("discord", ""))
            if status == Membership.Status.ACTIVE:
                prev.status = status
            return
        people[key] = Person(
            name=name or handle,
            github=handle,
            organization=_plain(row.get("organization", "")),
            discord=_plain(row.get("discord", "")),
            tier=tier,
            status=status,
            term=term,
        )

    for row in lead_rows:
        role, _ = _role_key(row.get("role", ""))
        if role in LEAD_ROLES:
            add(row, Tier.LEAD, Membership.Status.ACTIVE, term=row.get("term", ""))
        elif role:
            parsed.warnings.append(
                f"Unknown leadership role “{row.get('role')}” for {_plain(row.get('name', ''))}; skipped."
            )
    for rows, status in ((member_rows, Membership.Status.ACTIVE), (emeritus_rows, Membership.Status.EMERITUS)):
        for row in rows:
            level = row.get("level", "").strip()
            key, emeritus = _role_key(level)
            tier = LEVELS.get(key)
            if tier is None:
                parsed.warnings.append(f"Unknown level “{level}” for {_plain(row.get('name', ''))}; skipped.")
                continue
            add(row, tier, Membership.Status.EMERITUS if emeritus else status)
    if CharterSection.MEMBERSHIP not in parsed.sections:
        parsed.warnings.append("No Membership section; only leads imported.")
    elif membership_prose:
        parsed.warnings.append("Membership is described in prose, not a table; no members imported from it.")
    if not any(p.tier == Tier.LEAD for p in people.values()):
        parsed.warnings.append("No leads or facilitators found in the Leadership table.")
    parsed.leads = [p for p in people.values() if p.tier == Tier.LEAD]
    parsed.members = [p for p in people.values() if p.tier != Tier.LEAD]
    return parsed


@dataclass
class CharterFile:
    path: Path
    kind: str = ""  # from the folder (working-groups/, interest-groups/)
    error: str = ""  # refused (a link outside the folder, too large, unreadable): a failure
    skipped: str = ""  # not applied on purpose (another file is this group's charter): a warning


def scan_charter_folder(path: Path) -> list[CharterFile]:
    """Every charter file under PATH (a file, a folder with working-groups/ and interest-groups/, or a
    flat folder of .md/.mdx files), in a fixed order, each with why it is refused or skipped.

    Hostile folders (issue 8, kind 3): links resolving outside PATH are refused, files over the size cap
    are refused, and when two files would be the charter of the same group (`auth.md` and `auth.mdx`,
    or one in each subfolder) the first in path order is applied and the others are skipped with a
    warning, so every run of the same folder makes the same choice (idempotent).
    """
    exts = {".md", ".mdx"}
    if not path.is_dir():
        return [CharterFile(path=path, error=folders.check_file(path.parent, path, max_bytes=MAX_BYTES))]
    out: list[CharterFile] = []
    sub = {"working-groups": Group.Kind.WORKING, "interest-groups": Group.Kind.INTEREST}
    if any((path / name).is_dir() for name in sub):
        for name, kind in sub.items():
            folder = path / name
            if folder.is_dir():
                if not folders.inside(path, folder):
                    out.append(
                        CharterFile(
                            path=folder, kind=kind, error="Refused: a link pointing outside the imported folder."
                        )
                    )
                    continue
                out += [
                    CharterFile(f.path, kind, f.error)
                    for f in folders.list_files(path, folder, suffixes=exts, max_bytes=MAX_BYTES)
                ]
    else:
        out = [CharterFile(f.path, "", f.error) for f in folders.list_files(path, suffixes=exts, max_bytes=MAX_BYTES)]
    claimed: dict[str, Path] = {}
    for entry in out:
        if entry.error:
            continue
        slug = slugify(entry.path.stem)[:80]
        first = claimed.setdefault(slug, entry.path)
        if first != entry.path:
            entry.skipped = (
                f"Skipped: {first.name} is already the charter of /groups/{slug}/ in this folder; "
                "two files for one group are not applied (the first in path order wins on every run)."
            )
    return out


def charter_files(path: Path) -> list[tuple[Path, str]]:
    """[(file, kind from folder)] of the files that may be applied (see `scan_charter_folder`)."""
    return [(f.path, f.kind) for f in scan_charter_folder(path) if not f.error and not f.skipped]


def read_charter(path: Path) -> str:
    """The file's text, read only up to the size cap (a larger file raises CharterFormatError)."""
    data, size = folders.read_capped(path, MAX_BYTES)
    if size > MAX_BYTES or len(data) > MAX_BYTES:
        raise CharterFormatError(
            f"File is too large ({size / 1_000_000:.1f} MB; the limit is {MAX_BYTES / 1_000_000:g} MB)."
        )
    return data.decode("utf-8")


def _person(p: Person, warnings: list, changes: list) -> User | None:
    """The person a charter row names, by verified GitHub handle (portal.identity): a typed claim in
    someone's profile never takes a seat; a handle nobody verified gets a placeholder known from GitHub."""
    existed = person_for_handle(p.github)
    user = existed or person_for_handle(
        p.github,
        create_placeholder=True,
        source="charter import",
        defaults={
            "display_name": p.name,
            "discord": p.discord,
            "affiliation": p.organization,
            # G4 is not assumed from the file: a lead who is not yet an org-wide member is reported
            # and left for a core maintainer (the ladder changes only by a person's decision).
            "ladder_role": LadderRole.CONTRIBUTOR,
        },
    )
    if user is None:
        warnings.append(f"{p.name}: “{p.github}” is not a GitHub login; skipped.")
        return None
    if existed is None:
        changes.append(f"created person @{p.github} (known from GitHub)")
        return user
    updates = []
    for attr, value in (("display_name", p.name), ("discord", p.discord), ("affiliation", p.organization)):
        if value and not getattr(user, attr):
            setattr(user, attr, value)
            updates.append(attr)
    if updates:
        user.save(update_fields=updates)
        changes.append(f"filled {', '.join(updates)} for @{p.github}")
    if p.tier == Tier.LEAD and not user.is_member_or_above:
        warnings.append(
            f"{user.name} leads but is not an org-wide member or above (G4); the ladder role is not changed."
        )
    return user


def apply_charter(parsed: ParsedCharter, by=None) -> list[str]:
    """Create or update the group, its people, memberships and approved charter. One transaction.

    Every write goes through a service and holds the same rules as a person's action (issue 8, kind 2):
    `by` (a core maintainer) is named as the approver and actor; a new group stays proposed until G3/G4
    hold; a lead who is not an org-wide member, or the removal of an active group's only lead, is refused
    and reported as a warning, leaving the decision to a person.
    """
    from . import importing
    from .services import membership_set_tier

    importing.ensure_importer(by)
    changes: list[str] = []
    source = Path(parsed.file).name
    with transaction.atomic():
        group = Group.objects.select_for_update().filter(slug=parsed.slug).first()
        if group is not None and group.is_retired:  # G2: read-only; the file does not bring it back
            parsed.warnings.append(f"{group.name} is retired in the portal; nothing of this file was applied.")
            return changes
        mission = mission_summary(render_markdown(parsed.sections.get(CharterSection.MISSION, "")))
        values = {"name": parsed.name, "kind": parsed.kind, "mission_summary": mission}
        if parsed.discord_channel:
            values["discord_channel"] = parsed.discord_channel
        created = group is None
        if created:
            group = importing.group_create_imported(slug=parsed.slug, by=by, values=values, source=source)
            changes.append("created group (proposed)")
        else:
            diff = importing.group_update_imported(group=group, by=by, values=values, source=source)
            if diff:
                changes.append(f"updated group {', '.join(diff)}")

        latest = group.charter_versions.approved().order_by("-number").first()
        if latest is None or latest.source_digest != parsed.digest:
            version = importing.charter_record_imported(
                group=group, by=by, sections=parsed.sections, source=source, digest=parsed.digest
            )
            changes.append(f"charter v{version.number}")

        listed = set()
        for p in [*parsed.leads, *parsed.members]:
            user = _person(p, parsed.warnings, changes)
            if user is None:
                continue
            listed.add(user.pk)
            current = Membership.objects.current().filter(group=group, user=user).first()
            term = p.term[:80]
            if current and (current.tier, current.status, current.term) == (p.tier, p.status, term or current.term):
                continue
            try:
                with transaction.atomic():
                    membership_set_tier(
                        group=group, user=user, tier=p.tier, by=by, term=term, note="Imported from charter",
                        status=p.status,
                    )  # fmt: skip
            except (DomainError, PermissionDenied) as exc:
                parsed.warnings.append(f"@{p.github} not made {p.tier}: {getattr(exc, 'message', exc)}")
                continue
            changes.append(f"{p.github}: {p.tier}{' (emeritus)' if p.status == 'emeritus' else ''}")
        # The file is not the only source of memberships (people join and are nominated in the
        # portal), so nobody is removed; but a lead or member the charter no longer lists is worth a look.
        unlisted = (
            Membership.objects.current()
            .filter(group=group, tier__in=[Tier.LEAD, Tier.MEMBER])
            .exclude(user_id__in=listed)
            .select_related("user")
            .order_by("tier", "user__display_name")
        )
        for m in unlisted:
            role = group.lead_title.lower() if m.tier == Tier.LEAD else "member"
            parsed.warnings.append(
                f"{m.user.name} is a {role} in the portal but not listed in the charter; "
                "kept (end it in the admin if they left)."
            )
        # G2-G4: a proposed group becomes active only when sponsorship and an eligible lead hold.
        problem = importing.activate_if_rules_hold(group=group, by=by, source=source)
        if problem:
            parsed.warnings.append(problem)
        elif created:
            changes.append("activated (G3, G4 hold)")
    return changes


def report(
    parsed: ParsedCharter | None, file: str, *, error: str | None = None, skipped: str | None = None, changes=None
) -> dict:
    out = parsed.report() if parsed else {"file": file, "slug": "", "name": "", "kind": "", "discord_channel": "",
                                           "leads": [], "members": [], "sections": [], "warnings": [],
                                           "error": None}  # fmt: skip
    out["error"] = error
    out["skipped"] = skipped
    out["changes"] = list(changes or [])
    return out


__all__ = [
    "CharterFile",
    "CharterFormatError",
    "CharterSkipped",
    "ParsedCharter",
    "apply_charter",
    "asdict",
    "charter_files",
    "parse_charter",
    "read_charter",
    "report",
    "scan_charter_folder",
]
