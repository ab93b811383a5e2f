from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from django.contrib import admin

        from . import adapters  # noqa: F401  (connects the GitHub sign-in receivers)

        admin.site.site_header = "MCP Groups Portal: administration"
        admin.site.site_title = "MCP Groups Portal admin"
        admin.site.index_title = "Core maintainers' desk"
