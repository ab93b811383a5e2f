from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups"

    def ready(self):
        from portal.identity import person_merging

        from .identity import settle_merge

        person_merging.connect(settle_merge, dispatch_uid="groups.settle_merge")
