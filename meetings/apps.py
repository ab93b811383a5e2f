from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        from groups.signals import group_retired

        from .retirement import close_for_retired_group

        group_retired.connect(close_for_retired_group, dispatch_uid="meetings.close_for_retired_group")
