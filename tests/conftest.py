import os

import pytest
from django.test import Client

from portal.models import LadderRole
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: no cross-test leaks, and allauth's per-IP rate limits
    (kept in the cache) never trip because earlier tests signed in from the same address."""
    from django.core.cache import cache

    cache.clear()
    yield


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
