"""Schemathesis against the live OpenAPI schema, in process (WSGI app, no network): for generated
requests to every operation, no 5xx and every response matches the schema (status, headers, body).

Bounded for the suite: 25 examples per operation, derandomized (the same examples every run)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from portal.wsgi import application

from .api_world import build_world

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def world(db):
    """The WSGI handler closes the database connection after each request; inside a test that would
    end the test's transaction, so (as Django's test client does) it keeps the connection open."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield build_world()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema_and_never_fails(case, world):
    case.call_and_validate()
