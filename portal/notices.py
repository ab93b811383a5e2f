"""Notices that go out once: an outbox keyed by (kind, object, due moment).

    queue_notice(kind="meeting.notes_reminder", target=meeting, due_at=meeting.notes_reminder_at,
                 recipients=meeting.group.leads(), template="email/notes_reminder",
                 context={"meeting": meeting, "due": Moment(meeting.notes_due_at)})

renders `templates/<template>.txt` (first line `Subject: ...`) and `<template>.html` once per
recipient, in the recipient's own time zone (`Moment` and the `when` filter follow it), with a
footer naming the kind and, for kinds a person may turn off, a one-click unsubscribe link
(RFC 8058 `List-Unsubscribe` + `List-Unsubscribe-Post` headers). People who turned the kind off
in their profile get nothing. Calling it twice for the same (kind, target, due_at) stores
nothing new and returns None. After commit the `notice_queued` signal goes out; `portal.tasks` answers it by enqueuing
`deliver_notices` (this core module never imports the task layer), which also runs every minute
from beat, so a notice whose delivery was interrupted is sent on the next run (only to the
recipients not reached yet).

Apps declare their kinds with `register_notice_kind` (in their AppConfig.ready), so the profile
can list them without this core module importing any app.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Notice, User
from .timefmt import moment_text

log = logging.getLogger(__name__)

# Sent (sender=Notice) after the transaction that stored a notice commits. portal.tasks connects the
# delivery; a receiver that fails is logged and the minutely delivery run catches up.
notice_queued = Signal()


UNSUBSCRIBE_SALT = "portal.notices.unsubscribe"


@dataclass(frozen=True)
class NoticeKind:
    key: str
    label: str  # "Agenda items proposed in groups you lead"
    optional: bool = True  # False: deadline notices to leads, which nobody may turn off
    audience: str = ""  # who gets it, shown in the profile: "leads", "proposers"...


NOTICE_KINDS: dict[str, NoticeKind] = {}


def register_notice_kind(key: str, label: str, *, optional: bool = True, audience: str = "") -> NoticeKind:
    kind = NoticeKind(key=key, label=label, optional=optional, audience=audience)
    NOTICE_KINDS[key] = kind
    return kind


def notice_kind(key: str) -> NoticeKind:
    """The registered kind, or an optional one named after its key (an app that forgot to register)."""
    return NOTICE_KINDS.get(key) or NoticeKind(key=key, label=key.replace("_", " ").replace(".", ": "))


class Moment:
    """A datetime that prints in the active time zone: `Mon 30 Nov 2026, 10:05 CET (UTC+01:00)`.

    Put it in a notice's context instead of a preformatted string: each recipient's copy is
    rendered under their own zone, so each reads the time where they are."""

    def __init__(self, value: datetime):
        self.value = value

    def __str__(self) -> str:
        return moment_text(self.value)

    __html__ = __str__


def unsubscribe_token(user, kind: str) -> str:
    return signing.dumps([user.pk, kind], salt=UNSUBSCRIBE_SALT, compress=False)


def read_unsubscribe_token(token: str):
    """(user, kind) named by a valid token, else None. The signature is the authority: a mail
    provider's one-click POST carries no session and no CSRF token (RFC 8058)."""
    try:
        pk, kind = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    return (user, kind) if user is not None and isinstance(kind, str) else None


def unsubscribe_url(user, kind: str) -> str:
    return settings.SITE_URL + reverse("portal:notice_unsubscribe", args=[unsubscribe_token(user, kind)])


def preferences_url() -> str:
    return settings.SITE_URL + reverse("portal:notice_preferences")


def _people(recipients) -> list[tuple[str, User | None]]:
    """(address, person) once per address; plain addresses are matched to accounts by email."""
    out: dict[str, User | None] = {}
    loose = []
    for r in recipients:
        email = r if isinstance(r, str) else getattr(r, "email", "")
        if not email or email.lower() in {e.lower() for e in out}:
            continue
        out[email] = None if isinstance(r, str) else r
        if isinstance(r, str):
            loose.append(email)
    if loose:
        from django.db.models.functions import Lower

        lowered = [e.lower() for e in loose]
        found = {
            u.email.lower(): u
            for u in User.objects.annotate(email_l=Lower("email")).filter(email_l__in=lowered, is_active=True)
        }
        for email in loose:
            out[email] = found.get(email.lower())
    return list(out.items())


def _footer(kind: NoticeKind, user, unsub: str) -> tuple[str, str]:
    from django.utils.html import format_html

    prefs = preferences_url()
    if user is None:
        return "", ""
    if unsub:
        text = f"You get this mail because of your notice settings ({kind.label}).\nStop these mails: {unsub}\nChoose which mails you get: {prefs}"
        html = format_html(
            '<p style="color:#5b6672;font-size:13px">You get this mail because of your notice settings ({}). '
            '<a href="{}">Stop these mails</a> · <a href="{}">Choose which mails you get</a></p>',
            kind.label, unsub, prefs,
        )  # fmt: skip
    else:
        text = f"Leads get deadline notices for their groups; they cannot be turned off.\nChoose which other mails you get: {prefs}"
        html = format_html(
            '<p style="color:#5b6672;font-size:13px">Leads get deadline notices for their groups; they cannot be '
            'turned off. <a href="{}">Choose which other mails you get</a></p>',
            prefs,
        )  # fmt: skip
    return text, html


def _render_for(kind: NoticeKind, template: str, context: dict, email: str, user) -> dict:
    unsub = unsubscribe_url(user, kind.key) if user is not None and kind.optional else ""
    zone = ZoneInfo(getattr(user, "timezone", "") or "UTC")
    with timezone.override(zone):
        subject, body, html = render_notice(template, {**context, "recipient": user, "unsubscribe_url": unsub})
    text_footer, html_footer = _footer(kind, user, unsub)
    if text_footer:
        body = f"{body}\n--\n{text_footer}\n"
    if html and html_footer:
        html = html.replace("</body>", f"{html_footer}</body>", 1) if "</body>" in html else html + html_footer
    return {"to": email, "subject": subject[:200], "text": body, "html": html, "unsubscribe": unsub, "sent": False}


def render_text(name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping (a name like O'Neil stays O'Neil)."""
    return get_template(name).template.render(Context(context, autoescape=False))


def render_notice(template: str, context: dict) -> tuple[str, str, str]:
    ctx = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
    text = render_text(f"{template}.txt", ctx).strip()
    subject, _, body = text.partition("\n")
    subject = subject.removeprefix("Subject:").strip()
    try:
        html = render_to_string(f"{template}.html", ctx)
    except TemplateDoesNotExist:
        html = ""
    return subject, body.strip() + "\n", html


def queue_notice(*, kind: str, target, due_at, recipients, template: str, context: dict) -> Notice | None:
    info = notice_kind(kind)
    target_type = ContentType.objects.get_for_model(target)
    if Notice.objects.filter(kind=kind, target_type=target_type, target_id=str(target.pk), due_at=due_at).exists():
        return None  # already queued for this due moment: a notice goes out once (no rendering)
    messages = [
        _render_for(info, template, context, email, user)
        for email, user in _people(recipients)
        if user is None or not info.optional or user.wants_notice(kind)
    ]
    if messages:
        subject, body, html = messages[0]["subject"], messages[0]["text"], messages[0]["html"]
    else:  # everyone turned this kind off: the row still records that the notice was handled
        subject, body, html = render_notice(template, context)
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                kind=kind,
                target_type=target_type,
                target_id=str(target.pk),
                due_at=due_at,
                recipients=[m["to"] for m in messages],
                subject=subject[:200],
                body_text=body,
                body_html=html,
                messages=messages,
            )
    except IntegrityError:
        return None  # already queued for this due moment: a notice goes out once
    transaction.on_commit(_enqueue_delivery)
    return notice


def _enqueue_delivery():
    for receiver, result in notice_queued.send_robust(sender=Notice):
        if isinstance(result, Exception):  # e.g. broker down: beat's next delivery run sends it
            log.warning(
                "Could not enqueue notice delivery (%s); the periodic run will send it.", receiver, exc_info=result
            )


def deliver_pending(limit: int = 200) -> int:
    """Send unsent notices; each is locked while sent so two workers never send the same one."""
    sent = 0
    pending = Notice.objects.filter(sent_at=None, attempts__lt=10).order_by("created_at")
    for pk in list(pending.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            notice = Notice.objects.select_for_update(skip_locked=True).filter(pk=pk, sent_at=None).first()
            if notice is None:
                continue
            notice.attempts += 1
            try:
                if notice.messages:
                    _send_each(notice)
                elif notice.recipients:  # rows queued before per-recipient rendering
                    msg = EmailMultiAlternatives(notice.subject, notice.body_text, to=notice.recipients)
                    if notice.body_html:
                        msg.attach_alternative(notice.body_html, "text/html")
                    msg.send()
                notice.sent_at = timezone.now()
                notice.last_error = ""
                sent += 1
            except Exception as exc:  # noqa: BLE001 - recorded and retried on the next run
                notice.last_error = repr(exc)[:2000]
                log.exception("Notice %s failed", notice.pk)
            notice.save(update_fields=["attempts", "sent_at", "last_error", "messages"])
    return sent


def _send_each(notice: Notice) -> None:
    """One mail per recipient; each sent one is marked, so a failure half-way resends only the rest."""
    for m in notice.messages:
        if m.get("sent"):
            continue
        headers = {}
        if m.get("unsubscribe"):
            headers["List-Unsubscribe"] = f"<{m['unsubscribe']}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg = EmailMultiAlternatives(m["subject"], m["text"], to=[m["to"]], headers=headers)
        if m.get("html"):
            msg.attach_alternative(m["html"], "text/html")
        msg.send()
        m["sent"] = True
