from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups"

    def ready(self):
        from portal.identity import person_merging

        from . import decision_identity
        from .identity import settle_merge

        person_merging.connect(settle_merge, dispatch_uid="groups.settle_merge")
        person_merging.connect(decision_identity.settle_merge, dispatch_uid="groups.decisions_settle_merge")
