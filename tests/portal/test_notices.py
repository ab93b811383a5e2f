"""The notice outbox: one row and one mail per (kind, object, due moment); failed delivery is retried."""

from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail

from portal.models import Notice
from portal.notices import deliver_pending, queue_notice

DUE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def notice_templates(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [Path(__file__).parent / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]


def _queue(target, recipients, due=DUE):
    return queue_notice(
        kind="test.reminder",
        target=target,
        due_at=due,
        recipients=recipients,
        template="email/portal_test_notice",
        context={"thing": "the quarterly report"},
    )


def test_notice_queued_twice_is_one_row_and_one_mail(contributor, org_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _queue(contributor, [contributor, org_member, contributor])
        second = _queue(contributor, [contributor, org_member])
    assert first is not None
    assert second is None
    assert Notice.objects.count() == 1
    assert len(mail.outbox) == 2  # delivered on commit (eager in tests): one mail per person
    assert [m.to for m in mail.outbox] == [[contributor.email], [org_member.email]]  # duplicates dropped
    msg = mail.outbox[0]
    assert msg.subject == "Reminder about the quarterly report"
    assert "the quarterly report" in msg.body
    assert "<strong>the quarterly report</strong>" in msg.alternatives[0].content
    assert deliver_pending() == 0  # already sent: a second run sends nothing
    assert len(mail.outbox) == 2


def test_notice_for_another_due_moment_is_a_new_notice(contributor):
    _queue(contributor, [contributor])
    _queue(contributor, [contributor], due=datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    assert deliver_pending() == 2
    assert len(mail.outbox) == 2


def test_delivery_failure_leaves_row_unsent_and_next_run_sends_it(contributor):
    notice = _queue(contributor, [contributor])
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionError("smtp down")):
        assert deliver_pending() == 0
    notice.refresh_from_db()
    assert notice.sent_at is None
    assert notice.attempts == 1
    assert "smtp down" in notice.last_error
    assert mail.outbox == []

    assert deliver_pending() == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert notice.last_error == ""
    assert len(mail.outbox) == 1
    assert deliver_pending() == 0
    assert len(mail.outbox) == 1


def test_one_failing_notice_does_not_block_the_others(contributor, org_member):
    _queue(contributor, [contributor])
    _queue(org_member, [org_member])
    real_send = mail.EmailMultiAlternatives.send

    def flaky(self, *args, **kwargs):
        if self.to == [contributor.email]:
            raise ConnectionError("bounce")
        return real_send(self, *args, **kwargs)

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", flaky):
        assert deliver_pending() == 1
    assert [m.to for m in mail.outbox] == [[org_member.email]]
    assert Notice.objects.filter(sent_at=None).count() == 1


def test_deliver_notices_task_sends_pending(contributor):
    from portal.tasks import deliver_notices

    _queue(contributor, [contributor])
    assert deliver_notices.delay().get() == 1
    assert len(mail.outbox) == 1


def test_plain_text_notices_are_not_html_escaped(db, tmp_path, settings):
    """Every app's .txt notice reads like text: `O'Neil & Co <x>` stays as written."""
    from portal.notices import render_notice

    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "probe.txt").write_text("Subject: Hello {{ name }}\n\nDear {{ name }},\n")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    subject, body, html = render_notice("email/probe", {"name": "O'Neil & Co <x>"})
    assert subject == "Hello O'Neil & Co <x>"
    assert "Dear O'Neil & Co <x>," in body
    assert html == ""
