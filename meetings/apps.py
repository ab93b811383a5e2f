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
        from .selectors import annotate_next_meeting, meetings_held

        registry.register_directory_annotation(annotate_next_meeting)  # the directory's "Next meeting"
        registry.register_activity_source(meetings_held)  # G7: a meeting held is activity

        person_merging.connect(settle_merge, dispatch_uid="meetings.settle_merge")
        group_retired.connect(close_for_retired_group, dispatch_uid="meetings.close_for_retired_group")
