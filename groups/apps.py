from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups"

    def ready(self):
        from portal.identity import person_merging

        from . import decision_identity
        from .identity import settle_merge
        from .services.decisions import close_for_retired_group
        from .signals import group_retired

        person_merging.connect(settle_merge, dispatch_uid="groups.settle_merge")
        person_merging.connect(decision_identity.settle_merge, dispatch_uid="groups.decisions_settle_merge")
        group_retired.connect(close_for_retired_group, dispatch_uid="groups.decisions_close_for_retired_group")
