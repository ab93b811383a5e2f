from django.apps import AppConfig


class SepsConfig(AppConfig):
    name = "seps"
    verbose_name = "SEPs"

    def ready(self):
        from groups import registry
        from portal.notices import register_notice_kind

        from . import report_figures  # noqa: F401  (registers its quarterly-report figures with groups)
        from .templatetags.seps_panels import annotate_group_page

        registry.register_page_annotation(annotate_group_page)  # the group page's SEP panel fact

        register_notice_kind("sep.ping_proposal", "A SEP you wrote has no sponsor and no activity", audience="authors")
        register_notice_kind("sep.ping_draft", "A draft SEP you sponsor or wrote has no activity", audience="sponsors")
        register_notice_kind("sep.ping_accepted", "An accepted SEP you wrote has no activity", audience="authors")
        register_notice_kind("sep.dormant", "A SEP you wrote became dormant", audience="authors")
