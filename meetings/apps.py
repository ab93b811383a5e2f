from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        from groups import registry
        from groups.signals import group_retired
        from portal.identity import person_merging

        from . import (
            report_figures,  # noqa: F401  (registers its quarterly-report figures with groups)
            tasks,  # noqa: F401  (connects series generation to meetings.series.series_created)
        )
        from .identity import settle_merge
        from .retirement import close_for_retired_group
        from .selectors import annotate_group_page, annotate_next_meeting, meetings_held

        registry.register_directory_annotation(annotate_next_meeting)  # the directory's "Next meeting"
        registry.register_activity_source(meetings_held)  # G7: a meeting held is activity
        registry.register_page_annotation(annotate_group_page)  # the group page's meetings panel facts

        person_merging.connect(settle_merge, dispatch_uid="meetings.settle_merge")
        group_retired.connect(close_for_retired_group, dispatch_uid="meetings.close_for_retired_group")

        from django.db.models.signals import post_save

        from portal.models import Event
        from portal.notices import register_notice_kind

        from .notify import on_event_saved

        post_save.connect(on_event_saved, sender=Event, dispatch_uid=f"{self.name}.notify")

        # Deadline notices to leads (M2, M4): they cannot be turned off.
        for key, label in (
            ("meeting.publication_reminder", "A draft meeting must be published soon"),
            ("meeting.publication_missed", "A draft meeting missed its publication deadline"),
            ("meeting.notes_reminder", "A meeting's notes are due soon"),
            ("meeting.notes_overdue", "A meeting's notes are overdue"),
        ):
            register_notice_kind(key, label, optional=False, audience="leads")
        register_notice_kind(
            "meeting.agenda_item_proposed", "Someone proposes an agenda item in a group you lead", audience="leads"
        )
        register_notice_kind(
            "meeting.agenda_item_decided", "An agenda item you proposed is accepted or declined", audience="proposers"
        )
