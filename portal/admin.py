from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .events import record
from .models import Event, LadderRole, Notice, User


def may_manage(me, person) -> bool:
    """Who a non-superuser may edit in the admin: themselves and people ranked below them on the ladder
    (lead maintainers: everyone). Never a superuser: that would let staff take over Django's own keys."""
    if me.is_superuser:
        return True
    if person.is_superuser and person.pk != me.pk:
        return False
    return (
        person.pk == me.pk
        or me.is_lead_maintainer
        or LadderRole.rank(person.ladder_role) < LadderRole.rank(me.ladder_role)
    )


def assignable_roles(me) -> list[str]:
    """Ladder roles a person may hand out: below their own (lead maintainers and superusers: all)."""
    if me.is_superuser or me.is_lead_maintainer:
        return list(LadderRole.values)
    return [r for r in LadderRole.values if LadderRole.rank(r) < LadderRole.rank(me.ladder_role)]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "email", "github", "affiliation", "ladder_role", "is_staff")
    list_filter = ("ladder_role", "is_staff", "is_active")
    search_fields = ("username", "display_name", "email", "github", "affiliation")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Community profile", {"fields": ("display_name", "github", "discord", "affiliation", "timezone")}),
        ("Contributor ladder (P1)", {"fields": ("ladder_role",)}),
    )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_manage(request.user, obj))

    def user_change_password(self, request, id, form_url=""):
        # Setting someone else's password is account takeover; people reset their own by email.
        if not request.user.is_superuser and str(request.user.pk) != str(id):
            raise PermissionDenied("Only superusers set another person's password; they can reset it by email.")
        return super().user_change_password(request, id, form_url)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "ladder_role":
            allowed = set(assignable_roles(request.user))
            kwargs["choices"] = [(v, label) for v, label in LadderRole.choices if v in allowed]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        me = request.user
        own_record = obj is not None and obj.pk == me.pk
        if (not me.is_core_maintainer and not me.is_superuser) or (
            own_record and not (me.is_superuser or me.is_lead_maintainer)
        ):
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
        if role_changed and (
            obj.ladder_role not in assignable_roles(request.user) or not may_manage(request.user, obj)
        ):
            raise PermissionDenied("You can only give roles below your own, to people ranked below you.")
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
