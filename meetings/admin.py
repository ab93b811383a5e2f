from django.contrib import admin

from .models import AgendaItem, Attendance, Meeting, MeetingSeries


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    """Read-mostly: status changes go through the pages (services), not the admin."""

    list_display = ["title", "group", "starts_at", "status", "published_at", "notes_published_at", "notes_overdue_at"]
    list_filter = ["status", "group"]
    search_fields = ["title", "group__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["group"]
    readonly_fields = [f.name for f in Meeting._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: a cancelled meeting stays listed and in calendars (M6)


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "frequency", "first_date", "local_time", "timezone_name", "ended_at"]
    list_select_related = ["group"]


admin.site.register(AgendaItem)
admin.site.register(Attendance)
