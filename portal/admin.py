from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .events import record
from .models import Event, Notice, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "email", "github", "affiliation", "ladder_role", "is_staff")
    list_filter = ("ladder_role", "is_staff", "is_active")
    search_fields = ("username", "display_name", "email", "github", "affiliation")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Community profile", {"fields": ("display_name", "github", "discord", "affiliation", "timezone")}),
        ("Contributor ladder (P1)", {"fields": ("ladder_role",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_core_maintainer and not request.user.is_superuser:
            readonly.append("ladder_role")
        if not request.user.is_superuser:
            # Core maintainers manage the ladder, not Django's own privileges.
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly

    def save_model(self, request, obj, form, change):
        old_role = None
        if change:
            old_role = User.objects.filter(pk=obj.pk).values_list("ladder_role", flat=True).first()
        role_changed = old_role is not None and old_role != obj.ladder_role
        if role_changed and not (request.user.is_core_maintainer or request.user.is_superuser):
            raise PermissionDenied("Only core maintainers change a person's ladder role.")
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if role_changed:
                record(
                    actor=request.user,
                    verb="user.ladder_role_changed",
                    target=obj,
                    data={"from": old_role, "to": obj.ladder_role},
                )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "verb", "target_repr", "group")
    list_filter = ("verb",)
    search_fields = ("verb", "target_repr", "actor__display_name", "actor__username")
    list_select_related = ("actor", "group")
    date_hierarchy = "created_at"


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "subject", "due_at", "sent_at", "attempts")
    list_filter = ("kind",)
    date_hierarchy = "created_at"
