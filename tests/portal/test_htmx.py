"""One way to answer htmx (portal.htmx): every list page gives the whole page to a history restore
and to a boosted request, and its partial only to htmx swapping a region in place."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxMiddleware

from portal.htmx import partial_status, redirect_response, wants_partial
from tests.factories import GroupFactory, MembershipFactory
from tests.groups.factories import CharterVersionFactory
from tests.meetings.factories import MeetingFactory
from tests.seps.factories import SEPFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
HISTORY_RESTORE = {**HTMX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
BOOSTED = {**HTMX, "HTTP_HX_BOOSTED": "true"}

# (url, signed in as a core maintainer, the page has a partial for htmx at this url)
LIST_PAGES = [
    ("/", False, False),
    ("/dashboard/", True, False),
    ("/groups/?kind=wg", False, True),
    ("/groups/?page=1", False, True),
    ("/groups/queue/", True, False),
    ("/groups/list-wg/?members=1", False, True),
    ("/groups/list-wg/charter/?a=1&b=2", False, True),
    ("/meetings/?kind=ig", False, True),
    ("/meetings/?when=past", False, True),
    ("/meetings/compliance/", True, False),
    ("/seps/?status=draft", False, True),
    ("/seps/review/?page=1", True, True),
    ("/groups/list-wg/decisions/?page=1", False, True),
    ("/health/?page=1", True, True),
]


def _request(headers):
    request = RequestFactory().get("/", **headers)
    HtmxMiddleware(lambda r: HttpResponse())(request)
    return request


@pytest.fixture
def pages(db, core_maintainer, client_for):
    group = GroupFactory(name="List WG", slug="list-wg")
    MembershipFactory(group=group)
    CharterVersionFactory(group=group, number=1)
    CharterVersionFactory(group=group, number=2)
    MeetingFactory(group=group)
    SEPFactory()
    return {True: client_for(core_maintainer)}


@pytest.mark.parametrize(("url", "signed_in", "has_partial"), LIST_PAGES)
def test_history_restore_gets_the_whole_page(pages, client, url, signed_in, has_partial):
    c = pages[True] if signed_in else client
    response = c.get(url, **HISTORY_RESTORE)
    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(("url", "signed_in", "has_partial"), LIST_PAGES)
def test_boosted_request_gets_the_whole_page(pages, client, url, signed_in, has_partial):
    c = pages[True] if signed_in else client
    response = c.get(url, **BOOSTED)
    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(("url", "signed_in", "has_partial"), [p for p in LIST_PAGES if p[2]])
def test_htmx_swap_gets_only_the_partial(pages, client, url, signed_in, has_partial):
    c = pages[True] if signed_in else client
    response = c.get(url, **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()


def test_meetings_kind_filter_on_history_restore_is_a_page_not_a_fragment(pages, client):
    """The bug this module fixed: back after hx-push-url on /meetings/?kind=ig returned a fragment."""
    body = client.get("/meetings/?kind=ig", **HISTORY_RESTORE).content.decode()
    assert "<html" in body


def test_wants_partial_without_htmx_is_false():
    assert wants_partial(_request({})) is False


def test_wants_partial_for_htmx_is_true():
    assert wants_partial(_request(HTMX)) is True


def test_wants_partial_for_history_restore_is_false():
    assert wants_partial(_request(HISTORY_RESTORE)) is False


def test_wants_partial_for_boosted_is_false():
    assert wants_partial(_request(BOOSTED)) is False


def test_wants_partial_for_boosted_is_true_when_the_view_says_so():
    assert wants_partial(_request(BOOSTED), boosted=True) is True


def test_history_restore_is_a_page_even_when_boosted_is_allowed():
    assert wants_partial(_request({**BOOSTED, **HISTORY_RESTORE}), boosted=True) is False


def test_partial_status_turns_an_error_into_200_for_a_partial():
    assert partial_status(_request(HTMX), 400) == 200


def test_partial_status_keeps_the_error_for_a_page():
    assert partial_status(_request({}), 400) == 400


def test_redirect_response_for_htmx_is_hx_redirect():
    response = redirect_response(_request(HTMX), "/groups/")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/groups/"


def test_redirect_response_without_htmx_is_none():
    assert redirect_response(_request({}), "/groups/") is None
