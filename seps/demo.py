"""Demo SEPs for `seed_demo`: every status, across groups, moved through the real services."""

from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from groups.models import Group
from portal.events import record

from .models import SEP, RoadmapArea, SEPAuthor, SEPType
from .services import (
    sep_accept,
    sep_finalize,
    sep_mark_dormant,
    sep_reject,
    sep_sponsor,
    sep_submit_for_review,
    sep_supersede,
    sep_withdraw,
)

BODY = """## Abstract

{title}: a short summary of what this proposal changes and for whom.

## Motivation

Why the current protocol falls short for this case.

## Specification

### Messages

The new fields and methods, with their exact semantics.

## Rationale

Alternatives that were weighed and why this one was chosen.

## Backward Compatibility

What existing clients and servers need to do.

## Reference Implementation

Links to pull requests in the SDKs.

## Security Implications

New attack surfaces and how they are mitigated.
"""

# number, title, type, group index, authors, target status, roadmap area, days since created, days since last step
DEMO = [
    (4101, "Stateless sessions for Streamable HTTP", SEPType.STANDARDS, 0, ["ana", "omar"], "in-review", RoadmapArea.TRANSPORT, 75, 18),
    (4102, "Server metadata at a well-known address", SEPType.STANDARDS, 0, ["ingrid"], "draft", RoadmapArea.TRANSPORT, 70, 45),
    (4103, "Retry semantics for tasks", SEPType.EXTENSIONS, 1, ["diego", "mei"], "accepted", RoadmapArea.AGENTS, 120, 10),
    (4104, "Task result expiry", SEPType.EXTENSIONS, 1, ["tom"], "final", RoadmapArea.AGENTS, 200, 40),
    (4105, "Delegated SEP review for Working Groups", SEPType.PROCESS, None, ["grace"], "in-review", RoadmapArea.GOVERNANCE, 30, 4),
    (4106, "Resource subscriptions with filters", SEPType.STANDARDS, 0, ["noah"], "proposal", RoadmapArea.NONE, 12, 12),
    (4107, "Progress notifications with ETA", SEPType.STANDARDS, 1, ["aisha"], "rejected", RoadmapArea.NONE, 100, 30),
    (4108, "Prompt templates with includes", SEPType.INFORMATIONAL, None, ["kai"], "withdrawn", RoadmapArea.NONE, 60, 20),
    (4109, "Legacy task polling", SEPType.STANDARDS, 1, ["sofia"], "superseded", RoadmapArea.NONE, 300, 8),
    (4110, "Binary resource streaming", SEPType.STANDARDS, 0, ["mei"], "dormant", RoadmapArea.NONE, 200, 25),
    (4111, "Audit log extension", SEPType.EXTENSIONS, None, ["omar", "grace"], "draft", RoadmapArea.ENTERPRISE, 25, 9),
]  # fmt: skip


def _groups(stdout):
    groups = list(Group.objects.filter(kind=Group.Kind.WORKING).order_by("pk")[:2])
    for name in ["Transports Working Group", "Agents Working Group"][len(groups) :]:
        g, _ = Group.objects.get_or_create(
            slug=slugify(name),
            defaults={"name": name, "kind": Group.Kind.WORKING, "state": Group.State.ACTIVE,
                      "activated_at": timezone.now(), "mission_summary": f"The {name} (demo)."},
        )  # fmt: skip
        groups.append(g)
        if stdout:
            stdout.write(f"  created group {g.name} for the SEP demo")
    return groups


def seed(people, stdout=None):
    if SEP.objects.filter(number__in=[d[0] for d in DEMO]).exists():
        return
    groups = _groups(stdout)
    core, core2, sponsor, sponsor2 = people["marco"], people["priya"], people["sam"], people["yuki"]
    today = timezone.now()
    made = {}
    # Backdated, so the index, the timelines and the review queue's waits look like a real history.
    for number, title, typ, gi, authors, target, area, age, wait in DEMO:
        start = today - timedelta(days=age)
        sep = SEP(number=number, title=title, slug=slugify(title), type=typ, roadmap_area=area,
                  group=groups[gi] if gi is not None else None, body=BODY.format(title=title),
                  pr_url=f"https://github.com/modelcontextprotocol/modelcontextprotocol/pull/{number}",
                  created=start.date(), created_at=start, last_activity_at=start, status_changed_at=start)  # fmt: skip
        sep.render_body()
        sep.save()
        SEPAuthor.objects.bulk_create(
            [
                SEPAuthor(sep=sep, position=i, name=people[u].name, github=people[u].github, user=people[u])
                for i, u in enumerate(authors)
            ]  # fmt: skip
        )
        record(
            actor=people[authors[0]], verb="sep.created", target=sep, at=start, data={"number": number, "via": "demo"}
        )
        made[number] = sep
        spons = sponsor if number % 2 else sponsor2
        path = {
            "draft": ["sponsor"],
            "in-review": ["sponsor", "submit"],
            "accepted": ["sponsor", "submit", "accept"],
            "final": ["sponsor", "submit", "accept", "final"],
            "rejected": ["sponsor", "submit", "reject"],
            "superseded": ["sponsor", "submit", "accept", "final", "supersede"],
            "withdrawn": ["withdraw"],
            "dormant": ["dormant"],
        }.get(target, [])
        last = today - timedelta(days=wait)
        for j, step in enumerate(path):
            now = start + (last - start) * (j + 1) / len(path)
            if step == "sponsor":
                sep_sponsor(sep=sep, by=spons, now=now, reason="This fits the roadmap; I will shepherd it.")
            elif step == "submit":
                sep_submit_for_review(sep=sep, by=spons, now=now, reason="Ready for the core maintainers' review.")
            elif step == "accept":
                sep_accept(sep=sep, by=core, now=now, reason="Consensus in the review meeting.")
            elif step == "reject":
                sep_reject(sep=sep, by=core2, now=now, reason="Solved better by existing notifications.")
            elif step == "final":
                sep_finalize(sep=sep, by=core, now=now, reason="Reference implementation merged.",
                             reference_implementation=f"https://github.com/modelcontextprotocol/typescript-sdk/pull/{number}")  # fmt: skip
            elif step == "supersede":
                sep_supersede(
                    sep=sep, by=core, now=now, reason="Replaced by the task retry design.", successor_number=4103
                )
            elif step == "withdraw":
                sep_withdraw(sep=sep, by=people[authors[0]], now=now, reason="Folded into another proposal.")
            elif step == "dormant":
                sep_mark_dormant(sep=sep, by=core2, now=now, reason="No sponsor after four months.")
    if stdout:
        stdout.write(f"  {len(made)} demo SEPs in every status")
