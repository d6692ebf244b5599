"""People API: parse a scanned payload, search, read, register, and the personal QR image."""

from datetime import date
from uuid import UUID

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from epiqr.core import audit
from epiqr.core.api_schema import Code, Int64, errors
from epiqr.core.audit import no_personal_data, reads_personal_data
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability
from epiqr.core.qr import draw_png

from . import permissions, selectors, services
from .models import Person
from .parsers import parse_payload

router = Router(tags=["people"])


class ParseIn(Schema):
    payload: str  # the parser refuses an over-long payload itself, with the limit in its message


class ParseOut(Schema):
    kind: str
    fields: dict


class DocumentOut(Schema):
    kind: str
    number: str


class PersonOut(Schema):
    id: UUID
    full_name: str
    birth_date: date | None
    birth_year: int | None
    sex: str
    phone: str
    address: str
    commune_code: int | None
    commune_name: str
    documents: list[DocumentOut]


class PersonIn(Schema):
    full_name: str = Field(..., max_length=120)
    birth_date: date | None = None
    birth_year: int | None = Field(None, ge=1900, le=2100)
    sex: str = Field("", max_length=1)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=255)
    commune_code: Code | None = None
    id_number: str = Field("", max_length=32)
    bhyt_number: str = Field("", max_length=32)


def _out(person: Person) -> dict:
    return {
        "id": person.public_id,
        "full_name": person.full_name,
        "birth_date": person.birth_date,
        "birth_year": person.birth_year,
        "sex": person.sex,
        "phone": person.phone,
        "address": person.address,
        "commune_code": person.commune_id,
        "commune_name": person.commune.name if person.commune_id else "",
        "documents": [{"kind": d.kind, "number": d.number} for d in person.documents.all()],
    }


@router.post("/parse", response={200: ParseOut, **errors(403)})
@no_personal_data("parses the payload the caller sent; no database read")
def parse(request, body: ParseIn):
    """What a scanned payload contains (CCCD, BHYT, 2021 national QR, EpiQR personal QR), or 422 with why."""
    check_capability(request.user, permissions.SCAN)
    doc = parse_payload(body.payload)
    return {"kind": doc.kind, "fields": doc.as_dict()}


PeoplePage = api_page(PersonOut, name="PeoplePage")
PeopleQuery = api_query(selectors.PEOPLE)


@router.get("", response={200: PeoplePage, **errors(403, 422)})
@reads_personal_data("people.list", reason="reason")
def person_list(request, params: Query[PeopleQuery], reason: str = Query("", max_length=255)):
    """People in the caller's jurisdiction: search by name (diacritics optional), phone or ID number
    (`q`), narrow by commune, sex or birth year; paged. Every call is audited with its `reason`."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.PEOPLE.get(
        selectors.person_list_visible_to(user=request.user).prefetch_related("documents"),
        api_params(params),
        user=request.user,
        strict=True,
    )
    query = page.query.values.get("q", "")
    audit.annotate(
        reason=(reason or f"API search: {query}")[:200],
        row_count=len(page.items),
        detail={"query": query, "page": page.number, **page.query.params()},
    )
    return page.as_api([_out(p) for p in page.items], path=request.path)


@router.post("", response={201: PersonOut, **errors(403, 409)})
@no_personal_data("answers with the person the caller registered (audited as people.create)")
def person_create(request, body: PersonIn):
    """Register a person in a commune of the caller's jurisdiction (a commune officer's own by default)."""
    check_capability(request.user, permissions.EDIT)
    commune = selectors.commune_for_registration(user=request.user, code=body.commune_code)
    data = body.dict(exclude={"commune_code"})
    person = services.person_create(**data, commune=commune, actor=request.user)
    return Status(201, _out(person))


@router.get("/{person_id}", response={200: PersonOut, **errors(403, 404)})
@reads_personal_data("people.view", target=("people.person", "person_id"))
def person_get(request, person_id: UUID):
    check_capability(request.user, permissions.VIEW)
    person = selectors.person_get_visible(user=request.user, public_id=person_id)
    return _out(person)


@router.get(
    "/{person_id}/qr.png",
    response={200: None, **errors(403, 404)},
    openapi_extra={"responses": {200: {"description": "PNG image", "content": {"image/png": {}}}}},
)
@reads_personal_data("people.qr_print", target=("people.person", "person_id"))
def person_qr_png(request, person_id: UUID, scale: Int64 = Query(10, description="2 to 40")):
    """The person's signed personal QR as PNG (for printing a card for someone without a smartphone)."""
    check_capability(request.user, permissions.EDIT)
    person = selectors.person_get_visible(user=request.user, public_id=person_id)
    png = draw_png(services.person_personal_qr(person=person), scale=max(2, min(scale, 40)))
    return HttpResponse(png, content_type="image/png")
