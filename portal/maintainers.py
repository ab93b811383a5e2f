"""Read the community's MAINTAINERS.md and apply it as ladder roles with dates (RULES P1).

The file's shape (every variant the specification repository has used):

    ## Lead Maintainers / ## Core Maintainers      org-wide roles
    ## Emeritus                                    "(Co-Inventor, Lead Maintainer Emeritus)" names the role
    ## SDK Maintainers / ### Java SDK              what a maintainer maintains
    ## Project Maintainers / ### Registry / #### Registry Emeritus
    ## Community Moderators
    ## Working Group & Interest Group Maintainers / ### Security Interest Group
    - [Name](https://github.com/handle)            also `Name (@handle)`, `@handle`, `[@handle](...)`
    - [Name](https://github.com/handle) - Product  a client representative's product

Parsing never touches the database. `import_maintainers_text(text)` parses and applies one file in
one transaction: a broken file (not a maintainers list, no core maintainers, unreadable) writes
nothing; an unknown section is reported, never fatal; a second run changes nothing. People are
matched by verified handle through `portal.identity` (placeholders for handles nobody verified). A
role no longer listed is ended with the date, never deleted; the ladder follows (`portal.roles`).
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from .identity import clean_handle, people_for_handles
from .models import LadderRole, Role, RoleArea, RoleKind, User
from .roles import LADDER_AFTER_STEERING, LADDER_OF_ROLE, ladder_from_roles, ladder_set, role_end, role_start

SOURCE = "MAINTAINERS.md"
MAX_BYTES = 512 * 1024  # the real file is ~5 KB; anything near this is not a maintainers list


class MaintainersFormatError(Exception):
    """The file cannot be a maintainers list; nothing of it is applied."""


@dataclass
class Entry:
    name: str
    handle: str
    kind: str
    area: str
    scope: str = ""
    emeritus: bool = False
    product: str = ""
    note: str = ""
    line: int = 0

    @property
    def key(self) -> tuple:
        return (self.handle.lower(), self.kind, self.area, self.scope.lower())

    def as_dict(self) -> dict:
        return {
            "name": self.name, "github": self.handle, "kind": self.kind, "area": self.area, "scope": self.scope,
            "emeritus": self.emeritus, "product": self.product, "note": self.note, "line": self.line,
        }  # fmt: skip


@dataclass
class ParsedMaintainers:
    file: str = SOURCE
    entries: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    unknown_sections: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    last_updated: str = ""


# --- parsing --------------------------------------------------------------------------------------

HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
ITEM_RE = re.compile(r"^\s*[-*+]\s+(.*\S)\s*$")
LINK_RE = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\)")
PROFILE_RE = re.compile(r"^(?:https?://)?(?:www\.)?github\.com/(?P<h>[A-Za-z0-9-]+)/?(?:[?#].*)?$", re.I)
AT_HANDLE_RE = re.compile(r"(?<![\w/])@(?P<h>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\b")
LAST_UPDATED_RE = re.compile(r"^\*\*Last updated:?\*\*:?\s*(.+?)\s*$", re.I)
EMERITUS_ROLE_RE = re.compile(r"\b(?:(?P<which>lead|core)\s+)?maintainer\s+emeritus\b", re.I)
PROSE_SECTIONS = ("about", "contributing", "table of contents", "contents", "how to", "becoming")

# GitHub paths that are not people.
NOT_PEOPLE = {"orgs", "sponsors", "apps", "topics", "settings", "marketplace", "features", "about"}


def _classify(title: str) -> tuple[str, str, bool] | None:
    """`## Heading` -> (kind, area, emeritus); kind "" for `## Emeritus` (the entry names it). None: unknown."""
    t = re.sub(r"[^a-z& ]+", " ", title.lower()).strip()
    emeritus = "emeritus" in t
    if "lead" in t and "maintainer" in t:
        return RoleKind.LEAD_MAINTAINER, RoleArea.ORG, emeritus
    if "core" in t and "maintainer" in t:
        return RoleKind.CORE_MAINTAINER, RoleArea.ORG, emeritus
    if t == "emeritus" or t.startswith("emeritus"):
        return "", RoleArea.ORG, True
    if "moderator" in t:
        return RoleKind.MODERATOR, RoleArea.COMMUNITY, emeritus
    if "maintainer" in t:
        if "sdk" in t.split():
            return RoleKind.MAINTAINER, RoleArea.SDK, emeritus
        if "group" in t:
            return RoleKind.MAINTAINER, RoleArea.GROUP, emeritus
        if "project" in t:
            return RoleKind.MAINTAINER, RoleArea.PROJECT, emeritus
    return None


def _strip_emeritus(title: str) -> str:
    return re.sub(r"\s*\bemeritus\b\s*", " ", title, flags=re.I).strip(" -–—:")


def _handle_in(item: str) -> tuple[str, str, str]:
    """(name, handle, rest of the line) for one list item; handle "" when it has no GitHub profile."""
    link = LINK_RE.search(item)
    if link:
        url = link["url"].strip().strip("<>")
        text = link["text"].strip()
        prof = PROFILE_RE.match(url)
        handle = prof["h"] if prof else ""
        if not handle and text.startswith("@"):
            handle = clean_handle(text)
        name = text.lstrip("@") if text else handle
        rest = (item[: link.start()] + " " + item[link.end() :]).strip()
        if not handle:
            at = AT_HANDLE_RE.search(rest)
            handle = at["h"] if at else ""
            rest = AT_HANDLE_RE.sub("", rest).strip() if at else rest
        return name, handle, rest
    at = AT_HANDLE_RE.search(item)
    if at:
        before, after = item[: at.start()].strip(), item[at.end() :].strip()
        name = before.rstrip("(").strip() or at["h"]
        after = after.lstrip(")").strip()
        return name, at["h"], after
    bare = PROFILE_RE.search(item.split()[0]) if item.split() else None
    if bare:
        return bare["h"], bare["h"], item[len(item.split()[0]) :].strip()
    return item.strip(), "", ""


def _rest_parts(rest: str) -> tuple[list[str], str]:
    """`(Co-Inventor, Lead Maintainer Emeritus) - Goose` -> (["Co-Inventor", "Lead Maintainer Emeritus"], "Goose")."""
    notes = []
    for paren in re.findall(r"\(([^)]*)\)", rest):
        notes += [p.strip() for p in paren.split(",") if p.strip()]
    rest = re.sub(r"\([^)]*\)", " ", rest).strip()
    product = ""
    m = re.match(r"^[-–—:|]\s*(.+)$", rest)
    if m:
        product = m[1].strip()
    return notes, product


def parse_maintainers(text: str, *, file: str = SOURCE) -> ParsedMaintainers:
    """Parse MAINTAINERS.md text. Raises MaintainersFormatError when it cannot be a maintainers list."""
    parsed = ParsedMaintainers(file=file)
    if len(text.encode("utf-8", "ignore")) > MAX_BYTES:
        raise MaintainersFormatError(f"{file} is larger than {MAX_BYTES // 1024} KB; not a maintainers list.")
    if "\x00" in text:
        raise MaintainersFormatError(f"{file} is not a text file.")
    section = None  # (kind, area, emeritus) or None
    unknown = ""  # title of the unknown section we are in
    scope, sub_emeritus = "", False
    in_code = False
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code:
            continue
        stamp = LAST_UPDATED_RE.match(line.strip())
        if stamp:
            parsed.last_updated = stamp[1][:60]
            continue
        heading = HEADING_RE.match(line)
        if heading:
            level, title = len(heading[1]), heading[2].strip()
            if level == 1:
                continue
            if level == 2:
                section, scope, sub_emeritus, unknown = _classify(title), "", False, ""
                if section is None:
                    unknown = title
                    if not title.lower().startswith(PROSE_SECTIONS):
                        parsed.unknown_sections.append(title)
                else:
                    parsed.sections.append(title)
                continue
            if section is None:
                continue
            is_emeritus = bool(re.search(r"\bemeritus\b", title, re.I))
            if level == 3 and section[1] in (RoleArea.SDK, RoleArea.PROJECT, RoleArea.GROUP):
                scope, sub_emeritus = (_strip_emeritus(title) if is_emeritus else title)[:120], is_emeritus
            elif is_emeritus:  # "#### Registry Emeritus" (or "### Emeritus" under an org-wide section)
                if level == 3 or not scope:
                    scope = scope or _strip_emeritus(title)[:120] if section[1] != RoleArea.ORG else ""
                sub_emeritus = True
            else:
                parsed.warnings.append(f"line {number}: heading “{title[:80]}” is not a kind this file uses; "
                                       "its entries count for the section above.")  # fmt: skip
            continue
        item = ITEM_RE.match(line)
        if not item:
            continue
        if section is None:
            if unknown and not unknown.lower().startswith(PROSE_SECTIONS):
                pass  # reported once as an unknown section
            elif unknown:
                parsed.warnings.append(f"line {number}: a list in “{unknown[:80]}” is not read.")
            continue
        entry = _entry(item[1], section, scope, sub_emeritus, number, parsed.warnings)
        if entry is not None:
            parsed.entries.append(entry)
    _check(parsed)
    return parsed


def _entry(item, section, scope, sub_emeritus, number, warnings) -> Entry | None:
    kind, area, section_emeritus = section
    name, handle, rest = _handle_in(item)
    name = re.sub(r"[*_`]+", "", name).strip()[:120]
    if not handle:
        if LINK_RE.search(item) or "github.com" in item.lower():
            warnings.append(f"line {number}: “{name[:80]}” links to no GitHub profile; skipped.")
        else:
            warnings.append(
                f"line {number}: “{name[:80]}” has no GitHub handle; skipped (people are matched by GitHub)."
            )
        return None
    handle = clean_handle(handle)
    if not handle or handle.lower() in NOT_PEOPLE:
        warnings.append(f"line {number}: “{item[:80]}” is not a GitHub user; skipped.")
        return None
    notes, product = _rest_parts(rest)
    emeritus = section_emeritus or sub_emeritus
    if any(n.lower() == "emeritus" for n in notes):
        emeritus = True
        notes = [n for n in notes if n.lower() != "emeritus"]
    if kind == "":  # `## Emeritus`: the parenthesis names the role
        named = [EMERITUS_ROLE_RE.search(n) for n in notes]
        named = [m for m in named if m]
        if named:
            which = (named[0]["which"] or "").lower()
            kind = {"lead": RoleKind.LEAD_MAINTAINER, "core": RoleKind.CORE_MAINTAINER}.get(which, RoleKind.MAINTAINER)
            notes = [n for n in notes if not EMERITUS_ROLE_RE.search(n)]
        else:
            kind = RoleKind.CORE_MAINTAINER
            warnings.append(f"line {number}: {name} is emeritus without the role in parentheses; "
                            "recorded as core maintainer emeritus.")  # fmt: skip
        emeritus = True
    if area in (RoleArea.SDK, RoleArea.PROJECT, RoleArea.GROUP) and not scope:
        warnings.append(f"line {number}: {name} is listed before any “###” names what they maintain; skipped.")
        return None
    return Entry(name=name or handle, handle=handle, kind=kind, area=area, scope=scope if area not in (
        RoleArea.ORG, RoleArea.COMMUNITY) else "", emeritus=emeritus, product=product[:120],
        note=", ".join(notes)[:200], line=number)  # fmt: skip


def _check(parsed: ParsedMaintainers) -> None:
    """Refuse what would wrongly end everyone's roles; drop repeated entries."""
    kinds = {(e.kind, e.area) for e in parsed.entries if not e.emeritus}
    if (RoleKind.CORE_MAINTAINER, RoleArea.ORG) not in kinds and (RoleKind.LEAD_MAINTAINER, RoleArea.ORG) not in kinds:
        raise MaintainersFormatError(
            f"{parsed.file} lists no lead or core maintainers; refusing to apply it (it would end every "
            "core maintainer's role)."
        )
    seen, unique = {}, []
    for e in parsed.entries:
        if e.key in seen:
            first = seen[e.key]
            if first.emeritus != e.emeritus:
                parsed.warnings.append(
                    f"line {e.line}: {e.name} is listed both active and emeritus for the same role; active kept."
                )
                first.emeritus = first.emeritus and e.emeritus
            else:
                parsed.warnings.append(f"line {e.line}: {e.name} is listed twice for the same role; once is enough.")
            continue
        seen[e.key] = e
        unique.append(e)
    parsed.entries = unique


# --- applying -----------------------------------------------------------------------------------


@dataclass
class MaintainersReport:
    parsed: ParsedMaintainers
    changes: list = field(default_factory=list)
    dry_run: bool = False
    error: str | None = None

    def as_dict(self) -> dict:
        p = self.parsed
        return {
            "file": p.file,
            "last_updated": p.last_updated,
            "sections": list(p.sections),
            "entries": [e.as_dict() for e in p.entries],
            "unknown_sections": list(p.unknown_sections),
            "warnings": list(p.warnings),
            "changes": list(self.changes),
            "dry_run": self.dry_run,
            "error": self.error,
        }


class _DryRun(Exception):
    pass


def import_maintainers_text(
    text: str, *, file: str = SOURCE, by=None, dry_run: bool = False, now=None
) -> MaintainersReport:
    """Parse and apply MAINTAINERS.md text (a file's content or a repository blob) in one transaction.

    Raises MaintainersFormatError (nothing written) for a broken file. With `dry_run`, everything is
    computed and rolled back, so the report says exactly what a real run would change.
    """
    parsed = parse_maintainers(text, file=file)
    report = MaintainersReport(parsed=parsed, dry_run=dry_run)
    try:
        with transaction.atomic():
            report.changes = apply_maintainers(parsed, by=by, now=now)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def apply_maintainers(parsed: ParsedMaintainers, *, by=None, now=None) -> list[str]:
    """Open the roles the file lists, end those it no longer lists, adjust the ladder. Idempotent."""
    now = now or timezone.now()
    changes: list[str] = []
    with transaction.atomic():
        people = people_for_handles(
            [e.handle for e in parsed.entries],
            create_placeholder=True,
            source=SOURCE,
            defaults={e.handle.lower(): {"display_name": e.name} for e in parsed.entries},
        )
        wanted: dict[tuple, Entry] = {}
        for e in parsed.entries:
            person = people[e.handle.lower()]
            wanted[(person.pk, e.kind, e.area, e.scope.lower())] = e
        open_roles = list(Role.objects.select_for_update().current().filter(source=SOURCE).select_related("person"))
        touched: set[int] = set()
        for role in open_roles:
            key = (role.person_id, role.kind, role.area, role.scope.lower())
            e = wanted.get(key)
            if e is not None and (role.emeritus, role.product, role.note) == (e.emeritus, e.product, e.note):
                wanted.pop(key)  # listed as it is: nothing to do
                continue
            if e is None:
                reason = f"no longer listed in {parsed.file}"
                changes.append(f"ended: @{role.person.github or role.person.username} {role.title}")
            else:
                reason = f"changed in {parsed.file}"
            role_end(role=role, by=by, now=now, reason=reason)
            touched.add(role.person_id)
        by_pk = {p.pk: p for p in people.values()}
        for (pk, *_), e in wanted.items():
            role = role_start(person=by_pk[pk], kind=e.kind, area=e.area, scope=e.scope, emeritus=e.emeritus,
                              product=e.product, note=e.note, source=SOURCE, by=by, now=now)  # fmt: skip
            changes.append(f"started: @{e.handle} {role.title}")
            touched.add(pk)
        changes += _adjust_ladders(touched, by=by, now=now, file=parsed.file)
        changes += _unlisted_steering(parsed, people)
    return changes


def _adjust_ladders(person_ids: set[int], *, by, now, file: str) -> list[str]:
    """P1: the ladder follows the listed roles. Raised to what the open roles give (an emeritus role gives
    member); lowered only from a steering rung the file itself gave (a role of this file, now ended or
    emeritus), never from one set by hand in the admin. A core maintainer removed from the list, or
    moved to emeritus, goes back to org member; the change is recorded."""
    changes = []
    roles_of: dict[int, list[Role]] = {}
    for role in Role.objects.filter(person_id__in=person_ids).current():
        roles_of.setdefault(role.person_id, []).append(role)
    for person in User.objects.filter(pk__in=person_ids).order_by("pk"):
        current = person.ladder_role
        target = ladder_from_roles(roles_of.get(person.pk, [])) or LadderRole.CONTRIBUTOR
        if LadderRole.rank(target) > LadderRole.rank(current):
            new = target
        elif LadderRole.rank(target) < LadderRole.rank(current) and _from_file(person, current):
            new = max(target, LADDER_AFTER_STEERING, key=LadderRole.rank)
        else:
            continue
        if new == current:
            continue
        ladder_set(person=person, role=new, by=by, source=file, now=now)
        changes.append(f"ladder: @{person.github or person.username} {current} -> {new}")
    return changes


def _from_file(person: User, rung: str) -> bool:
    """Whether the person's steering rung came from a role this file gave (open or ended, not emeritus)."""
    kinds = [kind for kind, ladder in LADDER_OF_ROLE.items() if ladder == rung]
    return bool(kinds) and Role.objects.filter(person=person, source=SOURCE, kind__in=kinds, emeritus=False).exists()


def _unlisted_steering(parsed: ParsedMaintainers, people: dict) -> list[str]:
    """Core and lead maintainers in the portal whom the file does not list: kept, but worth a look."""
    listed = {p.pk for p in people.values()}
    for person in (
        User.objects.core_maintainers().filter(is_superuser=False).exclude(pk__in=listed).order_by("pk")
        .exclude(roles__source=SOURCE)
    ):  # fmt: skip
        parsed.warnings.append(
            f"{person.name} is a {person.get_ladder_role_display().lower()} in the portal but not listed in "
            f"{parsed.file}; kept (change it in the admin if they stepped down)."
        )
    return []
