"""Admin for SEPs: status changes go through the same transitions table and services as the pages."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from portal.errors import DomainError
from portal.events import record

from . import transitions
from .models import SEP, SEPAuthor
from .services import EDITABLE_FIELDS, clean_metadata, sep_assign_sponsor, sep_transition


class SEPAuthorInline(admin.TabularInline):
    model = SEPAuthor
    extra = 0
    fields = ["position", "name", "github", "email", "user"]
    autocomplete_fields = ["user"]


class SEPAdminForm(forms.ModelForm):
    transition = forms.ChoiceField(required=False, help_text="A status change, checked like on the SEP page.")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    successor = forms.CharField(required=False, help_text="For “Mark superseded”: the successor's SEP number.")

    class Meta:
        model = SEP
        fields = [
            "number", "title", "slug", "type", "created", "group", "sponsor", "pr_url", "discussion_url",
            "body", "superseded_by", "reference_implementation", "roadmap_area", "source_file",
        ]  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        sep = self.instance
        options = transitions.available(user, sep) if sep.pk else []
        self.fields["transition"].choices = [("", "— no status change —"), *[(t.name, t.label) for t in options]]

    def clean_sponsor(self):
        sponsor = self.cleaned_data.get("sponsor")
        if sponsor is not None and sponsor.pk != self.instance.sponsor_id and not sponsor.is_steering_group:
            raise forms.ValidationError("A sponsor must be in the steering group: a maintainer or above.")
        return sponsor

    def clean(self):
        data = super().clean()
        # the same checks as the edit service (links http(s) only, no retired group, a title), for every path
        edited = {f: data[f] for f in EDITABLE_FIELDS if f in self.changed_data and f in data}
        if edited:
            try:
                clean_metadata(edited)
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from None
        name = data.get("transition")
        if name:
            try:
                transitions.check(name, self.user, self.instance)
            except (DomainError, PermissionDenied) as exc:
                raise forms.ValidationError(getattr(exc, "message", str(exc))) from None
            if not (data.get("rationale") or "").strip():
                self.add_error("rationale", "Give a rationale: every status change records why.")
        if "sponsor" in self.changed_data and data.get("sponsor") is not None:
            if name:
                self.add_error("transition", "Assign the sponsor first, then change the status in a second save.")
            if not (data.get("rationale") or "").strip():
                self.add_error("rationale", "Say why this person sponsors the SEP; the change is recorded.")
        if "sponsor" in self.changed_data and data.get("sponsor") is None and self.instance.sponsor_id:
            self.add_error("sponsor", "A sponsor is not removed here: the SEP's status says whether it has one.")
        return data


@admin.register(SEP)
class SEPAdmin(admin.ModelAdmin):
    form = SEPAdminForm
    list_display = ["number", "title", "status", "type", "group", "sponsor", "roadmap_area", "last_activity_at"]
    list_filter = ["status", "type", "roadmap_area", "group"]
    search_fields = ["number", "title"]
    readonly_fields = ["status", "sponsor_named", "status_changed_at", "last_activity_at", "last_ping_at", "version"]
    autocomplete_fields = ["sponsor", "superseded_by"]
    inlines = [SEPAuthorInline]

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)

        class WithUser(base):
            def __init__(self, *args, **kw):
                kw["user"] = request.user
                super().__init__(*args, **kw)

        return WithUser

    def save_model(self, request, obj, form, change):
        # The sponsor goes through the same service as on the SEP page (S2-S6): a proposal becomes a
        # draft, recorded, and the S5 sweep sees the same fields whatever path set the sponsor.
        new_sponsor = obj.sponsor if "sponsor" in form.changed_data else None
        if new_sponsor is not None:
            obj.sponsor_id = form.initial.get("sponsor")
        if "body" in form.changed_data or not obj.body_html:
            obj.render_body()
        if change and form.changed_data:
            obj.version += 1
            obj.last_activity_at = timezone.now()
        super().save_model(request, obj, form, change)
        fields = [f for f in form.changed_data if f not in ("transition", "rationale", "successor", "sponsor")]
        if not change:
            record(actor=request.user, verb="sep.created", target=obj, data={"number": obj.number, "via": "admin"})
        elif fields:
            record(actor=request.user, verb="sep.edited", target=obj,
                   data={"number": obj.number, "changes": {f: {} for f in fields}, "via": "admin"})  # fmt: skip
        if new_sponsor is not None:
            try:
                sep_assign_sponsor(sep=obj, sponsor=new_sponsor, by=request.user, reason=form.cleaned_data["rationale"])
                obj.refresh_from_db()
            except (DomainError, PermissionDenied) as exc:
                self.message_user(request, getattr(exc, "message", str(exc)), level=messages.ERROR)
        name = form.cleaned_data.get("transition")
        if name:
            try:
                sep_transition(
                    name,
                    sep=obj,
                    by=request.user,
                    reason=form.cleaned_data.get("rationale", ""),
                    successor_number=form.cleaned_data.get("successor"),
                    reference_implementation=obj.reference_implementation,
                )
            except (DomainError, PermissionDenied) as exc:
                self.message_user(request, getattr(exc, "message", str(exc)), level=messages.ERROR)
