"""Bad input is a 4xx with a clear message, never a 500, on every API operation and on the pages.

Each class of finding from issue 9 is sent to every operation the OpenAPI document lists (so a new route
is covered the day it is added): NUL characters in the query string, the path, a header and a JSON string;
bodies over EPIQR_MAX_BODY_BYTES; JSON nested too deep; unpaired surrogates; integers beyond 64 bits;
a malformed UUID. Runs on SQLite and PostgreSQL (PostgreSQL is where NUL and big integers used to fail).
"""

import json
import uuid

import pytest
from django.test import Client

from epiqr.api import api
from epiqr.core.input_guard import MAX_JSON_DEPTH

DOCUMENT = api.get_openapi_schema(path_prefix="/api/v1/")
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]
# Operations whose body is JSON (a camera gateway's frame is a multipart image upload: a JSON body there is
# a missing frame, 422, tests/cameras/test_services.py).
BODY_OPERATIONS = [
    op for op in OPERATIONS if "application/json" in op[2].get("requestBody", {}).get("content", {})
]
# The scan and the offline batch judge every string themselves, item by item (issue 9: one bad scan never
# refuses a thousand good ones): there a NUL or a lone surrogate is the item's own 4xx verdict, with the
# scan rules' code (tests/checkins/test_hostile_items.py).
ITEM_JUDGED = {("POST", "/api/v1/checkins/scan"), ("POST", "/api/v1/checkins/batch")}
TEXT_GUARDED_OPERATIONS = [op for op in BODY_OPERATIONS if op[:2] not in ITEM_JUDGED]
SECURED_OPERATIONS = [op for op in OPERATIONS if op[2].get("security")]


def ids(operations):
    return [f"{method} {path}" for method, path, _ in operations]


def url(path: str, operation: dict, **values) -> str:
    """`path` with each path parameter filled with a value of its type (or the one given)."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        name, schema = parameter["name"], parameter["schema"]
        value = values.get(
            name,
            str(uuid.uuid4())
            if schema.get("format") == "uuid"
            else "1"
            if schema.get("type") == "integer"
            else "HK-0001",
        )
        path = path.replace("{" + name + "}", value)
    return path


@pytest.fixture
def officer_client(make_user, api_client):
    """An administrator: every capability, so what answers is the input rule under test."""
    from epiqr.core.permissions import Role

    return api_client(make_user(Role.ADMIN))


def send(client, method, target, body=b"", content_type="application/json", **extra):
    return client.generic(method, target, data=body, content_type=content_type, **extra)


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == code and body["detail"], body
    return body


# --- NUL characters: PostgreSQL refuses them in text ----------------------------------------------------


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=ids(OPERATIONS))
def test_a_nul_in_the_query_string_is_400_on_every_operation(officer_client, method, path, operation):
    target = url(path, operation) + "?q=a%00b&purpose=%00&policy=x%00"
    refused(send(officer_client, method, target), 400, "nul_character")


@pytest.mark.parametrize(
    ("method", "path", "operation"), TEXT_GUARDED_OPERATIONS, ids=ids(TEXT_GUARDED_OPERATIONS)
)
def test_a_nul_in_any_json_string_is_400_on_every_operation_with_a_body(
    officer_client, method, path, operation
):
    body = json.dumps({"payload": "ok", "nested": [{"name": "Lan\u0000"}]})
    answer = refused(send(officer_client, method, url(path, operation), body), 400, "nul_character")
    assert answer["field"] == "nested.0.name"


def test_a_nul_in_a_path_parameter_a_header_or_a_cookie_is_400(officer_client, client):
    refused(officer_client.get("/api/v1/testing/tubes/HK%00-1"), 400, "nul_character")
    refused(
        client.get("/api/v1/accounts/me", headers={"Authorization": "Bearer abc\x00def"}),
        400,
        "nul_character",
    )
    refused(client.get("/api/v1/geo/communes", headers={"Cookie": "sessionid=a\x00b"}), 400, "nul_character")


# --- bodies over the limit: 413 before anything reads them ---------------------------------------------


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=ids(OPERATIONS))
def test_a_body_over_the_limit_is_413_on_every_operation(officer_client, settings, method, path, operation):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    body = json.dumps({"payload": "x" * 5000})
    answer = refused(send(officer_client, method, url(path, operation), body), 413, "too_large")
    assert "MB" in answer["detail"] or "KB" in answer["detail"]


def test_a_body_at_the_limit_is_read(officer_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    body = json.dumps({"payload": "x" * 3000})
    assert (
        officer_client.post("/api/v1/people/parse", body, content_type="application/json").status_code == 422
    )


def test_a_content_length_that_is_not_a_number_is_400(officer_client):
    refused(
        officer_client.post(
            "/api/v1/people/parse", "{}", content_type="application/json", CONTENT_LENGTH="ten"
        ),
        400,
        "bad_length",
    )


# --- JSON the parser must not choke on ------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "operation"), BODY_OPERATIONS, ids=ids(BODY_OPERATIONS))
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5000])
def test_json_nested_too_deep_is_400_on_every_operation_with_a_body(
    officer_client, method, path, operation, depth
):
    """5000 levels used to raise RecursionError in the scan and batch parsers (a 500)."""
    body = '{"items": ' + "[" * depth + "]" * depth + "}"
    refused(send(officer_client, method, url(path, operation), body), 400, "json_too_deep")


@pytest.mark.parametrize(
    ("method", "path", "operation"), TEXT_GUARDED_OPERATIONS, ids=ids(TEXT_GUARDED_OPERATIONS)
)
def test_a_lone_surrogate_in_json_is_400_on_every_operation_with_a_body(
    officer_client, method, path, operation
):
    body = '{"full_name": "Lan \\ud800", "payload": "x"}'
    answer = refused(send(officer_client, method, url(path, operation), body), 400, "bad_unicode")
    assert answer["field"] == "full_name"


def test_a_surrogate_pair_is_text_and_utf8_encoded_surrogates_are_not_json(officer_client):
    pair = '{"full_name": "Lan \\ud83d\\ude00", "commune_code": 999999}'
    assert officer_client.post("/api/v1/people", pair, content_type="application/json").status_code == 422
    encoded = b'{"full_name": "Lan \xed\xa0\x80"}'
    refused(officer_client.post("/api/v1/people", encoded, content_type="application/json"), 400, "bad_json")


def test_malformed_json_nan_and_a_bare_value_are_refused_with_the_error_shape(officer_client):
    refused(officer_client.post("/api/v1/cases", "{", content_type="application/json"), 400, "bad_json")
    nan = '{"case": 1, "degree": NaN}'
    refused(
        officer_client.post("/api/v1/tracing/runs", nan, content_type="application/json"), 400, "bad_json"
    )
    refused(officer_client.post("/api/v1/cases", "[1]", content_type="application/json"), 422, "invalid")


# --- the findings one by one ------------------------------------------------------------------------------


def test_a_person_that_is_not_a_uuid_is_422_naming_the_field(officer_client):
    body = refused(
        officer_client.post("/api/v1/cases", {"person": "abc"}, content_type="application/json"),
        422,
        "invalid",
    )
    assert {e["field"] for e in body["errors"]} == {"person", "confirmed_on"}


@pytest.mark.parametrize(
    "target",
    [
        "/api/v1/geo/communes?province=99999999999999999999",
        "/api/v1/venues?commune=99999999999999999999",
        "/api/v1/venues?page=133221404377829636833280",
        "/api/v1/venues?page_size=99999999999999999999",
        "/api/v1/people?page_size=99999999999999999999",
        "/api/v1/people?page=-99999999999999999999",
        "/api/v1/tracing/feed?days=99999999999999999999",
        "/api/v1/venues/99999999999999999999",
        "/api/v1/cases/99999999999999999999",
        "/api/v1/tracing/runs/99999999999999999999",
        "/api/v1/tracing/triage?day=0",
    ],
)
def test_integers_beyond_64_bits_and_numbers_for_dates_are_422(officer_client, target):
    refused(officer_client.get(target), 422, "invalid")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/venues", {"name": "Quán", "sector": "food", "address": "1 Phố", "commune_code": 2**70}),
        ("/api/v1/tracing/runs", {"case": 2**64}),
        ("/api/v1/people", {"full_name": "Lan", "birth_year": 2**40}),
        ("/api/v1/cases", {"person": str(uuid.uuid4()), "confirmed_on": "0001-01-01"}),
    ],
)
def test_out_of_range_numbers_and_dates_in_a_body_are_422(officer_client, path, body):
    refused(officer_client.post(path, body, content_type="application/json"), 422, "invalid")


def test_an_unknown_api_address_is_a_json_404(officer_client):
    refused(officer_client.get("/api/v1/venues/not-a-number"), 404, "not_found")
    refused(officer_client.get("/api/v1/nowhere"), 404, "not_found")


@pytest.mark.parametrize(("method", "path", "operation"), SECURED_OPERATIONS, ids=ids(SECURED_OPERATIONS))
def test_every_secured_operation_answers_401_without_a_token(method, path, operation):
    refused(send(Client(), method, url(path, operation), "{}"), 401, "unauthorised")
