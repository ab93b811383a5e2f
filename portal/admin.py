from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .errors import DomainError
from .events import record
from .identity import confirm_github, revoke_github
from .models import Event, LadderRole, Notice, Role, User
from .roles import roles_follow_ladder


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
    list_display = (
        "username", "display_name", "email", "github", "github_status", "affiliation", "ladder_role", "is_staff",
    )  # fmt: skip
    list_filter = ("ladder_role", "github_verified_via", "is_placeholder", "is_staff", "is_active")
    search_fields = ("username", "display_name", "email", "github", "affiliation")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Community profile", {"fields": ("display_name", "github", "discord", "affiliation", "timezone")}),
        (
            "GitHub identity (verified handles only grant rights)",
            {"fields": ("github_verified_at", "github_verified_via", "github_id", "is_placeholder", "merged_into")},
        ),
        ("Contributor ladder", {"fields": ("ladder_role",)}),
    )
    actions = ["confirm_github_handle", "withdraw_github_verification"]

    # People pickers (autocomplete) that only some people may fill: (model, field) -> queryset method
    PICKER_LIMITS = {("sponsorship", "sponsor"): "core_maintainers", ("sep", "sponsor"): "steering_group"}

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        limit = self.PICKER_LIMITS.get((request.GET.get("model_name"), request.GET.get("field_name")))
        if limit:
            queryset = getattr(queryset, limit)()
        return queryset, may_have_duplicates

    @admin.display(description="GitHub")
    def github_status(self, obj):
        if not obj.github:
            return "—"
        if obj.github_verified_at:
            return f"verified ({obj.get_github_verified_via_display().lower()})"
        return "known from GitHub" if obj.is_placeholder else "unverified"

    def _each(self, request, queryset, service, done: str):
        ok = 0
        for person in queryset:
            try:
                service(user=person, by=request.user, reason="admin action")
                ok += 1
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            except DomainError as exc:
                self.message_user(request, f"{person.name}: {exc.message}", messages.WARNING)
        if ok:
            self.message_user(request, f"{done}: {ok}.", messages.SUCCESS)

    @admin.action(description="Confirm their GitHub handle (verified by a core maintainer; recorded)")
    def confirm_github_handle(self, request, queryset):
        self._each(request, queryset, confirm_github, "GitHub handles confirmed")

    @admin.action(description="Withdraw the verification of their GitHub handle (recorded)")
    def withdraw_github_verification(self, request, queryset):
        self._each(request, queryset, revoke_github, "GitHub verifications withdrawn")

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
        readonly += ["github_verified_at", "github_verified_via", "github_id", "is_placeholder", "merged_into"]
        if obj is not None and (obj.github_verified_at or obj.is_placeholder):
            # A verified handle follows GitHub sign-in; it is changed through the actions, never retyped.
            readonly.append("github")
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
                roles_follow_ladder(person=obj, by=request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    """Roles over time (MAINTAINERS.md import); history is never rewritten, so it is read-only here."""

    list_display = ("person", "kind", "area", "scope", "product", "emeritus", "started_at", "ended_at", "source")
    list_filter = ("kind", "area", "emeritus", "source")
    search_fields = ("person__display_name", "person__username", "person__github", "scope")
    list_select_related = ("person",)
    date_hierarchy = "started_at"


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
