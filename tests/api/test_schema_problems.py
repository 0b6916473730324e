"""The error answers in the OpenAPI schema: one ProblemDetails component,
and on every operation the problem answers it can give (application/
problem+json), listed once by the schema hook; the problems the API really
answers are documented for their operation and conform to the component."""
from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.conftest import campaign_at
from workflows.api.authentication import PerTokenThrottle
from workflows.api.schema import PROBLEM_MEDIA_TYPE
from workflows.api.tokens import token_create
from workflows.campaigns.flows import Stage
from workflows.statistics import services
from workflows.statistics.models import ProgrammeBasis

WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def problems_of(operation: dict) -> set[int]:
    return {int(status) for status, answer in operation["responses"].items()
            if PROBLEM_MEDIA_TYPE in answer.get("content", {})}


def test_the_problem_details_component_says_what_every_problem_holds(schema):
    component = schema["components"]["schemas"]["ProblemDetails"]

    assert component["required"] == ["type", "title", "status"]
    assert {name: spec["type"] for name, spec in component["properties"].items()} == {
        "type": "string", "title": "string", "status": "integer", "detail": "string", "errors": "object"}
    assert component["properties"]["errors"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_every_operation_lists_its_problem_answers_as_problem_json(schema):
    for path, method, operation in operations(schema):
        parameters = operation.get("parameters", [])
        expected = {401, 404, 429}
        if method in WRITES or any(p["in"] == "query" for p in parameters):
            expected.add(400)
        if method in WRITES:
            expected |= {403, 409}
        if any(p["in"] == "header" and p["name"] == "If-Match" for p in parameters):
            expected.add(412)
        if "requestBody" in operation:
            expected.add(415)
        assert problems_of(operation) == expected, (method, path)
        for status in expected:
            assert operation["responses"][str(status)]["content"] == {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}, (method, path)


def test_some_operations_answers_exactly(schema):
    paths = schema["paths"]

    assert problems_of(paths["/api/v1/campaigns/{id}/"]["get"]) == {401, 404, 429}
    assert problems_of(paths["/api/v1/campaigns/"]["get"]) == {400, 401, 404, 429}
    assert problems_of(paths["/api/v1/tasks/{id}/claim/"]["post"]) == {400, 401, 403, 404, 409, 429}
    assert problems_of(paths["/api/v1/programmes/{id}/"]["put"]) == {400, 401, 403, 404, 409, 412, 415, 429}
    assert problems_of(paths["/api/v1/units/{unit_pk}/targets/"]["post"]) == {400, 401, 403, 404, 409, 415, 429}
    assert paths["/api/v1/programmes/"]["get"]["responses"]["429"]["headers"]["Retry-After"]["schema"] == {
        "type": "integer"}


def _client(user, scope: str = "write") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user, name='thử', scope=scope, days=1)[1]}")
    return client


def _conforms(schema: dict, path: str, method: str, response) -> dict:
    """The answer's status is documented for the operation as a problem, and its body is one."""
    answer = schema["paths"][path][method]["responses"][str(response.status_code)]
    assert response["Content-Type"] == PROBLEM_MEDIA_TYPE
    assert list(answer["content"]) == [PROBLEM_MEDIA_TYPE]
    body = response.json()
    jsonschema.validate(body, schema["components"]["schemas"]["ProblemDetails"])
    assert body["status"] == response.status_code
    return body


@pytest.fixture
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_the_problems_the_api_answers_are_those_its_schema_documents(schema, world, fresh_throttle, monkeypatch):
    supervisor = _client(world.supervisor)
    programme = services.programme_create(unit_id=world.district.pk, name="Kế hoạch", basis_kind=ProgrammeBasis.OTHER,
                                          start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                                          actor=world.supervisor)
    campaign = campaign_at(world, Stage.SURVEYED)
    detail = "/api/v1/programmes/{id}/"

    invalid = supervisor.post("/api/v1/programmes/", {"unit": world.district.pk, "name": ""}, format="json")
    assert set(_conforms(schema, "/api/v1/programmes/", "post", invalid)["errors"]) == {
        "name", "basis_kind", "start", "end"}
    assert _conforms(schema, detail, "get", _client(None).get(f"/api/v1/programmes/{programme.pk}/"))["status"] == 401
    read_only = _client(world.supervisor, scope="read").post(f"/api/v1/programmes/{programme.pk}/milestones/", {})
    assert _conforms(schema, detail + "milestones/", "post", read_only)["status"] == 403
    assert _conforms(schema, detail, "get", _client(world.other_supervisor).get(
        f"/api/v1/programmes/{programme.pk}/"))["detail"] == "Not found."
    stale = supervisor.put(f"/api/v1/programmes/{programme.pk}/", {
        "name": "Kế hoạch mới", "basis_kind": ProgrammeBasis.OTHER, "start": "2026-01-01", "end": "2026-12-31"},
        format="json", HTTP_IF_MATCH='"0"')
    assert _conforms(schema, detail, "put", stale)["status"] == 412
    moved = _client(world.officer).post(f"/api/v1/campaigns/{campaign.pk}/transitions/hold/",
                                        {"expected_version": campaign.version + 1}, format="json")
    assert _conforms(schema, "/api/v1/campaigns/{id}/transitions/{name}/", "post", moved)["status"] == 409
    text = supervisor.post("/api/v1/programmes/", "unit=1", content_type="text/plain")
    assert _conforms(schema, "/api/v1/programmes/", "post", text)["status"] == 415
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"token": "1/min"})
    cache.clear()
    throttled = _client(world.manager)
    throttled.get("/api/v1/programmes/")
    again = throttled.get("/api/v1/programmes/")
    assert _conforms(schema, "/api/v1/programmes/", "get", again)["status"] == 429
    assert again["Retry-After"]


def test_every_path_parameter_is_in_its_path_and_every_one_declared():
    """A parameter the path does not hold (``pk`` beside the ``id`` the schema
    names it) would send clients a parameter that goes nowhere."""
    import re

    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    wrong = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = sorted(p["name"] for p in operation.get("parameters", []) if p["in"] == "path")
            if declared != sorted(re.findall(r"{(\w+)}", path)):
                wrong.append((method, path, declared))
    assert wrong == []
