"""schemathesis against the generated OpenAPI schema: a bounded number of
generated requests per operation, as an officer and as a supervisor (tokens
that may write): no answer is a server error, and every answer whose status
the schema documents conforms to it."""
from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import campaign_at
from workflows.api.tokens import token_create
from workflows.campaigns.flows import Stage

schema = schemathesis.openapi.from_dict(json.loads(json.dumps(
    SchemaGenerator().get_schema(request=None, public=True), default=str)))
schema.app = get_wsgi_application()

EXAMPLES = 4


@pytest.fixture
def same_connection():
    """The requests go to the WSGI application itself, which closes the
    database connection at the end of each request; the test's transaction
    lives on it, so keep it open, as Django's own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def keys(world, same_connection):
    campaign_at(world, Stage.EMPLOYER_CONTACTED)
    return {role: token_create(user=world.user(role), name="schemathesis", scope="write", days=1)[1]
            for role in ("officer", "supervisor")}


@pytest.mark.parametrize("role", ["officer", "supervisor"])
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_the_api_never_fails_and_answers_as_its_schema_says(case, keys, role):
    case.call_and_validate(headers={"Authorization": f"Bearer {keys[role]}", "Accept-Language": "en"},
                           checks=[not_a_server_error, response_schema_conformance])
