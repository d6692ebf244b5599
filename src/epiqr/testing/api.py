"""Testing API: tubes for sampling devices (one by one or in mass-screening batches), results for labs."""

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Path, Query, Router, Schema, Status

from epiqr.core.api_schema import ApiError, Id, Moment, errors
from epiqr.core.audit import no_personal_data, reads_personal_data
from epiqr.core.lists import api_page, api_params, api_query
from epiqr.core.permissions import check_capability

from . import permissions, selectors, services
from .models import ResultSource

router = Router(tags=["testing"])


Payload = Annotated[str, Field(max_length=2000)]
Barcode = Annotated[str, Path(max_length=64)]


class TubeIn(Schema):
    barcode: str = Field(..., max_length=64)
    members: list[Payload] = Field(
        ..., max_length=1000, description="scanned payloads: EpiQR personal QR, CCCD, BHYT, national QR"
    )
    close: bool = True


class MemberIn(Schema):
    payload: str = Field(..., max_length=2000)
    repeat: bool = Field(
        False, description="a deliberate second swab of someone already in another tube of the session"
    )


class MemberOut(Schema):
    person_public_id: str
    full_name: str
    outcome: str


class TubeOut(Schema):
    barcode: str
    session_id: int
    status: str
    member_count: int
    result: str
    members: list[MemberOut]


def _tube_out(tube) -> dict:
    return {
        "barcode": tube.barcode,
        "session_id": tube.session_id,
        "status": tube.status,
        "member_count": tube.member_count,
        "result": tube.result,
        "members": [
            {
                "person_public_id": str(m.person.public_id),
                "full_name": m.person.full_name,
                "outcome": m.outcome,
            }
            for m in selectors.tube_members(tube=tube)
        ],
    }


@router.post("/sessions/{session_id}/tubes", response={201: TubeOut, **errors(403, 404, 409)})
@no_personal_data("answers with the new, empty tube")
def tube_create(request, session_id: Id, body: TubeIn):
    """Create a tube with its members (closed unless `close` is false); refused whole on any bad member."""
    check_capability(request.user, permissions.SAMPLE)
    session = selectors.session_get_visible(user=request.user, pk=session_id)
    tube = services.tube_create(
        session=session, barcode=body.barcode, payloads=body.members, close=body.close, actor=request.user
    )
    return Status(201, _tube_out(tube))


@router.post("/tubes/{barcode}/members", response={201: TubeOut, **errors(403, 404, 409)})
@reads_personal_data("testing.station", target=("testing.tube", "barcode"))
def tube_member_add(request, barcode: Barcode, body: MemberIn):
    """Add one scanned person to an open tube."""
    check_capability(request.user, permissions.SAMPLE)
    tube = selectors.tube_get_visible(user=request.user, barcode=barcode)
    services.tube_member_add_scanned(
        tube=tube, payload=body.payload, actor=request.user, repeat_ok=body.repeat
    )
    tube.refresh_from_db()
    return Status(201, _tube_out(tube))


@router.post("/tubes/{barcode}/close", response={200: TubeOut, **errors(403, 404, 409)})
@reads_personal_data("testing.station", target=("testing.tube", "barcode"))
def tube_close(request, barcode: Barcode):
    check_capability(request.user, permissions.SAMPLE)
    tube = selectors.tube_get_visible(user=request.user, barcode=barcode)
    return _tube_out(services.tube_close(tube=tube, actor=request.user))


@router.get("/tubes/{barcode}", response={200: TubeOut, **errors(403, 404)})
@reads_personal_data("testing.tube_view", target=("testing.tube", "barcode"))
def tube_get(request, barcode: Barcode):
    check_capability(request.user, permissions.VIEW)
    return _tube_out(selectors.tube_get_visible(user=request.user, barcode=barcode))


class SessionOut(Schema):
    id: int
    day: date
    site: str
    commune_code: int
    team: str
    kind: str
    pool_size_limit: int
    tubes: int
    people: int


class TubeRow(Schema):
    barcode: str
    status: str
    member_count: int
    result: str
    opened_at: datetime


SessionPage = api_page(SessionOut, name="SamplingSessionPage")
TubePage = api_page(TubeRow, name="SessionTubePage")
SessionListQuery = api_query(selectors.SESSIONS)
TubeListQuery = api_query(selectors.TUBES)


@router.get("/sessions", response={200: SessionPage, **errors(403, 422)})
@no_personal_data("sampling sessions: sites, teams, days and counts")
def session_list(request, params: Query[SessionListQuery]):
    """Sampling sessions of your area, newest day first, with their tube and people counts; paged."""
    check_capability(request.user, permissions.VIEW)
    page = selectors.SESSIONS.get(
        selectors.session_list_visible_to(user=request.user),
        api_params(params),
        user=request.user,
        strict=True,
    )
    counts = selectors.session_tube_counts(sessions=page.items)
    items = [
        {
            "id": s.pk,
            "day": s.day,
            "site": s.site.name,
            "commune_code": s.site.commune_id,
            "team": s.team,
            "kind": s.kind,
            "pool_size_limit": s.pool_size_limit,
            "tubes": counts[s.pk][0],
            "people": counts[s.pk][1],
        }
        for s in page.items
    ]
    return page.as_api(items, path=request.path)


@router.get("/sessions/{session_id}/tubes", response={200: TubePage, **errors(403, 404, 422)})
@reads_personal_data("testing.tubes", target=("testing.samplingsession", "session_id"))
def session_tube_list(request, session_id: Id, params: Query[TubeListQuery]):
    """The tubes of a session (no member names; a tube's members: GET /tubes/{barcode}); paged."""
    check_capability(request.user, permissions.VIEW)
    session = selectors.session_get_visible(user=request.user, pk=session_id)
    page = selectors.TUBES.get(
        selectors.session_tubes(session=session), api_params(params), user=request.user, strict=True
    )
    items = [
        {
            "barcode": t.barcode,
            "status": t.status,
            "member_count": t.member_count,
            "result": t.result,
            "opened_at": t.opened_at,
        }
        for t in page.items
    ]
    return page.as_api(items, path=request.path)


class BatchTube(Schema):
    barcode: str = Field(..., max_length=64)
    members: list[Payload] = Field(..., max_length=1000)
    closed_at: Moment | None = None


class TubeBatchIn(Schema):
    client_id: str = Field(
        ..., max_length=64, description="the device's id for this batch; a retry stores nothing twice"
    )
    tubes: list[BatchTube] = Field(..., max_length=5000)


class Rejected(Schema):
    barcode: str
    code: str
    detail: str
    member_index: int | None = None


class TubeBatchOut(Schema):
    accepted: int
    people: int
    rejected: list[Rejected]
    replayed: bool


@router.post("/sessions/{session_id}/batch", response={200: TubeBatchOut, **errors(403, 404, 409)})
@no_personal_data("answers with counts and refusals of the pairs sent")
def tubes_pair_batch(request, session_id: Id, body: TubeBatchIn):
    """Mass screening: many filled tubes from a scanning device at once. Each tube is stored whole or
    listed in `rejected` with the reason. A `client_id` is the sender's own: sent again with the same
    tubes it returns the first answer (`replayed`); with other tubes it is refused (409)."""
    check_capability(request.user, permissions.SAMPLE)
    session = selectors.session_get_visible(user=request.user, pk=session_id)
    tubes = [
        services.PairTube(barcode=t.barcode, payloads=t.members, closed_at=t.closed_at) for t in body.tubes
    ]
    return services.tubes_pair_bulk(
        session=session, tubes=tubes, client_id=body.client_id, actor=request.user
    )


class ResultIn(Schema):
    barcode: str = Field(..., max_length=64)
    result: str = Field(..., description="positive, negative or invalid")
    ct: float | None = None
    tested_at: Moment | None = None


class ResultsIn(Schema):
    client_id: str = Field("", max_length=64)
    results: list[ResultIn] = Field(..., max_length=100_000)


class RowError(Schema):
    line: int
    barcode: str
    code: str
    detail: str


class ResultsOut(Schema):
    rows: int
    accepted: int
    unchanged: int
    errors: list[RowError]
    counts: dict[str, int]
    stored: bool
    replayed: bool


@router.post("/results", response={200: ResultsOut, 422: ResultsOut | ApiError, **errors(403, 409)})
@no_personal_data("answers with counts and row errors of the results sent")
def results_post(request, body: ResultsIn):
    """For lab systems: results of many tubes. All rows are checked first; if any is wrong nothing is
    stored and the answer (422) lists every wrong row (`line` = position in `results`, from 1).
    A `client_id` is the sender's own: the same batch sent again returns the first answer (`replayed`);
    the same id with other rows is refused (409)."""
    check_capability(request.user, permissions.RESULT)
    rows = [
        services.ResultRow(barcode=r.barcode, value=r.result, ct=r.ct, tested_at=r.tested_at, line=i)
        for i, r in enumerate(body.results, start=1)
    ]
    report = services.results_import(
        rows=rows, actor=request.user, source=ResultSource.API, client_id=body.client_id
    )
    return Status(200 if report.ok else 422, report.as_dict())
