"""Admin for groups: charter decisions (G5) and activation (G2-G4) as actions with a rationale page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.safestring import mark_safe

from portal.errors import DomainError

from . import services
from .charter_diff import diff_lines
from .guards import retired_message
from .models import (
    RESERVED_SLUGS,
    CharterVersion,
    Group,
    Membership,
    Nomination,
    Objection,
    Participation,
    RetirementProposal,
    Sponsorship,
    Tier,
)


class RationaleActionForm(forms.Form):
    rationale = forms.CharField(label="Rationale (recorded)", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


def confirm_action(modeladmin, request, queryset, *, action, title, verb, perform, refusal, link=None):
    """Ask for a rationale on a confirmation page, then call `perform(obj, rationale)` per object.

    The page says up front which objects the rules refuse and why (`refusal(obj)` -> None or a
    message), so nobody writes a rationale for nothing; the services check again when confirmed.
    """
    form = RationaleActionForm(request.POST if "confirm" in request.POST else None)
    if "confirm" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                perform(obj, form.cleaned_data["rationale"])
                done += 1
            except (DomainError, PermissionDenied) as exc:
                modeladmin.message_user(request, getattr(exc, "message", None) or str(exc), messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{verb}: {done}.", messages.SUCCESS)
        return None
    rows = [{"obj": obj, "refusal": refusal(obj), "link": link(obj) if link else None} for obj in queryset]
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "verb": verb.lower(),
        "rows": rows,
        "ready": [r for r in rows if r["refusal"] is None],
        "form": form,
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "groups/admin/confirm_action.html", context)


class CoreMaintainerAdmin(admin.ModelAdmin):
    """Core maintainers see the groups app in the admin (their rights come from groups/rules.py)."""

    def has_module_permission(self, request):
        return request.user.is_active and (request.user.is_core_maintainer or super().has_module_permission(request))


class SponsorshipForm(forms.ModelForm):
    class Meta:
        model = Sponsorship
        fields = ("group", "sponsor", "note")

    def clean_group(self):
        group = self.cleaned_data["group"]
        if group is not None and group.is_retired:
            raise forms.ValidationError(retired_message(group.name))
        return group

    def clean_sponsor(self):
        sponsor = self.cleaned_data["sponsor"]
        if not sponsor.is_core_maintainer:
            raise forms.ValidationError(f"{sponsor.name} is not a core or lead maintainer; only they sponsor groups.")
        return sponsor


class ReadOnlyWhenRetired:
    """G2: a retired group's admin forms (and those of what belongs to it) are view-only."""

    @staticmethod
    def _group_of(obj):
        if obj is None:
            return None
        return obj if isinstance(obj, Group) else getattr(obj, "group", None)

    def _retired(self, obj) -> bool:
        group = self._group_of(obj)
        return group is not None and group.pk is not None and group.is_retired

    def has_change_permission(self, request, obj=None):
        return not self._retired(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._retired(obj) and super().has_delete_permission(request, obj)


class RetiredInline(ReadOnlyWhenRetired):
    def has_add_permission(self, request, obj=None):
        return not self._retired(obj) and super().has_add_permission(request, obj)


class SponsorshipInline(RetiredInline, admin.TabularInline):
    model = Sponsorship
    form = SponsorshipForm
    extra = 0
    autocomplete_fields = ("sponsor",)


class MembershipInlineForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "tier", "term", "note")

    def clean(self):
        data = super().clean()
        user = data.get("user")
        if data.get("tier") == Tier.LEAD and user is not None and not user.is_member_or_above:
            raise forms.ValidationError(f"{user.name} is not an org-wide member or above, as every lead must be.")
        return data


class MembershipInline(RetiredInline, admin.TabularInline):
    """Current memberships. Saving goes through services: a change ends the row and starts a new
    one, a deletion ends it; both are recorded (T2, DESIGN 4)."""

    model = Membership
    form = MembershipInlineForm
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("status", "started_at")
    verbose_name_plural = "Current memberships (deleting a row ends the membership; history is kept)"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(ended_at__isnull=True).select_related("user")


class GroupForm(forms.ModelForm):
    """The admin builds the fields; this only adds the check on the slug."""

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"/groups/{slug}/ is a page of the portal; choose another slug.")
        return slug


@admin.register(Group)
class GroupAdmin(ReadOnlyWhenRetired, CoreMaintainerAdmin):
    form = GroupForm
    list_display = ("name", "kind", "state", "inactive_since")
    list_filter = ("kind", "state")
    search_fields = ("name", "slug", "mission_summary")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("state", "activated_at", "retired_at", "inactive_since", "version")
    inlines = [SponsorshipInline, MembershipInline]
    actions = ["activate_groups"]

    @admin.action(description="Activate selected proposed groups")
    def activate_groups(self, request, queryset):
        if not request.user.is_core_maintainer:
            self.message_user(request, "Only core maintainers activate groups.", messages.ERROR)
            return None
        return confirm_action(
            self,
            request,
            queryset,
            action="activate_groups",
            title="Activate groups",
            verb="Activated",
            perform=lambda g, r: services.group_activate(group=g, by=request.user, rationale=r),
            refusal=services.activation_refusal,
            link=lambda g: (g.get_absolute_url(), "group page"),
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is Sponsorship:
            for obj in formset.save(commit=False):
                try:
                    services.sponsorship_record(
                        group=form.instance, sponsor=obj.sponsor, by=request.user, note=obj.note
                    )
                except (DomainError, PermissionDenied) as exc:
                    self.message_user(request, f"{obj.sponsor}: {getattr(exc, 'message', exc)}", messages.ERROR)
            for obj in formset.deleted_objects:
                try:
                    services.sponsorship_withdraw(sponsorship=obj, by=request.user)
                except (DomainError, PermissionDenied) as exc:
                    self.message_user(request, f"{obj.sponsor}: {getattr(exc, 'message', exc)}", messages.ERROR)
            return
        if formset.model is Membership:
            for obj in formset.save(commit=False):
                try:
                    services.membership_set_tier(
                        group=form.instance, user=obj.user, tier=obj.tier, by=request.user, term=obj.term, note=obj.note
                    )
                except (DomainError, PermissionDenied) as exc:
                    self.message_user(request, f"{obj.user}: {getattr(exc, 'message', exc)}", messages.ERROR)
            for obj in formset.deleted_objects:
                try:
                    services.membership_end(membership=obj, by=request.user, note="Ended in the admin")
                except (DomainError, PermissionDenied) as exc:
                    self.message_user(request, f"{obj.user}: {getattr(exc, 'message', exc)}", messages.ERROR)
            return
        super().save_formset(request, form, formset, change)


@admin.register(CharterVersion)
class CharterVersionAdmin(CoreMaintainerAdmin):
    list_display = ("group", "number", "status", "author", "submitted_at", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("group", "author", "decided_by")
    search_fields = ("group__name",)
    readonly_fields = (
        "group",
        "number",
        "status",
        "author",
        "created_at",
        "submitted_at",
        "decided_by",
        "decided_at",
        "rationale",
        "summary",
        "source",
        "review",
    )
    fields = (
        ("group", "number", "status"),
        ("author", "created_at", "submitted_at"),
        "summary",
        ("decided_by", "decided_at"),
        "rationale",
        "source",
        "review",
    )
    change_form_template = "groups/admin/charterversion_change_form.html"
    actions = ["approve_versions", "reject_versions"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Review")
    def review(self, version):
        """The version as a reader sees it, and what it changes against the current charter."""
        current = services.current_charter(version.group)
        compare = current if current is not None and current.pk != version.pk else None
        html = render_to_string(
            "groups/admin/_charter_review.html",
            {
                "version": version,
                "sections": version.rendered_sections(),
                "current": compare,
                "diff": diff_lines(compare, version) if compare else None,
            },
        )
        return mark_safe(html)  # noqa: S308 - sections_html is sanitized on save; the rest is escaped

    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="groups_charterversion_decide",
            )
        ]
        return extra + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_decide": version is not None
            and request.user.is_core_maintainer
            and version.status == CharterVersion.Status.SUBMITTED,
            "decision_problem": services.decision_problem(version) if version is not None else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, object_id):
        """Approve or reject from the change page, through the same service as the actions (G5)."""
        if request.method != "POST":
            return redirect(reverse("admin:groups_charterversion_change", args=[object_id]))
        version = get_object_or_404(CharterVersion.objects.select_related("group"), pk=object_id)
        back = reverse("admin:groups_charterversion_change", args=[version.pk])
        decision = request.POST.get("decision")
        if decision not in ("approve", "reject"):
            self.message_user(request, "Choose Approve or Reject.", messages.ERROR)
            return redirect(back)
        try:
            services.charter_decide(
                version=version,
                by=request.user,
                approve=decision == "approve",
                rationale=request.POST.get("rationale", ""),
            )
        except (DomainError, PermissionDenied) as exc:
            self.message_user(request, getattr(exc, "message", None) or str(exc) or "Not allowed.", messages.ERROR)
            return redirect(back)
        verb = "approved" if decision == "approve" else "rejected"
        self.message_user(request, f"{version.group.name} charter v{version.number} {verb}; its leads are told.")
        return redirect(back)

    def _decide(self, request, queryset, approve):
        if not request.user.is_core_maintainer:
            self.message_user(request, "Only core maintainers approve or reject charters.", messages.ERROR)
            return None
        return confirm_action(
            self,
            request,
            queryset,
            action="approve_versions" if approve else "reject_versions",
            title="Approve charter versions" if approve else "Reject charter versions",
            verb="Approved" if approve else "Rejected",
            perform=lambda v, r: services.charter_decide(version=v, by=request.user, approve=approve, rationale=r),
            refusal=services.charter_decision_refusal,
            link=self._changes_link,
        )

    @staticmethod
    def _changes_link(version):
        """The diff against the current charter, where the reviewer reads what changes."""
        current = services.current_charter(version.group)
        url = reverse("groups:charter_history", args=[version.group.slug])
        if current is None or current.pk == version.pk:
            return (version.get_absolute_url(), "read this version")
        return (f"{url}?a={current.number}&b={version.number}#charter-diff", f"changes from v{current.number}")

    @admin.action(description="Approve selected submitted versions")
    def approve_versions(self, request, queryset):
        return self._decide(request, queryset, True)

    @admin.action(description="Reject selected submitted versions")
    def reject_versions(self, request, queryset):
        return self._decide(request, queryset, False)


@admin.register(Sponsorship)
class SponsorshipAdmin(ReadOnlyWhenRetired, CoreMaintainerAdmin):
    form = SponsorshipForm
    list_display = ("group", "sponsor", "created_at")
    autocomplete_fields = ("group", "sponsor")
    list_select_related = ("group", "sponsor")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            saved = services.sponsorship_record(group=obj.group, sponsor=obj.sponsor, by=request.user, note=obj.note)
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.sponsorship_withdraw(sponsorship=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("group"):
            services.sponsorship_withdraw(sponsorship=obj, by=request.user)


class ObjectionInline(admin.TabularInline):
    model = Objection
    extra = 0
    can_delete = False
    readonly_fields = ("by", "reason", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Nomination)
class NominationAdmin(CoreMaintainerAdmin):
    list_display = ("nominee", "group", "nominator", "status", "deadline")
    list_filter = ("status",)
    list_select_related = ("nominee", "group", "nominator")
    readonly_fields = [f.name for f in Nomination._meta.fields]
    inlines = [ObjectionInline]

    def has_add_permission(self, request):
        return False


@admin.register(RetirementProposal)
class RetirementProposalAdmin(CoreMaintainerAdmin):
    list_display = ("group", "proposed_by", "status", "created_at", "decided_by")
    list_filter = ("status",)
    readonly_fields = [f.name for f in RetirementProposal._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Participation)
class ParticipationAdmin(CoreMaintainerAdmin):
    list_display = ("occurred_at", "user", "group", "kind")
    list_filter = ("kind",)
    autocomplete_fields = ("user", "group")
