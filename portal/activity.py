"""Event log rows as sentences people read: "Lena Fischer published Registry Tools sync".

`describe(event)` turns a row into `Sentence(actor, before, link_text, link_url, after)`; the template
`portal/_event.html` prints it. A verb without a phrase falls back to its words ("meeting.notes_updated"
-> "notes updated: <target>"), so a new verb never shows a dotted code. No query beyond what the caller
selects: use `for_sentences(queryset)` to join actor, group and target type.
"""

import re
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

# Verbs the public timeline skips: reminders and pings are bookkeeping, not news.
QUIET_VERBS = (
    "meeting.publication_reminder_sent",
    "meeting.notes_reminder_sent",
    "sep.pinged",
    "report.reminder_sent",
    "report.edited",
)

# verb -> phrase after the actor's name. `{target}` or `{group}` marks the one linked part; other
# `{keys}` come from the event's data (a missing key drops to the fallback sentence).
PHRASES = {
    "group.activated": "approved the formation of {group}",
    "group.sponsored": "sponsored {group}",
    "group.imported": "imported {group}",
    "group.retirement_proposed": "proposed retiring {group}",
    "group.retired": "retired {group}",
    "group.retirement_declined": "kept {group} going (retirement declined)",
    "group.flagged_inactive": "flagged {group} as inactive",
    "group.activity_resumed": "saw {group} become active again",
    "charter.draft_started": "started a charter amendment for {group}",
    "charter.submitted": "submitted a charter amendment of {group} for approval",
    "charter.approved": "approved a new charter for {group}",
    "charter.rejected": "rejected a charter amendment of {group}",
    "charter.imported": "imported the charter of {group}",
    "membership.joined": "joined {group} as {to_label}",
    "membership.left": "left {group}",
    "membership.tier_changed": "updated a membership in {group}",
    "membership.tier_set": "updated a membership in {group}",
    "membership.emeritus": "moved a member of {group} to emeritus",
    "membership.ended": "ended a membership in {group}",
    "membership.restored": "restored a membership in {group}",
    "membership.imported": "imported a membership of {group}",
    "nomination.opened": "nominated a member in {group}",
    "nomination.objection": "objected to a nomination in {group}",
    "nomination.withdrawn": "withdrew a nomination in {group}",
    "nomination.confirmed": "confirmed a nomination in {group}",
    "nomination.objected": "closed an objected nomination in {group}",
    "nomination.participation_overridden": "waived the participation check for a nomination in {group}",
    "meeting.scheduled": "scheduled {target}",
    "meeting.published": "published {target}",
    "meeting.edited": "edited {target}",
    "meeting.rescheduled": "rescheduled {target}",
    "meeting.cancelled": "cancelled {target}",
    "meeting.notes_published": "published the notes of {target}",
    "meeting.notes_updated": "updated the notes of {target}",
    "meeting.notes_overdue": "marked the notes of {target} overdue",
    "meeting.publication_missed": "marked {target} as not published in time",
    "meeting.attendance_recorded": "recorded attendance at {target}",
    "meeting.agenda_item_proposed": "proposed an agenda item for {target}",
    "meeting.agenda_item_accepted": "accepted an agenda item for {target}",
    "meeting.agenda_item_declined": "declined an agenda item for {target}",
    "meeting.series_created": "started a meeting series: {target}",
    "sep.created": "proposed {target}",
    "sep.edited": "edited {target}",
    "sep.imported": "imported {target}",
    "sep.import_updated": "updated {target} from its file",
    "sep.status_changed": "moved {target} from {from_label} to {to_label}",
    "user.ladder_role_changed": "changed the role of {target} to {to_label}",
    # Decisions (D1-D5) and quarterly reports (G8)
    "proposal.opened": "opened a proposal in {group}: {target}",
    "proposal.blocked": "blocked {target}",
    "proposal.vote_requested": "requested a formal vote on {target}",
    "proposal.withdrawn": "withdrew the proposal {target}",
    "proposal.accepted": "recorded {target} as accepted",
    "vote.opened": "opened a formal vote on {target}",
    "vote.ballot_cast": "voted {choice} on {target}",
    "vote.ballot_changed": "changed their vote to {choice} on {target}",
    "vote.closed": "closed the vote on {target}: {outcome_label}",
    "escalation.opened": "escalated {target} to core maintainers",
    "escalation.designated": "designated {designee_name} to resolve {target}",
    "escalation.guidance": "gave binding guidance on {target}",
    "escalation.more_info": "asked for more information on {target}",
    "escalation.referral": "referred {target} to the full core maintainer group",
    "escalation.overdue": "flagged the escalation of {target} as overdue",
    "report.opened": "opened a quarterly report draft for {group}",
    "report.published": "published a quarterly report of {group}",
    "report.overdue": "flagged a quarterly report of {group} as overdue",
}

NOBODY = "The portal"


@dataclass(frozen=True)
class Sentence:
    actor: str
    before: str
    link_text: str
    link_url: str
    after: str


def for_sentences(queryset):
    """The joins `describe` reads: one query whatever the number of rows."""
    return queryset.select_related("actor", "group", "target_type")


def _labels(data: dict) -> dict:
    from groups.models import Tier
    from portal.models import LadderRole
    from seps.models import Status

    out = {}
    for key in ("from", "to"):
        value = data.get(key)
        if value in (None, ""):
            continue
        label = None
        for choices in (Status, Tier, LadderRole):
            if value in choices.values:
                label = choices(value).label
                break
        out[f"{key}_label"] = (label or str(value).replace("_", " ").replace("-", " ")).lower()
    return out


def _data(event) -> dict:
    return event.data if isinstance(event.data, dict) else {}  # rows written by hand may hold anything


def _sep_number(text: str):
    match = re.match(r"SEP-(\d+)\b", text or "")
    return match.group(1) if match else None


def _target_url(event) -> str:
    model = event.target_type.model if event.target_type_id else ""
    data = _data(event)
    try:
        number = data.get("number") or _sep_number(event.target_repr) if model == "sep" else None
        if number:
            return reverse("seps:detail", args=[int(number)])
        if model == "meeting" and event.target_id.isdigit():
            return reverse("meetings:detail", args=[int(event.target_id)])
        if model == "user":
            return ""
        if model == "proposal" and event.target_id.isdigit() and event.group is not None:
            return reverse("groups:proposal", args=[event.group.slug, int(event.target_id)])
        if event.group_id and event.group is not None:
            return reverse("groups:detail", args=[event.group.slug])
    except (NoReverseMatch, TypeError, ValueError):
        return ""
    return ""


def _fallback(event) -> str:
    words = event.verb.split(".")[-1].replace("_", " ")
    return f"{words}:" + (" {target}" if event.target_repr else "")


def describe(event) -> Sentence:
    actor = event.actor.name if event.actor_id and event.actor is not None else NOBODY
    group_name = event.group.name if event.group_id and event.group is not None else ""
    data = _data(event)
    values = {**{k: v for k, v in data.items() if isinstance(v, str | int)}, **_labels(data)}
    phrase = PHRASES.get(event.verb) or _fallback(event)
    if "{group}" in phrase and not group_name:
        phrase = phrase.replace("{group}", "{target}")
    slot = "{group}" if "{group}" in phrase else "{target}" if "{target}" in phrase else ""
    link_text = group_name if slot == "{group}" else event.target_repr
    before, _, after = phrase.partition(slot) if slot else (phrase, "", "")
    try:
        before, after = before.format(**values), after.format(**values)
    except (KeyError, IndexError, ValueError):
        before, _, after = _fallback(event).partition("{target}")
        link_text, slot = event.target_repr, "{target}"
    link_url = _target_url(event) if slot and link_text else ""
    if slot == "{group}" and event.group is not None:
        link_url = reverse("groups:detail", args=[event.group.slug])
    return Sentence(actor=actor, before=before, link_text=link_text, link_url=link_url, after=after)
