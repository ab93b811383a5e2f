"""Every write to groups that changes state (DESIGN convention 1).

Each transition checks the allowed source state and the actor's right, locks the row, saves with
`update_fields`, records an event in the same transaction and sends mail after commit.
"""

import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import strip_tags

from portal.errors import DomainError
from portal.events import record
from portal.notices import queue_notice
from portal.templatetags.portal_tags import when

from .models import (
    CharterSection,
    CharterVersion,
    Group,
    Membership,
    Nomination,
    Objection,
    Participation,
    RetirementProposal,
    Sponsorship,
    Tier,
)
from .rules import forget_tiers

SELF_SERVICE_TIERS = (Tier.OBSERVER, Tier.PARTICIPANT)


def article(word: str) -> str:
    """'an observer', 'a participant'."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def G(key):
    return settings.GOVERNANCE[key]


def _bump(group_id: int) -> None:
    Group.objects.filter(pk=group_id).update(version=F("version") + 1)


def _require_not_retired(group) -> None:
    """G2/G7: one guard for every writer (groups.guards), reading the state at the moment of the action."""
    from groups.guards import ensure_group_writable

    ensure_group_writable(group)


def _text(value, label, max_length, *, required=False, one_line=False):
    from portal.validation import clean_text

    return clean_text(value, label=label, max_length=max_length, required=required, one_line=one_line)


def _lock_current(group, user):
    return Membership.objects.select_for_update().current().filter(group=group, user=user).first()


def _switch_membership(current, *, group, user, tier, status=Membership.Status.ACTIVE, term="", note="", now=None):
    """End `current` (if any) and start a new row: history is never overwritten (DESIGN 4)."""
    now = now or timezone.now()
    forget_tiers(group)
    if current is not None:
        current.ended_at = max(now, current.started_at)
        current.save(update_fields=["ended_at"])
    return Membership.objects.create(
        group=group, user=user, tier=tier, status=status, started_at=now, term=term, note=note
    )


# --- T2: join, change tier, leave ---------------------------------------------------------------


def membership_join(*, group: Group, user, tier: str) -> Membership:
    if not user.is_authenticated:
        raise PermissionDenied("Sign in to join a group.")
    if tier not in SELF_SERVICE_TIERS:
        raise DomainError("You can join as an observer or a participant; member and lead come by nomination.")
    _require_not_retired(group)
    with transaction.atomic():
        current = _lock_current(group, user)
        if current is not None:
            if current.tier == tier:
                raise DomainError(f"You are already {article(current.get_tier_display().lower())} of {group.name}.")
            if current.tier not in SELF_SERVICE_TIERS:
                raise DomainError(
                    f"You are {article(current.get_tier_display().lower())} of {group.name}; "
                    "that tier changes only through the group's leads or core maintainers."
                )
        try:
            with transaction.atomic():
                membership = _switch_membership(current, group=group, user=user, tier=tier)
        except IntegrityError:  # a concurrent join won the race (one current membership, enforced)
            raise DomainError(f"You are already in {group.name}.") from None
        record(
            actor=user,
            verb="membership.tier_changed" if current else "membership.joined",
            target=membership,
            data={"from": current.tier if current else None, "to": tier},
        )
        if tier == Tier.OBSERVER:  # T3: an observer is no longer a candidate for member
            _withdraw_own_nominations(group=group, user=user, why="stepped_down")
        _bump(group.pk)
    return membership


def _withdraw_own_nominations(*, group, user, why: str) -> None:
    now = timezone.now()
    for nomination in Nomination.objects.select_for_update().open().filter(group=group, nominee=user):
        nomination.status = Nomination.Status.WITHDRAWN
        nomination.closed_at, nomination.closed_by, nomination.last_activity_at = now, user, now
        nomination.save(update_fields=["status", "closed_at", "closed_by", "last_activity_at"])
        record(actor=user, verb="nomination.withdrawn", target=nomination, data={"by": "nominee", why: True})


def membership_leave(*, group: Group, user) -> None:
    _require_not_retired(group)
    with transaction.atomic():
        current = _lock_current(group, user)
        if current is None:
            raise DomainError(f"You are not in {group.name}.")
        if (
            current.tier == Tier.LEAD
            and group.state == Group.State.ACTIVE
            and not Membership.objects.leads().filter(group=group).exclude(user=user).exists()
        ):
            raise DomainError(
                f"You are the only {group.lead_title.lower()} of {group.name}; an active group needs one (G4). "
                "Ask a core maintainer to appoint another first."
            )
        now = timezone.now()
        current.ended_at = max(now, current.started_at)
        current.save(update_fields=["ended_at"])
        forget_tiers(group)
        record(actor=user, verb="membership.left", target=current, data={"tier": current.tier})
        # Leaving withdraws the person's own open nomination (recorded as a withdrawal by the nominee).
        for nomination in Nomination.objects.select_for_update().open().filter(group=group, nominee=user):
            nomination.status = Nomination.Status.WITHDRAWN
            nomination.closed_at, nomination.closed_by, nomination.last_activity_at = now, user, now
            nomination.save(update_fields=["status", "closed_at", "closed_by", "last_activity_at"])
            record(actor=user, verb="nomination.withdrawn", target=nomination, data={"by": "nominee", "left": True})
        _bump(group.pk)


# --- T3: nominations ----------------------------------------------------------------------------


def participation_check(*, group: Group, user, now=None) -> tuple[bool, str]:
    """T3: participant for >= 90 days and recorded participation within those 90 days."""
    now = now or timezone.now()
    need = G("NOMINATION_MIN_PARTICIPATION")
    current = Membership.objects.active().filter(group=group, user=user).first()
    if current is None or current.tier != Tier.PARTICIPANT:
        return False, f"{user.name} is not a participant of {group.name}."
    # Contiguous participant rows count together (e.g. an emeritus restore in between does not reset).
    since = current.started_at
    if since > now - need:
        days = (now - since).days
        return False, f"{user.name} has been a participant for {days} days; {need.days} are needed."
    if not Participation.objects.filter(group=group, user=user, occurred_at__gte=now - need).exists():
        return (
            False,
            f"{user.name} has no recorded participation (attendance, agenda items, votes) in {need.days} days.",
        )
    return True, ""


def nomination_open(*, group: Group, nominee, by, rationale: str, override_reason: str = "") -> Nomination:
    _require_not_retired(group)
    if not rules.test_rule("groups.nominate", by, group):
        raise PermissionDenied(f"Only members and {group.lead_title.lower()}s of {group.name} may nominate.")
    rationale = _text(rationale, "The rationale", 4000)
    override_reason = _text(override_reason, "The override reason", 4000)
    if not rationale:
        raise DomainError("A nomination needs a written rationale.")
    if nominee.pk == by.pk:
        raise DomainError("You cannot nominate yourself.")
    if override_reason and not rules.test_rule("groups.override_participation", by, group):
        raise PermissionDenied(f"Only a {group.lead_title.lower()} may override the participation check.")
    now = timezone.now()
    ok, why = participation_check(group=group, user=nominee, now=now)
    if not ok:
        if current_tier(group, nominee) != Tier.PARTICIPANT:
            raise DomainError(why + " Only participants can be nominated to member.")
        if not override_reason:
            raise DomainError(why + " A lead may override this with a written reason.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                nomination = Nomination.objects.create(
                    group=group,
                    nominee=nominee,
                    nominator=by,
                    rationale=rationale,
                    override_reason=override_reason if not ok else "",
                    opened_at=now,
                    deadline=now + G("NOMINATION_OBJECTION_WINDOW"),
                    last_activity_at=now,
                )
        except IntegrityError:
            raise DomainError(f"{nominee.name} already has an open nomination in {group.name}.") from None
        record(
            actor=by,
            verb="nomination.opened",
            target=nomination,
            data={"nominee": nominee.pk, "override": bool(nomination.override_reason)},
        )
        if nomination.override_reason:
            record(
                actor=by,
                verb="nomination.participation_overridden",
                target=nomination,
                data={"reason": nomination.override_reason, "check": why},
            )
        with timezone.override(nominee.timezone or "UTC"):  # the deadline in the nominee's own zone
            deadline = strip_tags(when(nomination.deadline))
        queue_notice(
            kind="groups.nomination_opened",
            target=nomination,
            due_at=nomination.opened_at,
            recipients=[nominee],
            template="groups/email/nomination_opened",
            context={"nomination": nomination, "deadline": deadline},
        )
        _bump(group.pk)
    return nomination


def current_tier(group, user):
    return Membership.objects.active().filter(group=group, user=user).values_list("tier", flat=True).first()


def nomination_object(*, nomination: Nomination, by, reason: str) -> Objection:
    _require_not_retired(nomination.group_id)
    if not rules.test_rule("groups.object_nomination", by, nomination):
        raise PermissionDenied("Only the group's leads, core maintainers and lead maintainers may object.")
    reason = _text(reason, "The reason", 4000)
    if not reason:
        raise DomainError("An objection needs a reason.")
    with transaction.atomic():
        nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
        now = timezone.now()
        if nomination.status != Nomination.Status.OPEN or nomination.deadline <= now:
            raise DomainError("This nomination is no longer open for objections.")
        objection = Objection.objects.create(nomination=nomination, by=by, reason=reason, created_at=now)
        nomination.last_activity_at = now  # the deadline sweep decides the outcome
        nomination.save(update_fields=["last_activity_at"])
        record(actor=by, verb="nomination.objection", target=nomination, data={"reason": reason})
        _bump(nomination.group_id)
    return objection


def nomination_withdraw(*, nomination: Nomination, by) -> Nomination:
    _require_not_retired(nomination.group_id)
    if not rules.test_rule("groups.withdraw_nomination", by, nomination):
        raise PermissionDenied("Only the nominator or the nominee may withdraw a nomination.")
    with transaction.atomic():
        nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
        now = timezone.now()
        if nomination.status != Nomination.Status.OPEN or nomination.deadline <= now:
            raise DomainError("This nomination is no longer open; it cannot be withdrawn.")
        nomination.status = Nomination.Status.WITHDRAWN
        nomination.closed_at = now
        nomination.closed_by = by
        nomination.last_activity_at = now
        nomination.save(update_fields=["status", "closed_at", "closed_by", "last_activity_at"])
        record(
            actor=by,
            verb="nomination.withdrawn",
            target=nomination,
            data={"by": "nominee" if by.pk == nomination.nominee_id else "nominator"},
        )
        _bump(nomination.group_id)
    return nomination


def nomination_close(*, nomination_id: int, now=None) -> Nomination | None:
    """Sweep step (T3): at the deadline, confirm (tier becomes member) or mark objected. Once."""
    now = now or timezone.now()
    with transaction.atomic():
        nomination = (
            Nomination.objects.select_for_update()
            .select_related("group", "nominee", "nominator")
            .filter(pk=nomination_id, status=Nomination.Status.OPEN, deadline__lte=now)
            .first()
        )
        if nomination is None or nomination.group.is_retired:
            return None  # handled already, withdrawn, not due, or the group is retired (read-only)
        objected = nomination.objections.exists()
        if not objected:
            # T3 at the moment of the action: only a current, active participant becomes member. A nominee
            # who stepped down to observer or whose membership ended meanwhile is not confirmed.
            now_tier = Membership.objects.active().filter(group=nomination.group, user=nomination.nominee).first()
            if now_tier is None or Tier.rank(now_tier.tier) < Tier.rank(Tier.PARTICIPANT):
                nomination.status, nomination.closed_at, nomination.last_activity_at = (
                    Nomination.Status.WITHDRAWN,
                    now,
                    now,
                )
                nomination.save(update_fields=["status", "closed_at", "last_activity_at"])
                record(actor=None, verb="nomination.withdrawn", target=nomination, at=now,
                       data={"by": "sweep", "reason": "The nominee is no longer a participant (T3)."})  # fmt: skip
                _bump(nomination.group_id)
                return nomination
        nomination.status = Nomination.Status.OBJECTED if objected else Nomination.Status.CONFIRMED
        nomination.closed_at = now
        nomination.save(update_fields=["status", "closed_at"])
        if not objected:
            current = _lock_current(nomination.group, nomination.nominee)
            if current is None or Tier.rank(current.tier) < Tier.rank(Tier.MEMBER):
                membership = _switch_membership(
                    current,
                    group=nomination.group,
                    user=nomination.nominee,
                    tier=Tier.MEMBER,
                    note=f"Nomination #{nomination.pk} confirmed",
                    now=now,
                )
                record(
                    actor=None,
                    verb="membership.tier_changed",
                    target=membership,
                    data={"from": current.tier if current else None, "to": Tier.MEMBER, "nomination": nomination.pk},
                    at=now,
                )
        record(actor=None, verb=f"nomination.{nomination.status}", target=nomination, at=now)
        queue_notice(
            kind=f"groups.nomination_{nomination.status}",
            target=nomination,
            due_at=nomination.deadline,
            recipients=[nomination.nominator, nomination.nominee],
            template="groups/email/nomination_outcome",
            context={"nomination": nomination, "confirmed": not objected},
        )
        _bump(nomination.group_id)
    return nomination


# --- T4: emeritus ---------------------------------------------------------------------------------


def membership_mark_emeritus(*, membership_id: int, now=None) -> Membership | None:
    """Sweep step (T4): a member with no participation for 3 months becomes emeritus (recorded)."""
    now = now or timezone.now()
    cutoff = now - G("EMERITUS_AFTER")
    with transaction.atomic():
        m = (
            Membership.objects.select_for_update()
            .active()
            .filter(pk=membership_id, tier=Tier.MEMBER, started_at__lte=cutoff)
            .first()
        )
        if m is None or m.group.is_retired:
            return None
        last = (
            Participation.objects.filter(group_id=m.group_id, user_id=m.user_id)
            .order_by("-occurred_at")
            .values_list("occurred_at", flat=True)
            .first()
        )
        if last is not None and last > cutoff:
            return None  # participated after all (re-check under the lock)
        new = _switch_membership(
            m,
            group=m.group,
            user=m.user,
            tier=m.tier,
            status=Membership.Status.EMERITUS,
            note=f"No participation since {last:%Y-%m-%d}" if last else "No recorded participation",
            now=now,
        )
        record(
            actor=None,
            verb="membership.emeritus",
            target=new,
            data={"last_participation": last, "user": m.user_id},
            at=now,
        )
        _bump(m.group_id)
    return new


def membership_set_tier(
    *, group: Group, user, tier: str, by, term: str = "", note: str = "", status: str = Membership.Status.ACTIVE
) -> Membership:
    """T2: a core maintainer sets any tier directly (e.g. appoints a lead); recorded, history kept."""
    if not rules.test_rule("groups.set_tier", by, group):
        raise PermissionDenied("Only core maintainers set member and lead tiers directly.")
    _require_not_retired(group)
    if tier not in Tier.values:
        raise DomainError("Unknown tier.")
    if status not in Membership.Status.values:
        raise DomainError("Unknown membership status.")
    term = _text(term, "The term", 80, one_line=True)
    note = _text(note, "The note", 300)
    from groups.guards import ensure_keeps_a_lead

    ensure_keeps_a_lead(group, user, new_tier=tier)
    if tier == Tier.LEAD and not rules.test_rule("groups.eligible_lead", user):
        raise DomainError(f"{user.name} is not an org-wide member or above; leads must be (G4).")
    with transaction.atomic():
        current = _lock_current(group, user)
        if current is not None and (current.tier, current.status, current.term) == (
            tier,
            status,
            term or current.term,
        ):
            return current
        m = _switch_membership(
            current, group=group, user=user, tier=tier, status=status, term=term, note=note or f"Set by {by.name}"
        )
        record(
            actor=by,
            verb="membership.tier_set",
            target=m,
            data={"from": current.tier if current else None, "to": tier, "user": user.pk, "note": note},
        )
        _bump(group.pk)
    return m


def membership_end(*, membership: Membership, by, note: str = "") -> Membership:
    """A core maintainer ends someone's membership (the row stays as history; recorded)."""
    group = membership.group
    if not rules.test_rule("groups.set_tier", by, group):
        raise PermissionDenied("Only core maintainers end memberships directly.")
    _require_not_retired(group)
    note = _text(note, "The note", 300)
    with transaction.atomic():
        m = Membership.objects.select_for_update().current().filter(pk=membership.pk).first()
        if m is None:
            raise DomainError("This membership has already ended.")
        from groups.guards import ensure_keeps_a_lead

        ensure_keeps_a_lead(group, m.user)  # G4, whoever acts
        m.ended_at = max(timezone.now(), m.started_at)
        m.note = (note or m.note)[:300]
        m.save(update_fields=["ended_at", "note"])
        forget_tiers(group)
        record(actor=by, verb="membership.ended", target=m, data={"tier": m.tier, "user": m.user_id, "note": note})
        _bump(group.pk)
    return m


def membership_restore(*, membership: Membership, by) -> Membership:
    """T4: a lead restores an emeritus member to active after renewed participation."""
    group = membership.group
    _require_not_retired(group)
    if not rules.test_rule("groups.restore_member", by, group):
        raise PermissionDenied(f"Only a {group.lead_title.lower()} of {group.name} may restore a member.")
    with transaction.atomic():
        m = Membership.objects.select_for_update().current().filter(pk=membership.pk).first()
        if m is None or m.status != Membership.Status.EMERITUS:
            raise DomainError("Only a current emeritus member can be restored.")
        new = _switch_membership(m, group=group, user=m.user, tier=m.tier, term=m.term, note=f"Restored by {by.name}")
        record(actor=by, verb="membership.restored", target=new, data={"user": m.user_id})
        _bump(group.pk)
    return new


# --- G5/G6: charters ------------------------------------------------------------------------------


def current_charter(group: Group) -> CharterVersion | None:
    return group.charter_versions.approved().order_by("-number").first()


def _next_number(group: Group) -> int:
    last = CharterVersion.objects.filter(group=group).order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def charter_start_amendment(*, group: Group, by) -> CharterVersion:
    _require_not_retired(group)
    if not rules.test_rule("groups.amend_charter", by, group):
        raise PermissionDenied(
            f"Only a {group.lead_title.lower()} of {group.name} or a core maintainer may amend its charter."
        )
    with transaction.atomic():
        Group.objects.select_for_update().filter(pk=group.pk).first()
        existing = group.charter_versions.open().first()
        if existing is not None:
            return existing
        base = current_charter(group)
        version = CharterVersion(
            group=group,
            number=_next_number(group),
            sections=dict(base.sections) if base else {k: "" for k in CharterSection.values},
            author=by,
        )
        version.render()
        version.save()
        record(actor=by, verb="charter.draft_started", target=version, data={"from": base.number if base else None})
    return version


def charter_edit_section(*, version: CharterVersion, by, key: str, text: str) -> CharterVersion:
    if key not in CharterSection.values:
        raise DomainError("There is no such charter section.")
    _require_not_retired(version.group_id)
    text = _text(text, "The section", 40000)
    if not rules.test_rule("groups.amend_charter", by, version.group):
        raise PermissionDenied("Only the group's leads or core maintainers may edit its charter.")
    with transaction.atomic():
        v = CharterVersion.objects.select_for_update().get(pk=version.pk)
        if v.status != CharterVersion.Status.DRAFT:
            raise DomainError("Only a draft can be edited; this version was already submitted.")
        v.sections = {**v.sections, key: text.replace("\r\n", "\n")}
        v.render()
        v.save(update_fields=["sections", "sections_html"])
    return v


def charter_submit(*, version: CharterVersion, by, summary: str = "") -> CharterVersion:
    _require_not_retired(version.group_id)
    summary = _text(summary, "The summary", 200, one_line=True)
    if not rules.test_rule("groups.amend_charter", by, version.group):
        raise PermissionDenied("Only the group's leads or core maintainers may submit a charter amendment.")
    with transaction.atomic():
        v = CharterVersion.objects.select_for_update().get(pk=version.pk)
        if v.status != CharterVersion.Status.DRAFT:
            raise DomainError("Only a draft can be submitted.")
        if not (v.sections.get(CharterSection.MISSION) or "").strip():
            raise DomainError("A charter needs a mission statement before it is submitted.")
        v.status = CharterVersion.Status.SUBMITTED
        v.submitted_at = timezone.now()
        v.summary = (summary or v.summary).strip()[:200]
        v.save(update_fields=["status", "submitted_at", "summary"])
        record(actor=by, verb="charter.submitted", target=v, data={"summary": v.summary})
    return v


def mission_summary(mission_html: str, limit: int = 300) -> str:
    """The one-line mission for the directory: plain text, cut at a word boundary to fit the field."""
    text = " ".join(strip_tags(mission_html).split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-") + "…"


def decision_problem(version: CharterVersion) -> str:
    """'' when a core maintainer may approve or reject `version` now (G5), else why not."""
    if version.status != CharterVersion.Status.SUBMITTED:
        return (
            f"Version {version.number} of {version.group} is {version.get_status_display().lower()}, "
            "not submitted; only submitted versions are decided."
        )
    return ""


def charter_decide(*, version: CharterVersion, by, approve: bool, rationale: str) -> CharterVersion:
    """G5: core maintainers approve or reject a submitted version, with a rationale (recorded)."""
    if not rules.test_rule("groups.decide_charter", by, version):
        raise PermissionDenied("Only core maintainers approve or reject charters.")
    _require_not_retired(version.group_id)
    rationale = _text(rationale, "The rationale", 4000)
    if not rationale:
        raise DomainError("A charter decision needs a rationale.")
    with transaction.atomic():
        v = CharterVersion.objects.select_for_update().select_related("group").get(pk=version.pk)
        problem = decision_problem(v)
        if problem:
            raise DomainError(problem)
        v.status = CharterVersion.Status.APPROVED if approve else CharterVersion.Status.REJECTED
        v.decided_by = by
        v.decided_at = timezone.now()
        v.rationale = rationale
        v.save(update_fields=["status", "decided_by", "decided_at", "rationale"])
        if approve:
            summary = mission_summary(v.sections_html.get(CharterSection.MISSION, ""))
            if summary:
                Group.objects.filter(pk=v.group_id).update(mission_summary=summary)
        record(actor=by, verb=f"charter.{v.status}", target=v, data={"rationale": rationale, "number": v.number})
        _bump(v.group_id)
    return v


# --- G2/G3/G4: activation; G7: retirement -------------------------------------------------------


def sponsorship_problem(group: Group) -> str:
    """'' when G3 sponsorship holds, else why not."""
    sponsors = [s.sponsor for s in group.sponsorships.select_related("sponsor")]
    leads = sum(1 for u in sponsors if u.is_lead_maintainer)
    cores = sum(1 for u in sponsors if u.is_core_maintainer)
    if leads >= G("FORMATION_LEAD_SPONSORS") or cores >= G("FORMATION_CORE_SPONSORS"):
        return ""
    return (
        f"{group.name} needs sponsorship by {G('FORMATION_CORE_SPONSORS')} core maintainers or "
        f"{G('FORMATION_LEAD_SPONSORS')} lead maintainer (G3); it has {cores} core maintainer sponsor(s)."
    )


def lead_problem(group: Group) -> str:
    leads = [m.user for m in Membership.objects.leads().filter(group=group).select_related("user")]
    if not leads:
        return f"{group.name} has no {group.lead_title.lower()}; an active group needs at least one (G4)."
    if not any(rules.test_rule("groups.eligible_lead", u) for u in leads):
        return (
            f"No {group.lead_title.lower()} of {group.name} holds org-wide member status or above (G4): "
            + ", ".join(u.name for u in leads)
        )
    return ""


def activation_problem(group: Group) -> str:
    """'' when `group` may become active now (G2 proposed, G3 sponsorship, G4 leads), else why not."""
    if group.state != Group.State.PROPOSED:
        return f"{group.name} is {group.get_state_display().lower()}, not proposed."
    return sponsorship_problem(group) or lead_problem(group)


def group_activate(*, group: Group, by, rationale: str) -> Group:
    if not rules.test_rule("groups.activate", by, group):
        raise PermissionDenied("Only core maintainers activate groups.")
    rationale = (rationale or "").strip()
    if not rationale:
        raise DomainError("Activating a group needs a rationale.")
    with transaction.atomic():
        g = Group.objects.select_for_update().get(pk=group.pk)
        problem = activation_problem(g)
        if problem:
            raise DomainError(problem)
        g.state = Group.State.ACTIVE
        g.activated_at = timezone.now()
        g.version += 1
        g.save(update_fields=["state", "activated_at", "version"])
        record(actor=by, verb="group.activated", target=g, data={"rationale": rationale})
    return g


def sponsorship_record(*, group: Group, sponsor, by, note: str = "") -> Sponsorship:
    _require_not_retired(group)
    note = _text(note, "The note", 300)
    if not sponsor.is_core_maintainer:
        raise DomainError(f"{sponsor.name} is not a core or lead maintainer; only they sponsor groups (G3).")
    with transaction.atomic():
        s, created = Sponsorship.objects.get_or_create(group=group, sponsor=sponsor, defaults={"note": note})
        if created:
            record(actor=by, verb="group.sponsored", target=group, data={"sponsor": sponsor.pk, "note": note})
    return s


def sponsorship_withdraw(*, sponsorship: Sponsorship, by) -> None:
    """A sponsorship taken back (in the admin): the row goes, the event log keeps who and when (G3)."""
    _require_not_retired(sponsorship.group_id)
    with transaction.atomic():
        record(
            actor=by,
            verb="group.sponsorship_withdrawn",
            target=sponsorship.group,
            data={"sponsor": sponsorship.sponsor_id, "note": sponsorship.note},
        )
        sponsorship.delete()


def retirement_propose(*, group: Group, by, rationale: str) -> RetirementProposal:
    _require_not_retired(group)
    if not rules.test_rule("groups.propose_retirement", by, group):
        raise PermissionDenied(
            f"Only a {group.lead_title.lower()} or a core maintainer may propose retiring {group.name}."
        )
    rationale = _text(rationale, "The rationale", 4000)
    if not rationale:
        raise DomainError("A retirement proposal needs a rationale.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                p = RetirementProposal.objects.create(group=group, proposed_by=by, rationale=rationale)
        except IntegrityError:
            raise DomainError(f"Retiring {group.name} is already proposed.") from None
        record(actor=by, verb="group.retirement_proposed", target=group, data={"rationale": rationale})
        _bump(group.pk)
    return p


def retirement_decide(*, proposal: RetirementProposal, by, approve: bool, rationale: str) -> RetirementProposal:
    if not rules.test_rule("groups.approve_retirement", by, proposal.group):
        raise PermissionDenied("Only core maintainers and lead maintainers decide on retirement.")
    rationale = _text(rationale, "The rationale", 4000)
    if not rationale:
        raise DomainError("A retirement decision needs a rationale.")
    with transaction.atomic():
        p = RetirementProposal.objects.select_for_update().select_related("group").get(pk=proposal.pk)
        if p.status != RetirementProposal.Status.OPEN:
            raise DomainError("This retirement proposal was already decided.")
        now = timezone.now()
        p.status = RetirementProposal.Status.APPROVED if approve else RetirementProposal.Status.DECLINED
        p.decided_by, p.decided_at, p.decision_rationale = by, now, rationale
        p.save(update_fields=["status", "decided_by", "decided_at", "decision_rationale"])
        g = Group.objects.select_for_update().get(pk=p.group_id)
        if approve:
            g.state = Group.State.RETIRED
            g.retired_at = now
            g.version += 1
            g.save(update_fields=["state", "retired_at", "version"])
            record(actor=by, verb="group.retired", target=g, data={"rationale": rationale, "proposal": p.pk})
            # What was still open closes with the group, each recorded (the timelines must not go silent).
            for n in Nomination.objects.select_for_update().open().filter(group=g):
                n.status, n.closed_at, n.closed_by, n.last_activity_at = Nomination.Status.WITHDRAWN, now, by, now
                n.save(update_fields=["status", "closed_at", "closed_by", "last_activity_at"])
                record(actor=by, verb="nomination.withdrawn", target=n, data={"by": "retirement"})
            for v in CharterVersion.objects.select_for_update().open().filter(group=g):
                v.status, v.decided_by, v.decided_at = CharterVersion.Status.REJECTED, by, now
                v.rationale = "The group was retired before this version was decided."
                v.save(update_fields=["status", "decided_by", "decided_at", "rationale"])
                record(actor=by, verb="charter.rejected", target=v, data={"number": v.number, "retired": True})
            # Higher layers close what they own (meetings cancel their future meetings and end series).
            from groups.signals import group_retired

            group_retired.send(sender=Group, group=g, by=by, now=now)
        else:
            record(actor=by, verb="group.retirement_declined", target=g, data={"rationale": rationale})
            _bump(g.pk)
    return p
