"""The OpenAPI document: one component per name, bounded integers, one error shape, every status listed."""

import pytest
from ninja import NinjaAPI, Router, Schema
from ninja.openapi.schema import OpenAPISchema

from epiqr.api import api
from epiqr.core.api_schema import INT64_MAX, INT64_MIN

METHODS = {"get", "post", "put", "patch", "delete"}


def component_name_clashes(ninja_api, monkeypatch) -> list[str]:
    """Names that two different models claim in the document (ninja keeps the last one silently)."""
    seen: dict[str, dict] = {}
    clashes: list[str] = []
    original = OpenAPISchema.add_schema_definitions

    def recording(self, definitions):
        for name, definition in definitions.items():
            if name in seen and seen[name] != definition:
                clashes.append(name)
            seen.setdefault(name, definition)
        original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", recording)
    ninja_api.get_openapi_schema(path_prefix="/api/v1/")
    monkeypatch.undo()
    return clashes


def test_no_two_models_share_a_component_name(monkeypatch):
    """Two models named alike made /people and /checkins/batch document another model's answer."""
    assert component_name_clashes(api, monkeypatch) == []


def test_the_clash_detector_sees_a_clash(monkeypatch):
    def model(fields):
        return type("ItemOut", (Schema,), {"__annotations__": fields})

    first, second = Router(), Router()

    @first.get("/a", response=model({"name": str}))
    def named(request):
        return {"name": "x"}

    @second.get("/b", response=model({"count": int}))
    def counted(request):
        return {"count": 1}

    demo = NinjaAPI(urls_namespace="clash-demo")
    demo.add_router("/one", first)
    demo.add_router("/two", second)
    assert component_name_clashes(demo, monkeypatch) == ["ItemOut"]


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema(path_prefix="/api/v1/")


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def _refs_in(node, found: set[str]) -> None:
    if isinstance(node, dict):
        if "$ref" in node:
            found.add(node["$ref"].rsplit("/", 1)[-1])
        for value in node.values():
            _refs_in(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs_in(value, found)


def _integers(node, where: str):
    if isinstance(node, dict):
        if node.get("type") == "integer":
            yield where, node
        for key, value in node.items():
            yield from _integers(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _integers(value, f"{where}[{i}]")


def test_every_integer_the_api_accepts_fits_in_64_bits(document):
    """A bigger one reached PostgreSQL ("bigint out of range") or SQLite (OverflowError) as a 500."""
    components = document["components"]["schemas"]
    unbounded = []
    for label, operation in operations(document):
        inputs = [operation.get("parameters", []), operation.get("requestBody", {})]
        names: set[str] = set()
        _refs_in(inputs, names)
        pending = list(names)
        while pending:  # models used by the request models
            more: set[str] = set()
            _refs_in(components[pending.pop()], more)
            pending += sorted(more - names)
            names |= more
        for where, node in _integers([*inputs, *(components[n] for n in sorted(names))], label):
            if not (
                INT64_MIN <= node.get("minimum", INT64_MIN - 1)
                and node.get("maximum", INT64_MAX + 1) <= INT64_MAX
            ):
                unbounded.append(where)
    assert unbounded == []


def test_every_error_answer_has_the_project_error_shape(document):
    for label, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            refs: set[str] = set()
            _refs_in(response, refs)
            assert "ApiError" in refs, (label, status)
            assert response["description"], (label, status)


def test_every_operation_documents_the_errors_of_the_layers_around_it(document):
    """400 (unreadable input) everywhere, 401 where a token is needed, 413 and 422 where a body is sent."""
    for label, operation in operations(document):
        statuses = {int(s) for s in operation["responses"]}
        assert 400 in statuses, label
        assert (401 in statuses) == bool(operation.get("security")), label
        if "requestBody" in operation:
            assert {413, 422} <= statuses, label


def test_the_lab_results_refusal_is_documented_as_the_report_or_an_error(document):
    """The 422 of /testing/results is either the row report (nothing stored) or a validation error."""
    schema = document["paths"]["/api/v1/testing/results"]["post"]["responses"][422]["content"][
        "application/json"
    ]
    refs: set[str] = set()
    _refs_in(schema, refs)
    assert refs == {"ResultsOut", "ApiError"}


def test_the_served_document_is_the_one_described(client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    body = served.json()
    assert "ApiError" in body["components"]["schemas"]
    assert body["paths"]["/api/v1/cases"]["post"]["responses"]["409"]["content"]["application/json"]
