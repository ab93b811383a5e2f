from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        from groups.signals import group_retired
        from portal.identity import person_merging

        from .identity import settle_merge
        from .retirement import close_for_retired_group

        person_merging.connect(settle_merge, dispatch_uid="meetings.settle_merge")
        group_retired.connect(close_for_retired_group, dispatch_uid="meetings.close_for_retired_group")
