from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        from portal.identity import person_merging

        from .identity import settle_merge

        person_merging.connect(settle_merge, dispatch_uid="meetings.settle_merge")
