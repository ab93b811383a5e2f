from django import forms
from django.contrib import admin

from groups.guards import retired_message
from portal.errors import DomainError
from portal.validation import clean_web_url

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


class MeetingSeriesForm(forms.ModelForm):
    """The admin checks a series like the series form and service do (M1, M7)."""

    class Meta:
        model = MeetingSeries
        fields = [
            "group", "title", "frequency", "first_date", "local_time", "timezone_name", "duration", "join_url",
            "agenda_md", "until", "auto_publish", "created_by", "created_at", "ended_at", "generated_until",
        ]  # fmt: skip

    def clean_join_url(self):
        try:
            return clean_web_url(self.cleaned_data.get("join_url"), label="The join link")
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_group(self):
        group = self.cleaned_data.get("group")
        if group is not None and group.is_retired:
            raise forms.ValidationError(retired_message(group.name))
        return group


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    form = MeetingSeriesForm
    list_display = ["title", "group", "frequency", "first_date", "local_time", "timezone_name", "ended_at"]
    list_select_related = ["group"]

    def has_change_permission(self, request, obj=None):
        # G2: a retired group's series is view-only
        return not (obj is not None and obj.group.is_retired) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.group.is_retired) and super().has_delete_permission(request, obj)


admin.site.register(AgendaItem)
admin.site.register(Attendance)
