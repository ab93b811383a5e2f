"""Every write to a SEP (DESIGN convention 1). Status changes go through `_apply` and the table in
`transitions.py`; each is recorded in the event log with who, when and why (S6)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from portal.errors import DomainError
from portal.events import record
from portal.notices import queue_notice
from portal.validation import clean_choice, clean_text, clean_web_url

from . import transitions
from .models import SEP, SEPType, Status

STATUS_CHANGED = "sep.status_changed"


def _lock(sep) -> SEP:
    return SEP.objects.select_for_update(of=("self",)).select_related("group").get(pk=sep.pk)


def record_status_change(*, sep, by, old, new, reason, now, extra=None):
    data = {
        "from": old,
        "to": new,
        "reason": reason,
        "number": sep.number,
        "title": sep.title,
        **(extra or {}),
    }
    return record(actor=by, verb=STATUS_CHANGED, target=sep, data=data, at=now)


REASON_MAX = 2000  # as the transition form


def _reason(reason) -> str:
    reason = clean_text(reason, label="The rationale", max_length=REASON_MAX, required=False)
    if not reason:
        raise DomainError("Give a rationale: every status change records why.")
    return reason


def _apply(name, *, sep, by, reason, now=None, successor_number=None, reference_implementation=None):
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        sep = _lock(sep)
        t = transitions.check(name, by, sep, now=now)
        fields = ["status", "status_changed_at", "last_activity_at", "version"]
        extra = {}
        if name in ("sponsor", "revive_sponsored"):
            sep.sponsor = by
            fields.append("sponsor")
            extra["sponsor"] = by.name
        if name == "revive" and sep.sponsor_id:
            sep.sponsor = None  # a proposal has no sponsor (S2)
            fields.append("sponsor")
        if name in ("sponsor", "revive_sponsored", "revive") and sep.sponsor_named:
            sep.sponsor_named = ""  # the file's sponsor without an account no longer applies
            fields.append("sponsor_named")
        if t.needs_reference_implementation:
            link = (reference_implementation or "").strip() or sep.reference_implementation
            if not link:
                raise DomainError("A SEP becomes final only with a link to its reference implementation.")
            link = clean_web_url(link, label="The reference implementation", max_length=200)
            if link != sep.reference_implementation:
                sep.reference_implementation = link
                fields.append("reference_implementation")
            extra["reference_implementation"] = link
        if t.needs_successor:
            successor = _successor(sep, successor_number)
            sep.superseded_by = successor
            fields.append("superseded_by")
            extra["superseded_by"] = successor.number
        old = sep.status
        sep.status = t.target
        sep.status_changed_at = now
        sep.last_activity_at = now
        sep.version += 1
        sep.save(update_fields=fields)
        record_status_change(sep=sep, by=by, old=old, new=t.target, reason=reason, now=now, extra=extra)
    return sep


def _successor(sep, number) -> SEP:
    text = str(number or "").strip().upper().removeprefix("SEP-").removeprefix("SEP").removeprefix("#").strip()
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise DomainError("Name the successor by its SEP number, e.g. 1234.")
    number = int(text)
    if number == sep.number:
        raise DomainError("A SEP cannot supersede itself.")
    successor = SEP.objects.filter(number=number).first()
    if successor is None:
        raise DomainError(f"There is no SEP-{number}; a SEP is superseded only by an existing SEP.")
    return successor


# One service per transition (the table in transitions.py says who and from where).
def sep_sponsor(*, sep, by, reason, now=None):
    return _apply("sponsor", sep=sep, by=by, reason=reason, now=now)


def sep_submit_for_review(*, sep, by, reason, now=None):
    return _apply("submit", sep=sep, by=by, reason=reason, now=now)


def sep_accept(*, sep, by, reason, now=None):
    return _apply("accept", sep=sep, by=by, reason=reason, now=now)


def sep_reject(*, sep, by, reason, now=None):
    return _apply("reject", sep=sep, by=by, reason=reason, now=now)


def sep_return_to_draft(*, sep, by, reason, now=None):
    return _apply("return_to_draft", sep=sep, by=by, reason=reason, now=now)


def sep_finalize(*, sep, by, reason, reference_implementation=None, now=None):
    return _apply("finalize", sep=sep, by=by, reason=reason, reference_implementation=reference_implementation, now=now)


def sep_withdraw(*, sep, by, reason, now=None):
    return _apply("withdraw", sep=sep, by=by, reason=reason, now=now)


def sep_supersede(*, sep, by, reason, successor_number, now=None):
    return _apply("supersede", sep=sep, by=by, reason=reason, successor_number=successor_number, now=now)


def sep_mark_dormant(*, sep, by, reason, now=None):
    return _apply("mark_dormant", sep=sep, by=by, reason=reason, now=now)


def sep_revive(*, sep, by, reason, now=None):
    return _apply("revive", sep=sep, by=by, reason=reason, now=now)


def sep_revive_sponsored(*, sep, by, reason, now=None):
    return _apply("revive_sponsored", sep=sep, by=by, reason=reason, now=now)


SERVICES = {
    "sponsor": sep_sponsor,
    "submit": sep_submit_for_review,
    "accept": sep_accept,
    "reject": sep_reject,
    "return_to_draft": sep_return_to_draft,
    "finalize": sep_finalize,
    "withdraw": sep_withdraw,
    "supersede": sep_supersede,
    "mark_dormant": sep_mark_dormant,
    "revive": sep_revive,
    "revive_sponsored": sep_revive_sponsored,
}


def sep_transition(name, *, sep, by, reason, successor_number=None, reference_implementation=None, now=None):
    """Dispatch by name (views and admin): the named service above does the work."""
    if name not in SERVICES:
        raise DomainError("There is no such step for a SEP.")
    kwargs = {"sep": sep, "by": by, "reason": reason, "now": now}
    if name == "supersede":
        kwargs["successor_number"] = successor_number
    if name == "finalize":
        kwargs["reference_implementation"] = reference_implementation
    return SERVICES[name](**kwargs)


EDITABLE_FIELDS = ("title", "type", "group", "pr_url", "discussion_url", "reference_implementation")


def clean_metadata(changes: dict) -> dict:
    """What the edit form checks, checked again for every caller (the API and sync have no form)."""
    from groups.guards import retired_message
    from groups.models import Group

    out = {}
    for field, value in changes.items():
        if field == "title":
            value = clean_text(value, label="The title", max_length=300, one_line=True)
        elif field == "type":
            value = clean_choice(value, SEPType, label="The type")
        elif field in ("pr_url", "discussion_url", "reference_implementation"):
            value = clean_web_url(value, label=SEP._meta.get_field(field).verbose_name.capitalize(),
                                  max_length=200, required=False)  # fmt: skip
        elif field == "group" and value is not None:
            if not isinstance(value, Group):
                raise DomainError("The group must be one of the portal's groups.")
            if Group.objects.filter(pk=value.pk, state=Group.State.RETIRED).exists():
                raise DomainError(retired_message(value.name) + " A SEP cannot be moved into it.")
        out[field] = value
    return out


def sep_edit_metadata(*, sep, by, changes: dict, now=None):
    """Authors (and core maintainers) edit metadata while the SEP is a proposal or draft."""
    now = now or timezone.now()
    changes = clean_metadata({k: v for k, v in changes.items() if k in EDITABLE_FIELDS})
    with transaction.atomic():
        sep = _lock(sep)
        sep = SEP.objects.prefetch_related("authors").select_related("group").get(pk=sep.pk)
        if not transitions.may_edit(by, sep):
            if sep.status not in (Status.PROPOSAL, Status.DRAFT):
                raise DomainError("Metadata can be edited only while the SEP is a proposal or a draft.")
            raise PermissionDenied("Only its authors or a core maintainer may edit this SEP.")
        changed = {}
        for field in EDITABLE_FIELDS:
            if field not in changes:
                continue
            new = changes[field]
            old = getattr(sep, field)
            if old != new:
                changed[field] = {"from": str(old or ""), "to": str(new or "")}
                setattr(sep, field, new)
        if not changed:
            return sep
        sep.last_activity_at = now
        sep.version += 1
        sep.save(update_fields=[*changed.keys(), "last_activity_at", "version"])
        record(actor=by, verb="sep.edited", target=sep, data={"changes": changed, "number": sep.number}, at=now)
    return sep


def sep_assign_sponsor(*, sep, sponsor, by, reason, now=None):
    """A core maintainer names a steering-group member as the SEP's sponsor (the admin's sponsor field).

    The same transition as "Sponsor this SEP" (S2, S3): a proposal becomes a draft, recorded with who,
    when and why (S6), and its S5 clock restarts, so the staleness sweep sees it exactly as if the sponsor
    had taken it on the SEP page. Replacing the sponsor of a later status is recorded too.
    """
    if not (by and by.is_authenticated and by.is_core_maintainer):
        raise PermissionDenied("Only core maintainers assign a sponsor to someone else.")
    if sponsor is None or not sponsor.is_steering_group:
        raise DomainError("A sponsor must be in the steering group: a maintainer or above.")
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        sep = _lock(sep)
        if sep.sponsor_id == sponsor.pk:
            return sep
        if sep.status not in (Status.PROPOSAL, Status.DRAFT, Status.IN_REVIEW, Status.ACCEPTED):
            raise DomainError(f"SEP-{sep.number} is {sep.get_status_display().lower()}; its sponsor no longer changes.")
        old_sponsor = sep.sponsor
        sep.sponsor = sponsor
        sep.sponsor_named = ""
        sep.last_activity_at = now
        sep.version += 1
        fields = ["sponsor", "sponsor_named", "last_activity_at", "version"]
        old = sep.status
        if old == Status.PROPOSAL:
            sep.status, sep.status_changed_at = Status.DRAFT, now
            fields += ["status", "status_changed_at"]
        sep.save(update_fields=fields)
        extra = {"sponsor": sponsor.name, "assigned_by": by.name}
        if old == Status.PROPOSAL:
            record_status_change(sep=sep, by=by, old=old, new=Status.DRAFT, reason=reason, now=now, extra=extra)
        else:
            record(actor=by, verb="sep.sponsor_changed", target=sep, at=now,
                   data={"from": old_sponsor.name if old_sponsor else None, "to": sponsor.name, "reason": reason,
                         "number": sep.number})  # fmt: skip
    return sep


# --- Staleness (S5): called by seps.tasks.sweep_staleness, one SEP per transaction -------------


def staleness_action(sep, now):
    """What S5 asks for this SEP now: ("dormant"|"ping_proposal"|"ping_draft"|"ping_accepted", due_at) or None."""
    G = settings.GOVERNANCE  # noqa: N806 - read per call so overrides apply
    if sep.status == Status.PROPOSAL and sep.sponsor_id is None:
        dormant_at = sep.last_activity_at + G["SEP_PROPOSAL_DORMANT_AFTER"]
        if now >= dormant_at:
            return ("dormant", dormant_at)
        kind, after = "ping_proposal", G["SEP_PROPOSAL_PING_AFTER"]
    elif sep.status == Status.DRAFT or sep.status == Status.PROPOSAL:
        # a draft; or a proposal that has a sponsor however it got one (a file, the admin): S5 sweeps
        # it like a draft, pinging the sponsor, instead of never (S2 says a sponsored proposal is a draft)
        kind, after = "ping_draft", G["SEP_DRAFT_PING_AFTER"]
    elif sep.status == Status.ACCEPTED:
        kind, after = "ping_accepted", G["SEP_ACCEPTED_PING_AFTER"]
    else:
        return None
    due_at = sep.last_activity_at + after
    if sep.last_ping_at is not None:
        due_at = max(due_at, sep.last_ping_at + G["SEP_PING_COOLDOWN"])  # never twice within 14 days
    if now >= due_at:
        return (kind, due_at)
    return None


PINGS = {
    "ping_proposal": ("authors", "email/seps/ping_proposal", "No sponsor yet and no activity for {days} days."),
    "ping_draft": ("sponsor", "email/seps/ping_draft", "Draft without activity for {days} days."),
    "ping_accepted": ("authors", "email/seps/ping_accepted", "Accepted without activity for {days} days."),
}


def author_recipients(sep) -> list:
    out = []
    for a in sep.authors.all():
        email = (a.user.email if a.user_id and a.user else "") or a.email
        if email and email not in out:
            out.append(email)
    return out


def sep_handle_staleness(*, sep_id, now):
    """Lock the SEP, re-check what is due, act once, record it (S5). Returns the action taken or None."""
    with transaction.atomic():
        sep = SEP.objects.select_for_update().filter(pk=sep_id).first()
        if sep is None:
            return None
        action = staleness_action(sep, now)
        if action is None:
            return None
        kind, due_at = action
        sep = SEP.objects.select_related("sponsor", "group").prefetch_related("authors__user").get(pk=sep.pk)
        idle = now - sep.last_activity_at
        if kind == "dormant":
            old = sep.status
            sep.status = Status.DORMANT
            sep.status_changed_at = now
            sep.version += 1
            sep.save(update_fields=["status", "status_changed_at", "version"])
            reason = f"No sponsor and no activity for {idle.days} days."
            record_status_change(sep=sep, by=None, old=old, new=Status.DORMANT, reason=reason, now=now,
                                 extra={"automatic": True})  # fmt: skip
            queue_notice(
                kind="sep.dormant",
                target=sep,
                due_at=due_at,
                recipients=author_recipients(sep),
                template="email/seps/dormant",
                context={"sep": sep, "idle_days": idle.days},
            )
            return kind
        to, template, text = PINGS[kind]
        if to == "sponsor" and sep.sponsor is None:
            to = "authors"  # a draft without a sponsor (imported): its authors hear instead
        recipients = author_recipients(sep) if to == "authors" else [sep.sponsor.email]
        queue_notice(
            kind=f"sep.{kind}",
            target=sep,
            due_at=due_at,
            recipients=recipients,
            template=template,
            context={"sep": sep, "idle_days": idle.days},
        )
        sep.last_ping_at = now
        sep.save(update_fields=["last_ping_at"])
        record(
            actor=None,
            verb="sep.pinged",
            target=sep,
            data={
                "kind": kind,
                "to": to,
                "reason": text.format(days=idle.days),
                "number": sep.number,
                "automatic": True,
            },
            at=now,
        )
        return kind


# --- Import (S7): one file, inside the caller's transaction ---------------------------------------


def _import_authors(sep, parsed, users_by_handle):
    from .models import SEPAuthor

    rows = []
    for i, a in enumerate(parsed.authors):
        user = users_by_handle.get(a["github"].lower()) if a["github"] else None
        rows.append(
            SEPAuthor(sep=sep, position=i, name=a["name"], github=a["github"], email=a["email"][:254], user=user)
        )
    return rows


def sep_import_parsed(
    *, parsed, by=None, now=None, source="import", detail="", activity_at=None, extra=None
) -> tuple[str, list[str]]:
    """Create or update the SEP a parsed file describes. Returns (outcome, changed fields).

    outcome: "created", "updated" or "unchanged". Re-importing the same file changes nothing; a
    status that differs from the database's is applied and recorded ("import: draft -> in-review").

    The GitHub sync names its `source` ("synced from the repository", "pull request #2385"), a
    `detail` ("commit abc1234") and `activity_at`, the repository's own time of the change: S5
    counts from it, so a first sync does not restart every SEP's clock; and a status decided in
    the portal after that time is kept (newest change wins), with the file's status recorded.
    """
    from groups.models import Group
    from portal.identity import people_for_handles

    from .models import SEPAuthor

    now = now or timezone.now()
    # People by verified GitHub handle only (portal.identity): a handle typed into someone's profile
    # never makes them an author or the sponsor. An author nobody verified is kept as a placeholder
    # known from GitHub, so the authorship follows them when they sign in with GitHub.
    users_by_handle = people_for_handles(
        [a["github"] for a in parsed.authors if a["github"]],
        create_placeholder=True,
        source="SEP import",
        defaults={a["github"].lower(): {"display_name": a["name"]} for a in parsed.authors if a["github"]},
    )
    if parsed.sponsor and parsed.sponsor.get("github"):
        users_by_handle.update(people_for_handles([parsed.sponsor["github"]]))

    sponsor, sponsor_named = None, ""
    if parsed.sponsor:
        handle = (parsed.sponsor.get("github") or "").lower()
        sponsor = users_by_handle.get(handle) if handle else None
        if sponsor is None:
            who = f"@{parsed.sponsor['github']}" if handle else parsed.sponsor.get("name")
            parsed.warnings.append(f"Sponsor {who} has no portal account; imported without a sponsor.")
        elif not sponsor.is_steering_group:
            parsed.warnings.append(f"Sponsor {sponsor.name} is not in the steering group; not set as sponsor.")
            sponsor = None
        if sponsor is None:  # keep the name as the file gives it, for the record (not a sponsor here)
            sponsor_named = SEPAuthor(name=parsed.sponsor["name"], github=parsed.sponsor["github"]).display[:200]

    group = None
    names = [parsed.group] if parsed.group else []
    names += [a["name"] for a in parsed.authors if not a["github"] and not a["email"]]
    for name in names:
        g = Group.objects.filter(models_q_name(name)).first()
        if g:
            group = g
            break
    if parsed.group and group is None:
        parsed.warnings.append(f"No group called “{parsed.group}”.")

    successor = None
    if parsed.superseded_by:
        successor = SEP.objects.filter(number=parsed.superseded_by).first()
        if successor is None:
            parsed.warnings.append(f"Successor SEP-{parsed.superseded_by} is not imported yet.")

    body_fields = {
        "title": parsed.title,
        "slug": parsed.slug,
        "body": parsed.body,
        "source_file": parsed.file[:200],
        "sponsor_named": sponsor_named,
    }
    optional = {
        "type": parsed.type,
        "created": parsed.created,
        "pr_url": parsed.pr or None,
        "discussion_url": parsed.discussion or None,
        "reference_implementation": parsed.reference_implementation or None,
        "sponsor": sponsor,
        "group": group,
        "superseded_by": successor,
    }
    existing = SEP.objects.select_for_update().filter(number=parsed.number).first()
    if existing is None:
        status = parsed.status or (Status.DRAFT if sponsor else Status.PROPOSAL)
        if status == Status.SUPERSEDED and successor is None:
            parsed.warnings.append("Superseded without a known successor; imported as final.")
            status = Status.FINAL
        since = activity_at or now
        sep = SEP(number=parsed.number, status=status, status_changed_at=since, last_activity_at=since, created_at=now,
                  **body_fields)  # fmt: skip
        if not parsed.created:
            parsed.warnings.append("No created date; using today.")
        for k, v in optional.items():
            if v is not None:
                setattr(sep, k, v)
        sep.render_body()
        sep.save()
        SEPAuthor.objects.bulk_create(_import_authors(sep, parsed, users_by_handle))
        record(actor=by, verb="sep.imported", target=sep, at=now,
               data={"file": parsed.file, "status": status, "number": sep.number, "title": sep.title,
                     "warnings": parsed.warnings, "source": source, "detail": detail, **(extra or {})})  # fmt: skip
        return "created", []

    sep = existing
    changed = []
    for k, v in body_fields.items():
        if getattr(sep, k) != v:
            setattr(sep, k, v)
            changed.append(k)
    for k, v in optional.items():
        if v is None:
            continue
        current = getattr(sep, f"{k}_id") if k in ("sponsor", "group", "superseded_by") else getattr(sep, k)
        new = v.pk if k in ("sponsor", "group", "superseded_by") else v
        if current != new:
            setattr(sep, k, v)
            changed.append(k)
    if "body" in changed:
        sep.render_body()
        changed += ["body_html", "outline"]
    old_authors = [a.as_tuple() for a in sep.authors.all()]
    new_rows = _import_authors(sep, parsed, users_by_handle)
    if old_authors != [a.as_tuple() for a in new_rows]:
        sep.authors.all().delete()
        SEPAuthor.objects.bulk_create(new_rows)
        changed.append("authors")
    new_status = parsed.status
    if new_status == Status.SUPERSEDED and sep.superseded_by_id is None:
        parsed.warnings.append("Superseded without a known successor; status left as it is.")
        new_status = None
    status_changed = new_status is not None and new_status != sep.status
    if status_changed and activity_at is not None and sep.status_changed_at > activity_at:
        # Newest change wins: the portal decided after the file last changed; keep it, record both.
        record(actor=by, verb="sep.sync_status_kept", target=sep, at=now,
               data={"file": parsed.file, "number": sep.number, "file_status": new_status, "kept": sep.status,
                     "decided_at": sep.status_changed_at, "file_changed_at": activity_at, "source": source,
                     "detail": detail, **(extra or {})})  # fmt: skip
        status_changed = False
    if not changed and not status_changed:
        return "unchanged", []
    fields = [f for f in changed if f != "authors"]
    sep.last_activity_at = max(sep.last_activity_at, activity_at) if activity_at else now
    sep.version += 1
    fields += ["last_activity_at", "version"]
    old_status = sep.status
    if status_changed:
        sep.status = new_status
        sep.status_changed_at = max(sep.status_changed_at, activity_at) if activity_at else now
        fields += ["status", "status_changed_at"]
    sep.save(update_fields=fields)
    if changed:
        record(actor=by, verb="sep.import_updated", target=sep, at=now,
               data={"file": parsed.file, "fields": changed, "number": sep.number, "source": source,
                     "detail": detail, **(extra or {})})  # fmt: skip
    if status_changed:
        reason = f"{source}: {old_status} -> {new_status}" + (f", {detail}" if detail else "")
        record_status_change(sep=sep, by=by, old=old_status, new=new_status, now=now, reason=reason,
                             extra={"file": parsed.file, "source": source, **(extra or {})})  # fmt: skip
        changed.append("status")
    return "updated", changed


def models_q_name(name):
    from django.db.models import Q

    name = name.strip()
    return Q(name__iexact=name) | Q(slug__iexact=name)


# --- Pull requests about a SEP (the GitHub sync reports them; nothing here applies a change) -----

PULL_REQUEST = "sep.pull_request"


def sep_pull_request_seen(
    *, sep, number, kind, title="", url="", author="", labels=(), head_sha="", updated_at=None, proposed_status=""
):
    """Record or refresh an open pull request about `sep` (S1, S7). A proposed change is shown on
    the SEP with its link; it is not applied before it merges. Records "opened"/"reopened" once."""
    from .models import SEPPullRequest

    values = {
        "kind": kind,
        "title": (title or "")[:300],
        "url": (url or "")[:300],
        "author": (author or "")[:39],
        "labels": sorted({str(label)[:50] for label in labels}),
        "head_sha": (head_sha or "")[:40],
        "updated_at": updated_at,
        "proposed_status": proposed_status or "",
        "state": SEPPullRequest.State.OPEN,
        "closed_at": None,
    }
    with transaction.atomic():
        pr = SEPPullRequest.objects.select_for_update().filter(sep=sep, number=number).first()
        if pr is None:
            pr = SEPPullRequest.objects.create(sep=sep, number=number, **values)
            action = "opened"
        else:
            action = "reopened" if pr.state != SEPPullRequest.State.OPEN else None
            diff = [k for k, v in values.items() if getattr(pr, k) != v]
            if not diff:
                return pr
            for k in diff:
                setattr(pr, k, values[k])
            pr.save(update_fields=diff)
        if action:
            record(actor=None, verb=PULL_REQUEST, target=sep,
                   data={"number": number, "url": pr.url, "kind": kind, "action": action, "title": pr.title,
                         "source": f"pull request #{number}", "what": pr.what})  # fmt: skip
    return pr


def sep_pull_request_closed(*, number, merged, closed_at=None):
    """A pull request closed (merged or not): recorded on every SEP it concerned; nothing is deleted."""
    from .models import SEPPullRequest

    state = SEPPullRequest.State.MERGED if merged else SEPPullRequest.State.CLOSED
    closed_at = closed_at or timezone.now()
    out = []
    with transaction.atomic():
        for pr in SEPPullRequest.objects.select_for_update().filter(number=number).select_related("sep"):
            if pr.state == state:
                continue
            pr.state, pr.closed_at = state, closed_at
            pr.save(update_fields=["state", "closed_at"])
            record(actor=None, verb=PULL_REQUEST, target=pr.sep,
                   data={"number": number, "url": pr.url, "kind": pr.kind,
                         "action": "merged" if merged else "closed", "title": pr.title,
                         "source": f"pull request #{number}", "what": pr.what})  # fmt: skip
            out.append(pr)
    return out
