"""Shared pieces of the JSON API's contract: the error body, bounded numbers, and the error statuses the
project's own layers add to every operation's documented responses.

Every error the API answers has the shape of `ApiError` ({"detail", "code", "field"}, from
epiqr.core.errors). Routes document the statuses their own handler gives (`**errors(403, 404)`); the
statuses that come from the layers around every handler are added by `document_common_errors`:
400 (unreadable request: NUL characters, bad JSON; epiqr.core.middleware.RequestGuard and the parser),
401 (no valid token) where the operation needs one, 413 and 422 where it takes a body, 422 where it takes
parameters (ninja's validation).
"""

import re
from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import AfterValidator, BeforeValidator

from .input_guard import INT64_MAX, INT64_MIN

# Integers reach PostgreSQL and SQLite as signed 64-bit values: bound every integer the API accepts.
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]  # any integer the database can hold
Id = Annotated[int, Field(ge=1, le=INT64_MAX)]  # a primary key (also a path parameter)
MAX_PAGE = 1_000_000
MIN_YEAR, MAX_YEAR = 1900, 2100

Code = Annotated[int, Field(ge=0, le=INT64_MAX)]  # an administrative unit's code (province, commune)


class ApiFieldError(Schema):
    field: str
    detail: str
    type: str


class ApiError(Schema):
    """Every refusal: a message for the person, a stable code for programs, the field when there is one."""

    detail: str
    code: str
    field: str | None = None
    errors: list[ApiFieldError] | None = Field(
        None, description="every invalid field, on a 422 from validation"
    )


DESCRIPTIONS = {
    400: "The request cannot be read (NUL character, unpaired surrogate, malformed or too deep JSON).",
    401: "No valid API token or session.",
    403: "Your role or scope does not allow this.",
    404: "Not found, or not visible to you.",
    409: "Conflicts with the current state.",
    413: "The body is larger than EPIQR_MAX_BODY_BYTES (or this endpoint's own limit).",
    422: "A value is invalid; `field` names it.",
}


def errors(*statuses: int) -> dict[int, type[ApiError]]:
    """Response entries for the error statuses a route's own handler may answer: `**errors(403, 404)`."""
    return {status: ApiError for status in statuses}


_REF = {"$ref": "#/components/schemas/ApiError"}


def document_common_errors(schema: dict) -> dict:
    """Add to every operation of an OpenAPI document the error statuses the project's layers may answer,
    and describe every documented error status in words."""
    definition = ApiError.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(definition.pop("$defs", {}))
    components["ApiError"] = definition
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            statuses = [400]
            if operation.get("security"):
                statuses.append(401)
            if "requestBody" in operation:
                statuses += [413, 422]
            elif operation.get("parameters"):
                statuses.append(422)
            responses = operation.setdefault("responses", {})
            documented = {int(status) for status in responses}
            for status in statuses:
                if status not in documented:
                    responses[status] = {"content": {"application/json": {"schema": _REF}}}
            for status, response in responses.items():
                if int(status) in DESCRIPTIONS:
                    response["description"] = DESCRIPTIONS[int(status)]
    return schema


class Pages(PageNumberPagination):
    """Ninja's page-number paging with bounded numbers (a page past the millionth is a 422, never an
    OFFSET the database cannot hold)."""

    class PageQuery(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=INT64_MAX, description="at most the route's page size")

    Input = PageQuery


def _iso_text(value):
    """Dates and times as ISO 8601 text only: pydantic would also take a number as a Unix timestamp."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("use an ISO 8601 date (2021-07-31) or date-time (2021-07-31T08:30:00+07:00)")
    return value


def _plausible_year(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


_ISO_DATE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}")

# Dates and times far from the epidemic only overflow date arithmetic (periods, windows): refuse them.
Day = Annotated[date, BeforeValidator(_iso_text), AfterValidator(_plausible_year)]
Moment = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_plausible_year)]
