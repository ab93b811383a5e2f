"""Personal tokens on the profile page: create one (shown once) and revoke one (your own only).

Thin views: sign-in required, the service decides, the page or its `tokens` partial answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .errors import DomainError
from .htmx import redirect_response, render_page, wants_partial
from .models import PersonalToken
from .tokens import token_create, token_revoke
from .views import profile_context


@never_cache  # the new token is in this response, once: nothing may keep a copy
@login_required
@require_POST
def create_token(request):
    try:
        _, raw = token_create(user=request.user, name=request.POST.get("name", ""))
    except DomainError as exc:
        ctx = profile_context(request, token_error=exc.message, token_name=request.POST.get("name", "")[:80])
        return render_page(request, "portal/profile.html", ctx, partial="tokens", status=400)
    return render_page(request, "portal/profile.html", profile_context(request, new_token=raw), partial="tokens")


@login_required
@require_POST
def revoke_token(request, pk):
    try:
        token = token_revoke(token_id=pk, by=request.user)
    except PersonalToken.DoesNotExist:
        raise Http404("No such token.") from None
    done = f"The token “{token.name}” is revoked: programs using it are refused from now on."
    if wants_partial(request):
        return render_page(request, "portal/profile.html", profile_context(request, token_done=done), partial="tokens")
    messages.success(request, done)
    return redirect_response(request, "/profile/") or redirect("portal:profile")
