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

        from django.db.models.signals import post_save

        from portal.models import Event
        from portal.notices import register_notice_kind

        from .notify import on_event_saved

        post_save.connect(on_event_saved, sender=Event, dispatch_uid=f"{self.name}.notify")

        register_notice_kind("groups.nomination_opened", "You are nominated to member of a group", audience="nominees")
        register_notice_kind(
            "groups.nomination_confirmed",
            "A nomination you made or received is confirmed",
            audience="nominators, nominees",
        )
        register_notice_kind(
            "groups.nomination_objected",
            "A nomination you made or received met an objection",
            audience="nominators, nominees",
        )
        register_notice_kind(
            "groups.charter_decided", "A charter version of a group you lead is approved or rejected", audience="leads"
        )
