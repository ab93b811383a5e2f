"""`/sync/`: what the GitHub sync did lately, the rate limit left, and "sync now" (core maintainers)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from portal.htmx import render_page, wants_partial

from .models import SyncRun, SyncState
from .services import request_sync

RUNS_SHOWN = 25


def _check(request):
    if not request.user.is_core_maintainer:
        raise PermissionDenied("The repository sync is for core maintainers.")


def _context():
    return {
        "runs": list(SyncRun.objects.select_related("requested_by")[:RUNS_SHOWN]),
        "state": SyncState.load(),
        "repository": settings.GITHUB_REPOSITORY,
        "api_url": settings.GITHUB_API_URL,
        "has_token": bool(settings.GITHUB_TOKEN),
        "has_secret": bool(settings.GITHUB_WEBHOOK_SECRET),
        "every_minutes": settings.GITHUB_SYNC_MINUTES,
    }


@login_required
@require_GET
def sync_page(request):
    _check(request)
    return render_page(request, "github/sync.html", _context(), partial="runs")


@login_required
@require_POST
def sync_now(request):
    _check(request)
    request_sync(by=request.user)
    done = "A sync with the repository is queued; this page shows it when it has run."
    if wants_partial(request):
        return render_page(request, "github/sync.html", {**_context(), "notice": done}, partial="runs")
    messages.success(request, done)
    return redirect("github:sync")
