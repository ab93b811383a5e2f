"""`POST /github/webhook/`: GitHub tells us the repository changed; we queue a sync and answer at once.

The body must carry a valid `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with
`GITHUB_WEBHOOK_SECRET`, compared in constant time): unsigned or wrong is 403 and nothing is
queued. Events the sync does not use get 204; a repeated `X-GitHub-Delivery` queues nothing.
CSRF is off for this view only: the signature is its proof of origin.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import SyncRun, WebhookDelivery
from .sync import PULL_ACTIONS


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    if not secret or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())


def wanted(event: str, payload: dict) -> bool:
    """Push to the default branch; pull_request opened, edited, synchronize, closed, reopened."""
    repo = payload.get("repository") if isinstance(payload.get("repository"), dict) else {}
    if str(repo.get("full_name", "")).lower() != settings.GITHUB_REPOSITORY.lower():
        return False
    if event == "push":
        return payload.get("ref") == f"refs/heads/{repo.get('default_branch') or 'main'}"
    if event == "pull_request":
        return payload.get("action") in PULL_ACTIONS
    return False


@csrf_exempt
@require_POST
def webhook(request):
    try:
        body = request.body
    except RequestDataTooBig:
        return HttpResponse("Payload too large.", status=413, content_type="text/plain")
    if not signature_ok(settings.GITHUB_WEBHOOK_SECRET, body, request.headers.get("X-Hub-Signature-256", "")):
        return HttpResponse("Missing or wrong signature.", status=403, content_type="text/plain")
    event = request.headers.get("X-GitHub-Event", "")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse("The body is not JSON.", status=400, content_type="text/plain")
    if not isinstance(payload, dict) or not wanted(event, payload):
        return HttpResponse(status=204)
    delivery = request.headers.get("X-GitHub-Delivery", "").strip()
    if not delivery or len(delivery) > 100:
        return HttpResponse("X-GitHub-Delivery is missing.", status=400, content_type="text/plain")
    from .tasks import sync_repository

    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(delivery_id=delivery, event=event[:50])
            transaction.on_commit(lambda: sync_repository.delay(trigger=SyncRun.Trigger.WEBHOOK))
    except IntegrityError:
        return JsonResponse({"queued": False, "reason": "This delivery was already received."}, status=200)
    return JsonResponse({"queued": True}, status=202)
