from django.apps import AppConfig


class SepsConfig(AppConfig):
    name = "seps"
    verbose_name = "SEPs"

    def ready(self):
        from . import report_figures  # noqa: F401  (registers its quarterly-report figures with groups)
