"""Check-in API: staff scans, offline batches, public health declarations."""

import json
from datetime import datetime
from functools import wraps
from typing import Any, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from epiqr.core import audit
from epiqr.core.api_schema import errors
from epiqr.core.audit import no_personal_data, reads_personal_data
from epiqr.core.errors import Forbidden, Invalid
from epiqr.core.input_guard import json_loads
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability
from epiqr.venues.codes import code_normalise
from epiqr.venues.selectors import (
    venue_by_code,
    venue_facts_by_code,
    venue_facts_visible_to,
    venue_from_token,
)

from . import selectors, services
from .forms import DeclarationForm, form_invalid
from .permissions import FOLLOW_UP, SCAN

router = Router(tags=["checkins"])

MAX_SCAN_BYTES = 16 * 1024
MAX_BATCH_BYTES = 1024 * 1024


def body_limit(limit: int):
    """Refuse a body over `limit` bytes with 413 before it is read or parsed."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return JsonResponse(
                    {
                        "detail": _("The request is too large (over %(kb)s KB); send smaller batches.")
                        % {"kb": limit // 1024},
                        "code": "too_large",
                    },
                    status=413,
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _station_venue_id(user, *, venue: str = "", venue_token: str = "") -> int:
    """The id of the venue named by code or poster token, if the user may scan there.

    The happy path reads no table (the venue's facts are cached for a few seconds, see
    venues.selectors.VENUE_FACTS_SECONDS); a refusal looks up the precise reason afresh (typo, unknown
    code, inactive venue, someone else's venue).
    """
    check_capability(user, SCAN)
    if venue_token:
        return selectors.station_venue_get(user=user, venue_id=venue_from_token(token=venue_token).pk).pk
    if venue:
        code = code_normalise(venue)
        facts = venue_facts_by_code(code=code) if code else None
        if facts is not None and facts.is_active and venue_facts_visible_to(user=user, facts=facts):
            return facts.id
        try:
            return selectors.station_venue_get(user=user, code=code).pk
        except Forbidden:
            venue_by_code(code=venue)  # raises the more precise reason when there is one
            raise
    raise Invalid(_("Name the venue (code or poster token)."), code="venue_missing", field="venue")


class ScanIn(Schema):
    venue: str = ""
    venue_token: str = ""
    payload: str
    scanned_at: datetime | None = None
    has_symptoms: bool | None = None


class ScanPersonOut(Schema):
    public_id: str
    full_name: str


class ScanOut(Schema):
    status: str
    duplicate: bool
    green: bool
    reason: str = ""
    code: str = ""
    person: ScanPersonOut
    person_created: bool
    checkin_id: int | None = None
    checked_in_at: datetime | None = None


def _json_object(raw: bytes) -> dict:
    """The body as a JSON object: unreadable JSON is a 400 (the project's JSON rules), another type a 422.
    NUL and lone surrogates inside strings are left to the scan rules, which refuse each with its reason
    (code_unknown, bad_time, mangled_text...) item by item."""
    data = json_loads(raw, check_text=False) if raw else None
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."), code="bad_json")
    return data


class _ScanRequest(NamedTuple):
    """A scan request as read by _scan_body (its rules are ScanIn's)."""

    venue: str
    venue_token: str
    payload: str
    scanned_at: datetime | None
    has_symptoms: bool | None


def _scan_body(raw: bytes) -> _ScanRequest:
    """The scan request, parsed by hand: this runs on every scan, and the rules are few (ScanIn documents
    them in the API schema). Bad input is a 422 naming the field."""
    data = _json_object(raw)
    texts = []
    for name in ("venue", "venue_token", "payload"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise Invalid(_("%(f)s must be text.") % {"f": name}, code="bad_field", field=name)
        texts.append(value or "")
    if "payload" not in data:
        raise Invalid(_("Nothing was scanned."), code="empty", field="payload")
    at = data.get("scanned_at")
    if at is not None:
        at = services.scan_time_parse(at)
    symptoms = data.get("has_symptoms")
    if symptoms is not None and not isinstance(symptoms, bool):
        raise Invalid(_("has_symptoms must be true or false."), code="bad_symptoms", field="has_symptoms")
    return _ScanRequest(*texts, at, symptoms)


_time_text = DjangoJSONEncoder().default  # the API's time format (JsonResponse's), without an encoder a call


# Run before the scan, by Ninja and by the direct entry alike (epiqr.api.bearer_direct).
SCAN_GUARDS = (body_limit(MAX_SCAN_BYTES),)
_SCAN_SCHEMA = {"content": {"application/json": {"schema": ScanIn.model_json_schema()}}, "required": True}


@router.post(
    "/scan",
    response={200: ScanOut, **errors(403, 404, 413)},
    summary="Record one staff scan (ID card, BHYT, personal QR)",
    openapi_extra={"requestBody": _SCAN_SCHEMA},
)
@decorate_view(*SCAN_GUARDS)
@no_personal_data("the check-in hot path: answers with what the scanned card carries, never the registry")
def scan(request):
    body = _scan_body(request.body)
    venue_id = _station_venue_id(request.user, venue=body.venue, venue_token=body.venue_token)
    out = services.checkin_scan(
        venue_id=venue_id,
        payload=body.payload,
        actor=request.user,
        at=body.scanned_at,
        has_symptoms=body.has_symptoms,
    )
    # Built and encoded directly (the shape of ScanOut, as JsonResponse would encode it): validating our
    # own answer again costs more than the rest of the request's Python.
    checkin = out.checkin
    body = json.dumps(
        {
            "status": out.status,
            "duplicate": out.status == "duplicate",
            "green": out.green,
            "reason": out.reason,
            "code": out.reason_code,
            "person": {"public_id": str(out.person.public_id), "full_name": out.shown_name},
            "person_created": out.person_created,
            "checkin_id": checkin.pk if checkin else None,
            "checked_in_at": _time_text(checkin.checked_in_at) if checkin else None,
        }
    )
    return HttpResponse(body, content_type="application/json")


class CheckinBatchIn(Schema):
    items: list[Any]


class CheckinBatchItemOut(Schema):
    index: int
    client_id: str
    status: str = Field(..., description="stored, duplicate or rejected")
    reason: str | None = None
    code: str | None = None
    checkin_id: int | None = None


class CheckinBatchOut(Schema):
    stored: int
    duplicates: int
    rejected: int
    items: list[CheckinBatchItemOut]


_BATCH_SCHEMA = {
    "content": {"application/json": {"schema": CheckinBatchIn.model_json_schema()}},
    "required": True,
}


@router.post(
    "/batch",
    response={200: CheckinBatchOut, **errors(403, 413)},
    summary="Upload scans collected offline (idempotent by client_id)",
    openapi_extra={"requestBody": _BATCH_SCHEMA},
)
@decorate_view(body_limit(MAX_BATCH_BYTES))
@no_personal_data("offline check-in batches: answers with counts and refusals of the items sent")
def batch(request):
    check_capability(request.user, SCAN)
    data = _json_object(request.body)
    if "items" not in data:
        raise Invalid(_("items must be a list."), code="bad_items", field="items")
    results = services.checkin_batch(
        items=data["items"], actor=request.user, venue_scope=selectors.venues_for_station(user=request.user)
    )
    counts = {"stored": 0, "duplicate": 0, "rejected": 0}
    for r in results:
        counts[r.status] += 1
    # Encoded directly (the shape of CheckinBatchOut): re-validating a thousand answers of our own is wasted work.
    return JsonResponse(
        {
            "stored": counts["stored"],
            "duplicates": counts["duplicate"],
            "rejected": counts["rejected"],
            "items": [r.as_dict() for r in results],
        }
    )


class DeclarationOut(Schema):
    id: int
    kind: str
    flagged: bool


@router.post(
    "/declarations",
    auth=None,
    response={201: DeclarationOut, **errors(413)},
    summary="Submit a health declaration (public; domestic or entry)",
)
@decorate_view(body_limit(MAX_SCAN_BYTES))
@no_personal_data("the declarant's own submission")
def declare(request, body: dict[str, Any] = Body(...)):
    data = dict(body)
    for many in ("symptoms", "exposures"):
        if many in data and not isinstance(data[many], list):
            raise Invalid(_("%(f)s must be a list.") % {"f": many}, field=many)
    form = DeclarationForm(data=_form_data(data))
    if not form.is_valid():
        raise form_invalid(form)
    d = services.declaration_submit(data=form.cleaned_data)
    return Status(201, {"id": d.pk, "kind": d.kind, "flagged": d.flagged})


class DeclarationListItem(Schema):
    id: int
    kind: str
    created_at: datetime
    full_name: str
    birth_year: int
    phone: str
    address: str
    commune_code: int
    commune_name: str
    symptoms: list[str]
    exposures: list[str]
    visited: str
    flagged: bool
    followed_up_at: datetime | None
    follow_up_note: str


DeclarationPage = api_page(DeclarationListItem, name="DeclarationPage")
DeclarationListQuery = api_query(selectors.DECLARATIONS)


@router.get("/declarations", response={200: DeclarationPage, **errors(403, 422)})
@reads_personal_data("checkins.declarations_follow_up_list")
def declaration_list(request, params: Query[DeclarationListQuery]):
    """Declarations of your area, by default the flagged ones nobody has called yet (`state=open`),
    newest first; paged. Every call is audited."""
    check_capability(request.user, FOLLOW_UP)
    page = selectors.DECLARATIONS.get(
        selectors.declaration_list_visible_to(user=request.user, open_only=False, flagged_only=False),
        api_params(params),
        user=request.user,
        strict=True,
    )
    audit.annotate(
        reason="api",
        row_count=len(page.items),
        detail={"page": page.number, **page.query.params()},
    )
    items = [
        {
            "id": d.pk,
            "kind": d.kind,
            "created_at": d.created_at,
            "full_name": d.full_name,
            "birth_year": d.birth_year,
            "phone": d.phone,
            "address": d.address,
            "commune_code": d.commune_id,
            "commune_name": d.commune.name,
            "symptoms": list(d.symptoms or []),
            "exposures": list(d.exposures or []),
            "visited": d.visited,
            "flagged": d.flagged,
            "followed_up_at": d.followed_up_at,
            "follow_up_note": d.follow_up_note,
        }
        for d in page.items
    ]
    return page.as_api(items, path=request.path)


def _form_data(data: dict):
    from django.utils.datastructures import MultiValueDict

    out = MultiValueDict()
    for key, value in data.items():
        if isinstance(value, list):
            out.setlist(key, [str(v) for v in value])
        elif isinstance(value, bool):
            out[key] = "on" if value else ""
        elif value is not None:
            out[key] = str(value)
    return out
