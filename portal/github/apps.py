from django.apps import AppConfig


class GithubConfig(AppConfig):
    name = "portal.github"
    label = "github_sync"
    verbose_name = "GitHub sync"
    default_auto_field = "django.db.models.BigAutoField"
