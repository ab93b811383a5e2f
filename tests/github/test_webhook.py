"""`POST /github/webhook/`: signed, deduplicated, answers at once and queues one sync."""

import hashlib
import hmac
import json
from unittest import mock

import pytest
from django.test import TestCase
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from portal.github.models import WebhookDelivery

pytestmark = pytest.mark.django_db

URL = "/github/webhook/"
SECRET = "a-test-secret"
REPO = {"full_name": "modelcontextprotocol/modelcontextprotocol", "default_branch": "main"}


def sign(body: bytes, secret=SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, payload, *, event="push", delivery="d-1", signature=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"HTTP_X_GITHUB_EVENT": event, "HTTP_X_GITHUB_DELIVERY": delivery}
    if signature is not False:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature or sign(body)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the sync is queued after the commit
        return client.post(URL, body, content_type="application/json", **headers)


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.GITHUB_REPOSITORY = REPO["full_name"]


@pytest.fixture
def queued():
    with mock.patch("portal.github.tasks.sync_repository.delay") as delay:
        yield delay


PUSH = {"ref": "refs/heads/main", "repository": REPO}


def test_push_to_the_default_branch_queues_a_sync(client, queued):
    response = post(client, PUSH)
    assert (response.status_code, queued.call_count) == (202, 1)


def test_webhook_queues_the_sync_as_a_webhook_trigger(client, queued):
    post(client, PUSH)
    assert queued.call_args.kwargs == {"trigger": "webhook"}


@pytest.mark.parametrize("action", ["opened", "edited", "synchronize", "closed", "reopened"])
def test_pull_request_actions_the_sync_uses_queue_a_sync(client, queued, action):
    response = post(client, {"action": action, "number": 7, "repository": REPO}, event="pull_request")
    assert (response.status_code, queued.call_count) == (202, 1)


def test_a_wrong_signature_is_403_and_queues_nothing(client, queued):
    response = post(client, PUSH, signature=sign(b"something else"))
    assert (response.status_code, queued.call_count) == (403, 0)


def test_a_signature_with_another_secret_is_403(client, queued):
    body = json.dumps(PUSH).encode()
    response = post(client, PUSH, raw=body, signature=sign(body, "not-the-secret"))
    assert (response.status_code, queued.call_count) == (403, 0)


def test_a_missing_signature_is_403_and_queues_nothing(client, queued):
    response = post(client, PUSH, signature=False)
    assert (response.status_code, queued.call_count) == (403, 0)


def test_without_a_configured_secret_every_delivery_is_refused(client, queued, settings):
    settings.GITHUB_WEBHOOK_SECRET = ""
    body = json.dumps(PUSH).encode()
    response = post(client, PUSH, raw=body, signature=sign(body, ""))
    assert (response.status_code, queued.call_count) == (403, 0)


def test_a_refused_delivery_is_not_remembered(client, queued):
    post(client, PUSH, signature=False)
    assert WebhookDelivery.objects.count() == 0


def test_a_repeated_delivery_queues_nothing_more(client, queued):
    post(client, PUSH, delivery="same")
    response = post(client, PUSH, delivery="same")
    assert (response.status_code, queued.call_count) == (200, 1)


def test_another_delivery_queues_again(client, queued):
    post(client, PUSH, delivery="one")
    post(client, PUSH, delivery="two")
    assert queued.call_count == 2


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("issues", {"action": "opened", "repository": REPO}),
        ("ping", {"zen": "Keep it simple.", "repository": REPO}),
        ("push", {"ref": "refs/heads/some-branch", "repository": REPO}),
        ("push", {"ref": "refs/tags/v1", "repository": REPO}),
        ("pull_request", {"action": "labeled", "repository": REPO}),
        ("push", {"ref": "refs/heads/main", "repository": {"full_name": "someone/else", "default_branch": "main"}}),
    ],
)
def test_events_the_sync_does_not_use_are_204(client, queued, event, payload):
    response = post(client, payload, event=event)
    assert (response.status_code, queued.call_count) == (204, 0)


def test_a_signed_body_that_is_not_json_is_400(client, queued):
    response = post(client, None, raw=b"{not json")
    assert (response.status_code, queued.call_count) == (400, 0)


def test_a_delivery_without_an_id_is_400(client, queued):
    response = post(client, PUSH, delivery="")
    assert (response.status_code, queued.call_count) == (400, 0)


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405


def test_the_webhook_needs_no_csrf_token(queued):
    from django.test import Client

    response = post(Client(enforce_csrf_checks=True), PUSH)
    assert response.status_code == 202


def test_other_posts_still_need_a_csrf_token(core_maintainer):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(core_maintainer)
    assert c.post("/sync/run/").status_code == 403


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300), signature=st.text(max_size=80), event=st.text(max_size=30))
def test_any_unsigned_input_is_refused_without_a_500(client, queued, body, signature, event):
    headers = {"HTTP_X_GITHUB_EVENT": event.encode("ascii", "ignore").decode(), "HTTP_X_GITHUB_DELIVERY": "x"}
    if signature.isascii():
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    response = client.post(URL, body, content_type="application/json", **headers)
    assert response.status_code == 403
    assert queued.call_count == 0


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payload=st.recursive(
        st.none() | st.booleans() | st.text(max_size=20) | st.integers(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=8,
    ),  # fmt: skip
    event=st.sampled_from(["push", "pull_request", "issues", ""]),
)
def test_any_signed_payload_gets_an_answer_not_a_500(client, queued, payload, event):
    response = post(client, payload, event=event, delivery=f"h-{hash(json.dumps(payload))}")
    assert response.status_code in (200, 202, 204)
