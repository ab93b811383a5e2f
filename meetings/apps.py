from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        from . import report_figures  # noqa: F401  (registers its quarterly-report figures with groups)
