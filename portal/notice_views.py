"""Which notices a person gets by mail (profile), and the one-click unsubscribe link in every mail.

The unsubscribe address answers GET with a confirmation page (a link scanner or a preview must not
unsubscribe anyone) and POST by turning the kind off: RFC 8058 one-click, which mail providers
send without a session or a CSRF token, so the signed token is the only authority it needs.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .notices import NOTICE_KINDS, notice_kind, read_unsubscribe_token


def _optional_kinds():
    return sorted((k for k in NOTICE_KINDS.values() if k.optional), key=lambda k: k.label)


def _fixed_kinds():
    return sorted((k for k in NOTICE_KINDS.values() if not k.optional), key=lambda k: k.label)


class NoticePreferencesForm(forms.Form):
    wanted = forms.MultipleChoiceField(label="Send me a mail when", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wanted"].choices = [(k.key, k.label) for k in _optional_kinds()]


def set_notices_off(user, off: set[str]) -> None:
    """Store the kinds a person turned off (only optional kinds can be; unknown keys are dropped)."""
    allowed = {k.key for k in _optional_kinds()}
    keep_unknown = [k for k in (user.notices_off or []) if k not in NOTICE_KINDS]  # kinds of apps not loaded
    user.notices_off = sorted((off & allowed) | set(keep_unknown))
    user.save(update_fields=["notices_off"])


@login_required
@require_http_methods(["GET", "POST"])
def notice_preferences(request):
    user = request.user
    saved = False
    if request.method == "POST":
        form = NoticePreferencesForm(request.POST)
        if not form.is_valid():  # a choice that is not an optional kind: nothing is saved
            return _render_preferences(request, form, status=400)
        set_notices_off(user, {k.key for k in _optional_kinds()} - set(form.cleaned_data["wanted"]))
        if not request.htmx:
            messages.success(request, "Your mail choices are saved.")
            return redirect("portal:notice_preferences")
        saved = True
    form = NoticePreferencesForm(initial={"wanted": [k.key for k in _optional_kinds() if user.wants_notice(k.key)]})
    return _render_preferences(request, form, saved=saved)


def _render_preferences(request, form, *, status=200, saved=False):
    template = "portal/notice_preferences.html#form" if request.htmx else "portal/notice_preferences.html"
    ctx = {"form": form, "fixed_kinds": _fixed_kinds(), "saved": saved}
    return render(request, template, ctx, status=status)


@csrf_exempt  # RFC 8058: the one-click POST comes from the mail provider; the signed token authorises it
@require_http_methods(["GET", "POST"])
def notice_unsubscribe(request, token):
    found = read_unsubscribe_token(token)
    if found is None:
        return render(request, "portal/notice_unsubscribe.html", {"invalid": True}, status=400)
    user, key = found
    kind = notice_kind(key)
    if not kind.optional:
        return render(request, "portal/notice_unsubscribe.html", {"kind": kind, "fixed": True}, status=400)
    done = False
    if request.method == "POST":
        set_notices_off(user, set(user.notices_off or []) | {key})
        done = True
    return render(
        request,
        "portal/notice_unsubscribe.html",
        {"kind": kind, "person": user, "done": done, "token": token},
    )
