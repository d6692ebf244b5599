"""Cases API at /api/v1/cases/: open a case (F0) and read it with its infectious period."""

from datetime import date, datetime
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from epiqr.core.api_schema import Day, Id, Moment, errors
from epiqr.core.audit import reads_personal_data
from epiqr.core.errors import Invalid
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability
from epiqr.people.selectors import person_get_visible
from epiqr.people.services import person_find, person_from_scan

from . import permissions, selectors, services

router = Router(tags=["cases"])


class CaseIn(Schema):
    person: UUID | None = Field(None, description="the person's public id")
    scan: str | None = Field(None, description="or a scanned CCCD / BHYT / personal QR payload")
    identifier: str | None = Field(None, max_length=64, description="or an ID number / phone as typed")
    confirmed_on: Day
    onset_on: Day | None = None
    sample_on: Day | None = None
    isolated_at: Moment | None = None
    source: str = Field("api", max_length=40)


class CaseOut(Schema):
    id: int
    person_id: int
    person_public_id: str
    full_name: str
    commune_code: int | None
    confirmed_on: date
    onset_on: date | None
    sample_on: date | None
    isolated_at: datetime | None
    infectious_from: datetime
    infectious_until: datetime
    period_basis: str
    status: str
    source: str


def case_out(case) -> dict:
    period = selectors.case_period(case=case)
    return {
        "id": case.pk,
        "person_id": case.person_id,
        "person_public_id": str(case.person.public_id),
        "full_name": case.person.full_name,
        "commune_code": case.commune_id,
        "confirmed_on": case.confirmed_on,
        "onset_on": case.onset_on,
        "sample_on": case.sample_on,
        "isolated_at": case.isolated_at,
        "infectious_from": period.start,
        "infectious_until": period.end,
        "period_basis": period.basis,
        "status": case.status,
        "source": case.source,
    }


def person_for(*, user, person: UUID | None, scan: str | None, identifier: str | None):
    """The person a request names (public id, scanned payload or typed identifier), in the user's scope.
    A scan fills the person's blanks only once the person is known to be in the user's jurisdiction."""
    if sum(1 for v in (person, scan, identifier) if v) != 1:
        raise Invalid(_("Give exactly one of: person, scan, identifier."), field="person")
    if person:
        return person_get_visible(user=user, public_id=person)
    found = (
        person_from_scan(payload=scan, actor=user, create=False, within=user).person
        if scan
        else person_find(identifier=identifier or "", within=user)
    )
    return person_get_visible(user=user, public_id=found.public_id)


@router.post("", response={201: CaseOut, **errors(403, 404, 409)})
@reads_personal_data("cases.open")
def create_case(request, body: CaseIn):
    check_capability(request.user, permissions.OPEN)
    if body.source not in services.SOURCES:
        raise Invalid(
            _("Unknown source; use one of: %(sources)s.") % {"sources": ", ".join(services.SOURCES)},
            field="source",
        )
    person = person_for(user=request.user, person=body.person, scan=body.scan, identifier=body.identifier)
    case = services.case_open(
        person=person,
        confirmed_on=body.confirmed_on,
        onset_on=body.onset_on,
        sample_on=body.sample_on,
        isolated_at=body.isolated_at,
        source=body.source,
        actor=request.user,
    )
    return Status(201, case_out(case))


CasePage = api_page(CaseOut, name="CasePage")
CaseListQuery = api_query(selectors.CASES)


@router.get("", response={200: CasePage, **errors(403, 422)})
@reads_personal_data("cases.list")
def list_cases(request, params: Query[CaseListQuery]):
    """Cases of your area, newest confirmation first; by number or name (`q`), status, commune, source and
    confirmation dates; paged."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.CASES.get(
        selectors.case_list_visible_to(user=request.user), api_params(params), user=request.user, strict=True
    )
    return page.as_api([case_out(c) for c in page.items], path=request.path)


@router.get("/{case_id}", response={200: CaseOut, **errors(403, 404)})
@reads_personal_data("cases.view", target=("cases.case", "case_id"))
def get_case(request, case_id: Id):
    check_capability(request.user, permissions.VIEW)
    return case_out(selectors.case_get_visible_to(user=request.user, case_id=case_id))


class CancelIn(Schema):
    reason: str = Field(..., max_length=500)


@router.post("/{case_id}/cancel", response={200: CaseOut, **errors(403, 404, 409)})
@reads_personal_data("cases.view", target=("cases.case", "case_id"))
def cancel_case(request, case_id: Id, body: CancelIn):
    """Close a case opened by mistake as cancelled; the reason is required and audited."""
    check_capability(request.user, permissions.CANCEL)
    case = selectors.case_get_visible_to(user=request.user, case_id=case_id)
    return case_out(services.case_cancel(case=case, reason=body.reason, actor=request.user))
