"""`/sync/` and "sync now": core maintainers only, checked in the view and in the service."""

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.utils import timezone

from portal.github.models import SyncRun, SyncState
from portal.github.services import request_sync
from portal.models import Event
from tests.html import find_all, text

pytestmark = pytest.mark.django_db

PAGE = "/sync/"
RUN = "/sync/run/"


@pytest.fixture
def queued():
    with mock.patch("portal.github.tasks.sync_repository.delay") as delay:
        yield delay


def runs(n):
    now = timezone.now()
    SyncRun.objects.bulk_create(
        SyncRun(trigger="beat", status="ok", started_at=now, finished_at=now, requests_made=3, errors=[f"e{i}"],
                changes=[f"c{i}"]) for i in range(n)
    )  # fmt: skip


# --- the page ------------------------------------------------------------------------------------


def test_sync_page_anonymous_is_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert (response.status_code, "/accounts/login/" in response["Location"]) == (302, True)


def test_sync_page_is_403_for_a_maintainer(client_for, maintainer):
    assert client_for(maintainer).get(PAGE).status_code == 403


def test_sync_page_shows_runs_to_a_core_maintainer(client_for, core_maintainer):
    runs(1)
    response = client_for(core_maintainer).get(PAGE)
    assert response.status_code == 200
    assert b'class="sync-run"' in response.content


def test_sync_page_shows_requests_files_and_errors(client_for, core_maintainer):
    SyncRun.objects.create(trigger="beat", status="failed", requests_made=17, files_changed=4,
                           errors=["GitHub answered 502 for the tree."], finished_at=timezone.now())  # fmt: skip
    content = client_for(core_maintainer).get(PAGE).content.decode()
    assert text(find_all(content, "ul", class_="sync-errors")[0]) == "GitHub answered 502 for the tree."
    assert text(find_all(content, "td", class_="requests")[0]) == "17 0 files fetched"
    assert text(find_all(content, "td", class_="files-changed")[0]) == "4"


def test_sync_page_shows_the_rate_limit_left(client_for, core_maintainer):
    SyncState.objects.update_or_create(pk=1, defaults={"rate_limit": 60, "rate_remaining": 41})
    content = client_for(core_maintainer).get(PAGE).content.decode()
    assert "41 of 60" in content


def test_sync_page_htmx_gets_the_runs_partial(client_for, core_maintainer, htmx_headers):
    response = client_for(core_maintainer).get(PAGE, **htmx_headers)
    assert (response.status_code, b"<html" in response.content, b'id="sync-runs"' in response.content) == (
        200,
        False,
        True,
    )


def test_sync_page_query_budget_does_not_grow_with_runs(
    client_for, core_maintainer, django_assert_max_num_queries, settings
):
    settings.RESPONSE_CACHE = {**settings.RESPONSE_CACHE, "ENABLED": False}  # measure the render, not the cache
    settings.FRAGMENT_CACHE = False  # every fragment rendered too (warm ones: tests/portal/test_fragments.py)
    c = client_for(core_maintainer)
    runs(3)
    with django_assert_max_num_queries(8) as few:
        c.get(PAGE)
    runs(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        c.get(PAGE)


# --- sync now --------------------------------------------------------------------------------------


def test_sync_now_anonymous_is_sent_to_sign_in(client, queued):
    response = client.post(RUN)
    assert (response.status_code, queued.call_count) == (302, 0)


def test_sync_now_is_403_for_a_maintainer(client_for, maintainer, queued):
    response = client_for(maintainer).post(RUN)
    assert (response.status_code, queued.call_count) == (403, 0)


def test_sync_now_queues_one_sync_for_a_core_maintainer(client_for, core_maintainer, queued):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client_for(core_maintainer).post(RUN)
    assert (response.status_code, response["Location"], queued.call_count) == (302, PAGE, 1)


def test_sync_now_names_who_asked(client_for, core_maintainer, queued):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client_for(core_maintainer).post(RUN)
    assert queued.call_args.kwargs == {"trigger": "manual", "requested_by_id": core_maintainer.pk}


def test_sync_now_is_recorded(client_for, core_maintainer, queued):
    client_for(core_maintainer).post(RUN)
    assert Event.objects.filter(verb="github.sync_requested", actor=core_maintainer).count() == 1


def test_sync_now_htmx_gets_the_partial_with_a_notice(client_for, core_maintainer, queued, htmx_headers):
    response = client_for(core_maintainer).post(RUN, **htmx_headers)
    assert (response.status_code, b"<html" in response.content, b"is queued" in response.content) == (
        200,
        False,
        True,
    )


def test_sync_now_get_is_not_allowed(client_for, core_maintainer):
    assert client_for(core_maintainer).get(RUN).status_code == 405


def test_request_sync_service_refuses_a_maintainer(maintainer, queued):
    with pytest.raises(PermissionDenied):
        request_sync(by=maintainer)
    assert queued.call_count == 0
