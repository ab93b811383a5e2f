"""Public pages about people: `/people/maintainers/` (the ladder from MAINTAINERS.md) and a person's
page (their roles over time and their groups). Read-only; a handful of queries whatever the rows.

Groups are shown through `<app>/people.py` (`groups_of`, `memberships_of`, `group_links`), found by
name like the dashboard panels, so this core module never imports the apps above it.
"""

from functools import cache
from urllib.parse import quote

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from .hooks import app_modules
from .models import Role, RoleArea, RoleKind, User
from .widgets import _escape

PEOPLE_APPS = ("groups",)
PAST_ROLES_SHOWN = 100  # the newest ended roles on the maintainers page; each person's page has them all

PERSON_FIELDS = ("id", "username", "display_name", "first_name", "last_name", "github", "github_verified_at",
                 "is_placeholder", "affiliation", "ladder_role", "is_active")  # fmt: skip


def _providers(name: str):
    return [getattr(m, name) for m in app_modules("people", PEOPLE_APPS) if hasattr(m, name)]


def _groups_of(person_ids) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for provider in _providers("groups_of"):
        for pk, rows in provider(person_ids).items():
            out.setdefault(pk, []).extend(rows)
    return out


def _group_links(names) -> dict[str, str]:
    out: dict[str, str] = {}
    for provider in _providers("group_links"):
        out.update(provider(names))
    return out


def _roles(qs):
    prefix = [f"person__{f}" for f in PERSON_FIELDS]
    return qs.select_related("person").only("kind", "area", "scope", "emeritus", "product", "note", "started_at",
                                            "ended_at", "person_id", *prefix)  # fmt: skip


def _scoped(roles, area) -> list[dict]:
    """[{scope, roles}] for one area, scopes in name order."""
    by_scope: dict[str, dict] = {}
    for r in roles:
        if r.area == area and not r.emeritus:
            by_scope.setdefault(r.scope.lower(), {"scope": r.scope, "roles": []})["roles"].append(r)
    return [by_scope[k] for k in sorted(by_scope)]


class _LineRenderer:
    """The maintainers page's role lines (hundreds), built in Python instead of one `{% include %}`
    with two date filters and a `{% url %}` per line (most of the page's time on a miss): plain
    string building with every value escaped, each person's URL and each date formatted once. Same
    markup as `portal/people/_person_line.html`, which a person's own page still uses."""

    _URL_SAFE = "!$&'()*+,;=/~:@"  # what reverse() leaves unquoted in a path (RFC 3986 sub-delims, / ~ : @)

    def __init__(self):
        self._dates = {}
        self._url_prefix = reverse("people:person", args=["x"])[:-2]  # ".../people/" + username + "/"

    def url(self, person) -> str:
        return f"{self._url_prefix}{quote(person.username, safe=self._URL_SAFE)}/"

    def time(self, value) -> str:
        """`<time datetime="...">j M Y</time>` in the viewer's zone, as the `date` filter writes it."""
        out = self._dates.get(value)
        if out is None:
            local = timezone.localtime(value)
            out = self._dates[value] = f'<time datetime="{local.isoformat()}">{date_format(local, "j M Y")}</time>'
        return out

    def _person(self, p) -> str:
        return f'<a href="{_escape(self.url(p))}" class="person-name">{_escape(p.name)}</a>'

    def _github(self, p) -> str:
        handle = _escape(p.github)
        return f'<a href="https://github.com/{handle}" class="muted" rel="external">@{handle}</a>'

    def line(self, r) -> str:
        p = r.person
        parts = [self._person(p)]
        if p.github:
            badge = ""
            if not p.github_verified_at:
                badge = (
                    ' <span class="badge muted">known from GitHub</span>'
                    if p.is_placeholder
                    else ' <span class="badge warn" title="Typed into the profile; grants nothing until verified">'
                    "unverified</span>"
                )
            parts.append(self._github(p) + badge)
        if r.product:
            parts.append(f'<span class="role-product">· {_escape(r.product)}</span>')
        if r.note:
            parts.append(f'<span class="muted">· {_escape(r.note)}</span>')
        parts.append(f'<span class="role-dates muted">since {self.time(r.started_at)}</span>')
        rows = getattr(p, "group_rows", None)
        if rows:
            groups = ", ".join(
                f'<a href="{_escape(g["url"])}">{_escape(g["name"])}</a> <span class="muted">'
                f"({_escape(str(g['tier']).lower())}{', emeritus' if g['emeritus'] else ''})</span>"
                for g in rows
            )
            parts.append(f'<span class="person-groups">Groups: {groups}</span>')
        return f'<li class="person-line">{" ".join(parts)}</li>'

    def simple(self, r, *, ended: bool) -> str:
        """An emeritus line (name, GitHub, title, since) or a past role (name, title, both dates)."""
        p = r.person
        parts = [self._person(p)]
        if ended:
            parts.append(f"<span>{_escape(r.title)}</span>")
            dates = f"{self.time(r.started_at)} – {self.time(r.ended_at)}"
        else:
            if p.github:
                parts.append(self._github(p))
            parts.append(f"<span>{_escape(r.title)}{' · ' + _escape(r.note) if r.note else ''}</span>")
            dates = f"since {self.time(r.started_at)}"
        parts.append(f'<span class="role-dates muted">{dates}</span>')
        return f'<li class="person-line">{" ".join(parts)}</li>'

    def lines(self, roles, **kw):
        render = self.simple if kw else self.line
        return mark_safe("".join(render(r, **kw) for r in roles))  # noqa: S308 - every value escaped above


MAINTAINERS_PARTS = ("leads", "cores", "sdks", "projects", "group_scopes", "moderators", "emeritus", "past",
                     "past_more", "past_limit")  # fmt: skip


@require_GET
def maintainers(request):
    """Current lead and core maintainers, maintainers of each SDK, project and group, moderators and
    emeritus, each with GitHub, groups and the role's start; then the roles that ended, with both dates.

    The lists are one `{% fragment %}` (the same for every viewer, and never clock-dependent): each
    context value is a callable into one build, so a warm fragment runs none of its queries."""
    build = cache(_maintainers_context)
    ctx = {name: (lambda name=name: build()[name]) for name in MAINTAINERS_PARTS}
    return render(request, "portal/people/maintainers.html", ctx)


def _maintainers_context() -> dict:
    current = list(
        _roles(Role.objects.current().filter(person__is_active=True)).order_by(
            "person__display_name", "person__username", "started_at"
        )
    )
    past = list(
        _roles(Role.objects.exclude(ended_at=None).filter(person__is_active=True)).order_by("-ended_at", "-id")[
            :PAST_ROLES_SHOWN
        ]
    )
    person_ids = {r.person_id for r in current}
    groups = _groups_of(person_ids)
    group_scopes = _scoped(current, RoleArea.GROUP)
    links = _group_links([s["scope"] for s in group_scopes])
    for s in group_scopes:
        s["url"] = links.get(s["scope"].lower())
    for r in current:
        r.person.group_rows = groups.get(r.person_id, [])

    def org(kind):
        return [r for r in current if r.area == RoleArea.ORG and r.kind == kind and not r.emeritus]

    render_lines = _LineRenderer()
    sdks, projects = _scoped(current, RoleArea.SDK), _scoped(current, RoleArea.PROJECT)
    for s in (*sdks, *projects, *group_scopes):
        s["lines"] = render_lines.lines(s["roles"])
    emeritus = [r for r in current if r.emeritus]
    ctx = {
        "leads": render_lines.lines(org(RoleKind.LEAD_MAINTAINER)),
        "cores": render_lines.lines(org(RoleKind.CORE_MAINTAINER)),
        "sdks": sdks,
        "projects": projects,
        "group_scopes": group_scopes,
        "moderators": render_lines.lines([r for r in current if r.kind == RoleKind.MODERATOR and not r.emeritus]),
        "emeritus": render_lines.lines(emeritus, ended=False),
        "past": render_lines.lines(past, ended=True),
        "past_more": len(past) >= PAST_ROLES_SHOWN,
        "past_limit": PAST_ROLES_SHOWN,
    }
    return ctx


@require_GET
def person(request, username):
    """One person: GitHub (verified or not), affiliation, ladder role, roles over time, groups over time."""
    someone = User.objects.filter(username=username).only(*PERSON_FIELDS, "merged_into_id").first()
    if someone is None:
        raise Http404("No such person.")
    if someone.merged_into_id:  # a placeholder merged into a real account: that account's page
        target = User.objects.filter(pk=someone.merged_into_id).values_list("username", flat=True).first()
        if target:
            return redirect("people:person", username=target, permanent=True)
    if not someone.is_active:
        raise Http404("No such person.")
    roles = list(Role.objects.filter(person=someone).order_by("ended_at", "-started_at", "-id"))
    roles.sort(key=lambda r: (r.ended_at is not None, -(r.ended_at or r.started_at).timestamp()))
    memberships = []
    for provider in _providers("memberships_of"):
        memberships.extend(provider(someone.pk))
    ctx = {
        "person": someone,
        "current_roles": [r for r in roles if r.ended_at is None],
        "past_roles": [r for r in roles if r.ended_at is not None],
        "memberships": [m for m in memberships if m["ended_at"] is None],
        "past_memberships": [m for m in memberships if m["ended_at"] is not None],
    }
    return render(request, "portal/people/person.html", ctx)
