from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from django.contrib import admin
        from django.db.models.signals import post_migrate

        from .dataversion import install_after_migrate

        # every table, including those later migrations add, bumps the data version (DESIGN 9)
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="portal.dataversion")

        from . import (
            adapters,  # noqa: F401  (connects the GitHub sign-in receivers)
            tasks,  # noqa: F401  (connects notice delivery to portal.notices.notice_queued)
        )
        from .sites import sync_site_after_migrate

        # after sites' own post_migrate (which would create example.com): ours is connected first,
        # creates the row, and sites' then finds one and leaves it alone
        post_migrate.connect(sync_site_after_migrate, dispatch_uid="portal.sync_site")

        admin.site.site_header = "MCP Groups Portal: administration"
        admin.site.site_title = "MCP Groups Portal admin"
        admin.site.index_title = "Core maintainers' desk"
