from django.contrib import admin

from .models import Group, Membership, Participation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "state", "inactive_since")
    list_filter = ("kind", "state")
    search_fields = ("name", "slug", "mission_summary")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "user", "group", "kind")
    list_filter = ("kind",)
    raw_id_fields = ("user",)
