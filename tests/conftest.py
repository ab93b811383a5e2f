import contextlib
import os
from unittest import mock

import pytest
from django.test import Client

from portal.models import LadderRole
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: no cross-test leaks, and allauth's per-IP rate limits
    (kept in the cache) never trip because earlier tests signed in from the same address."""
    from django.core.cache import cache, caches

    def clear():
        cache.clear()
        if "template_fragments" in caches.settings:
            caches["template_fragments"].clear()  # this process's copies of fragments and memos
        if "response_near" in caches.settings:
            caches["response_near"].clear()  # the hit lane's copies of whole responses

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _no_hit_lane_connection_left():
    """A test that drives the ASGI app on a loop of its own (asyncio.run) leaves the hit lane's
    PostgreSQL connection of that loop behind: closed after the test, so the test database can be
    dropped at the end of the run."""
    yield
    from portal import hitlane

    hitlane.lane.forget_closed_loops()


@pytest.fixture
def contributor(db):
    return UserFactory(ladder_role=LadderRole.CONTRIBUTOR)


@pytest.fixture
def org_member(db):
    return UserFactory(ladder_role=LadderRole.MEMBER)


@pytest.fixture
def maintainer(db):
    return UserFactory(ladder_role=LadderRole.MAINTAINER)


@pytest.fixture
def core_maintainer(db):
    return UserFactory(ladder_role=LadderRole.CORE_MAINTAINER, is_staff=True)


@pytest.fixture
def lead_maintainer(db):
    return UserFactory(ladder_role=LadderRole.LEAD_MAINTAINER, is_staff=True)


@pytest.fixture
def client_for():
    """`client_for(user)`: a test client signed in as that person."""

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def htmx_headers():
    return {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def page_queries(django_assert_max_num_queries):
    """The one query-budget mechanism (pytest-django's): `page_queries(client, url, budget)` GETs `url`
    inside `django_assert_max_num_queries(budget)`, checks the 200 and returns (queries run, response).
    A "does not grow with rows" test calls it at two sizes and compares the counts."""

    def get(client, url, budget=50, **kwargs):
        with django_assert_max_num_queries(budget) as captured:
            resp = client.get(url, **kwargs)
        assert resp.status_code == 200, resp.content[:500]
        return len(captured), resp

    return get


@pytest.fixture
def worker_dies():
    """The "worker dies mid-sweep" harness shared by every sweep and importer test:

        with worker_dies(sweeps, "meeting_mark_notes_overdue", on_call=2) as calls:
            tasks.sweep_notes()

    patches `owner.name` (a module, class or manager) so that its `on_call`-th call, or every call for
    which `when(**kwargs)` is true, raises RuntimeError(message); the other calls run the real thing.
    With `after=True` the real call runs first and then the error is raised (its writes must roll back).
    `calls` collects each call's keyword arguments. The patch ends with the block."""

    @contextlib.contextmanager
    def dies(owner, name, *, on_call=None, when=None, after=False, message="worker died"):
        real = getattr(owner, name)
        calls = []

        def fake(*args, **kwargs):
            calls.append(kwargs)
            dying = (on_call is not None and len(calls) == on_call) or (when is not None and when(**kwargs))
            if dying and not after:
                raise RuntimeError(message)
            result = real(*args, **kwargs)
            if dying:
                raise RuntimeError(message)
            return result

        with mock.patch.object(owner, name, side_effect=fake):
            yield calls

    return dies
