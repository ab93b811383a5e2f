"""Notices that go out once: an outbox keyed by (kind, object, due moment).

    queue_notice(kind="meeting.notes_reminder", target=meeting, due_at=meeting.notes_reminder_at,
                 recipients=meeting.group.leads(), template="email/notes_reminder",
                 context={"meeting": meeting})

renders `templates/<template>.txt` (first line `Subject: ...`) and `<template>.html`, and stores
the message. Calling it twice for the same (kind, target, due_at) stores nothing new and returns
None. After commit the `notice_queued` signal goes out; `portal.tasks` answers it by enqueuing
`deliver_notices` (this core module never imports the task layer), which also runs every minute
from beat, so a notice whose delivery was interrupted is sent on the next run.
"""

import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from .models import Notice

log = logging.getLogger(__name__)

# Sent (sender=Notice) after the transaction that stored a notice commits. portal.tasks connects the
# delivery; a receiver that fails is logged and the minutely delivery run catches up.
notice_queued = Signal()


def _addresses(recipients) -> list[str]:
    out = []
    for r in recipients:
        email = r if isinstance(r, str) else getattr(r, "email", "")
        if email and email not in out:
            out.append(email)
    return out


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
    addresses = _addresses(recipients)
    subject, body, html = render_notice(template, context)
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                kind=kind,
                target_type=ContentType.objects.get_for_model(target),
                target_id=str(target.pk),
                due_at=due_at,
                recipients=addresses,
                subject=subject[:200],
                body_text=body,
                body_html=html,
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
                if notice.recipients:
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
            notice.save(update_fields=["attempts", "sent_at", "last_error"])
    return sent
