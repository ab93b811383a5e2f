"""Demo groups for `seed_demo`: a dozen WGs and IGs with charters, leads, tiers and open nominations."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import (
    CharterSection,
    CharterVersion,
    Group,
    Membership,
    Participation,
    RetirementProposal,
    Sponsorship,
    Tier,
)

WG, IG = Group.Kind.WORKING, Group.Kind.INTEREST

# slug, name, kind, state, mission, leads, members, participants, observers
GROUPS = [
    ("transports", "Transports Working Group", WG, "active",
     "Evolves how MCP messages travel, from local pipes to horizontally scaled HTTP deployments, without breaking old clients.",
     ["sam", "ana"], ["omar"], ["mei", "tom", "grace"], ["noah"]),
    ("server-identity", "Server Identity Working Group", WG, "active",
     "Specifies how a client learns who a server is before it trusts it: signed metadata, trust roots and verification.",
     ["yuki"], ["ingrid"], ["kai", "sofia"], ["aisha"]),
    ("registry-tools", "Registry Tools Working Group", WG, "active",
     "Builds the open catalog of public MCP servers, its API description and the tooling around publishing.",
     ["diego"], ["ana", "sam"], ["tom", "aisha"], []),
    ("streaming-results", "Streaming Results Working Group", WG, "active",
     "Designs partial and progressive tool results so long-running calls stay responsive.",
     ["omar"], [], ["grace", "noah", "kai"], ["mei"]),
    ("client-capabilities", "Client Capabilities Working Group", WG, "active",
     "Keeps the capability negotiation between clients and servers small, explicit and testable.",
     ["ingrid", "yuki"], ["diego"], ["sofia"], []),
    ("agent-interop", "Agent Interoperability Working Group", WG, "proposed",
     "Would define how agents built on different stacks hand work to each other through MCP.",
     ["ana"], [], ["mei"], []),
    ("docs-examples", "Docs and Examples Working Group", WG, "retired",
     "Wrote the first set of runnable examples; its work now lives with each SDK.",
     ["sam"], ["omar"], [], []),
    ("security", "Security Interest Group", IG, "active",
     "Catalogues threats specific to MCP and turns validated problems into proposals or Working Groups.",
     ["priya", "ingrid"], [], ["mei", "tom", "kai", "sofia"], ["grace"]),
    ("enterprise", "Enterprise Deployment Interest Group", IG, "active",
     "Gathers what large organisations need to run MCP: identity, audit, policy and fleet management.",
     ["marco"], [], ["aisha", "noah"], ["tom"]),
    ("education", "Education Interest Group", IG, "active",
     "Collects teaching material and the questions newcomers ask most, to improve docs and examples.",
     ["diego"], [], ["grace", "sofia"], ["mei", "kai"]),
    ("financial-services", "Financial Services Interest Group", IG, "active",
     "Discusses regulated-industry use cases: data residency, approvals and traceable tool use.",
     ["omar"], [], ["kai"], ["aisha"]),
    ("identity", "Identity Interest Group", IG, "active",
     "Explored server and user identity; its conclusions formed the Server Identity Working Group.",
     ["lena"], [], ["tom"], []),
]  # fmt: skip

FORMED_FROM = {"server-identity": "identity"}


def _sections(name, kind, mission, leads):
    lead_title = "Lead" if kind == WG else "Facilitator"
    rows = "\n".join(
        f"| {lead_title} | {u.name} | {u.affiliation or '—'} | [@{u.github}](https://github.com/{u.github}) | 2026–2027 |"
        for u in leads
    )
    sections = {
        CharterSection.MISSION: mission,
        CharterSection.SCOPE_IN: f"- Proposals and discussion within the remit of the {name}.\n- Examples and notes.",
        CharterSection.SCOPE_OUT: "- Work owned by other groups or by the core maintainers.",
        CharterSection.LEADERSHIP: "| Role | Name | Organization | GitHub | Term |\n| --- | --- | --- | --- | --- |\n"
        + rows,
        CharterSection.OPERATIONS: "| Meeting | Frequency | Duration |\n| --- | --- | --- |\n"
        "| Working session | Every 2 weeks | 45 min |",
        CharterSection.CHANGELOG: "| Date | Change |\n| --- | --- |\n| 2026-03-01 | Initial charter |",
    }
    if kind == WG:
        sections[CharterSection.AUTHORITY] = (
            "| Decision | Authority |\n| --- | --- |\n| Meeting logistics | Leads |\n"
            "| Spec changes | WG consensus, then core maintainer approval |"
        )
        sections[CharterSection.DELIVERABLES] = "| Item | Status |\n| --- | --- |\n| First SEP draft | In progress |"
        sections[CharterSection.SUCCESS] = "- Two SDKs implement the group's first accepted SEP."
    return sections


def seed(people, stdout=None):
    now = timezone.now()
    created = 0
    by_slug, new = {}, set()
    for slug, name, kind, state, mission, leads, members, participants, observers in GROUPS:
        group, made = Group.objects.get_or_create(
            slug=slug,
            defaults=dict(
                name=name,
                kind=kind,
                state=state,
                mission_summary=mission,
                discord_channel=f"#{slug}",
                activated_at=None if state == "proposed" else now - timedelta(days=300),
                retired_at=now - timedelta(days=20) if state == "retired" else None,
                adopts_member_tier=kind == IG and slug == "security",
            ),
        )
        by_slug[slug] = group
        if not made:
            continue
        created += 1
        new.add(slug)
        lead_users = [people[u] for u in leads]
        v = CharterVersion(
            group=group,
            number=1,
            status=CharterVersion.Status.APPROVED,
            sections=_sections(name, kind, mission, lead_users),
            summary="Initial charter",
            author=lead_users[0],
            decided_by=people["marco"],
            decided_at=now - timedelta(days=300),
            rationale="Chartered after review by the core maintainers.",
            created_at=now - timedelta(days=310),
        )
        v.render()
        v.save()
        started = now - timedelta(days=200)
        rows = [
            Membership(group=group, user=u, tier=Tier.LEAD, term="2026–2027", started_at=started) for u in lead_users
        ]
        rows += [Membership(group=group, user=people[u], tier=Tier.MEMBER, started_at=started) for u in members]
        rows += [
            Membership(
                group=group, user=people[u], tier=Tier.PARTICIPANT, started_at=now - timedelta(days=120 - 20 * i)
            )
            for i, u in enumerate(participants)
        ]
        rows += [Membership(group=group, user=people[u], tier=Tier.OBSERVER, started_at=started) for u in observers]
        Membership.objects.bulk_create(rows)
        Participation.objects.bulk_create(
            [
                Participation(
                    group=group,
                    user=people[u],
                    kind=Participation.Kind.ATTENDANCE,
                    occurred_at=now - timedelta(days=d),
                    source_id=f"demo-{slug}-{u}-{d}",
                )
                for u in [*leads, *members, *participants]
                for d in ((40, 52, 75) if slug == "client-capabilities" else (3, 17, 45))
            ]
        )
    for slug, parent in FORMED_FROM.items():
        Group.objects.filter(slug=slug, formed_from=None).update(formed_from=by_slug[parent])

    if not created:
        if stdout:
            stdout.write("Groups: demo groups already present.")
        return
    # Everything below touches only groups made in this run (a database may hold imported ones).
    if "agent-interop" in new:  # G3: one core maintainer sponsor so far; activation waits for a second
        Sponsorship.objects.get_or_create(group=by_slug["agent-interop"], sponsor=people["priya"])
    nominations = [  # T3: participants with 90+ days and recorded attendance, and one lead override
        ("transports", "mei", "sam", "Mei has reviewed every transport SEP this quarter and ran two working sessions.", ""),
        ("security", "mei", "priya", "Mei wrote the first threat-model draft.", ""),
        ("streaming-results", "kai", "omar", "Kai prototyped chunked results in two SDKs.",
         "Kai joined recently but led the prototype the group is built on."),
    ]  # fmt: skip
    for slug, nominee, nominator, rationale, override in nominations:
        if slug in new:
            services.nomination_open(
                group=by_slug[slug],
                nominee=people[nominee],
                by=people[nominator],
                rationale=rationale,
                override_reason=override,
            )
    if "registry-tools" in new:  # G6: an amendment waiting for a core maintainer in the admin
        draft = services.charter_start_amendment(group=by_slug["registry-tools"], by=people["diego"])
        services.charter_edit_section(
            version=draft,
            by=people["diego"],
            key=CharterSection.SUCCESS,
            text="- The catalog lists 1,000 public servers.\n- Publishing takes under five minutes.",
        )
        services.charter_submit(version=draft, by=people["diego"], summary="Adds success criteria")
    if "financial-services" in new:  # G7: a retirement proposal for the queue
        RetirementProposal.objects.get_or_create(
            group=by_slug["financial-services"],
            status=RetirementProposal.Status.OPEN,
            defaults={"proposed_by": people["omar"], "rationale": "Discussion moved to the Enterprise IG."},
        )
    if "client-capabilities" in new:  # G7: idle for 40 days, flagged as the sweep would
        Group.objects.filter(slug="client-capabilities").update(inactive_since=now - timedelta(days=10))
    from . import decision_demo  # D1-D5, G8

    decision_demo.seed(people, {slug: by_slug[slug] for slug in new}, stdout)
    if stdout:
        stdout.write(f"Groups: {created} demo groups with charters, tiers and open nominations.")
