from django.apps import AppConfig


class SepsConfig(AppConfig):
    name = "seps"
    verbose_name = "SEPs"
