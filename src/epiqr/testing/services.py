"""Writes of the testing domain: sites, sessions, tubes and their members, lab results, result lookup."""

import hmac
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from epiqr.accounts.selectors import jurisdiction_filter
from epiqr.core import ratelimit
from epiqr.core.errors import Conflict, Invalid, NotFound, ServiceError
from epiqr.core.idempotency import content_digest, id_reused, sender_of
from epiqr.core.progress import Progress
from epiqr.core.services import audit_record
from epiqr.core.timeutil import aware, local, local_today, now

from . import pools, slipcode
from .models import (
    BatchReceipt,
    LabResult,
    ResultSource,
    ResultValue,
    SamplingSession,
    SamplingSite,
    TestKind,
    Tube,
    TubeEvent,
    TubeMember,
    TubeStatus,
)

MAX_POOL = 30
# Typed (or scanned from a printed card) to close the open tube without touching the mouse.
DONE_WORDS = {"XONG", "DONE", "#DONE", "#XONG"}
# A tube barcode as printed by tube makers: letters/digits/dashes, starting with a letter, no spaces or "|".
TUBE_BARCODE = re.compile(r"^[A-Za-z][A-Za-z0-9\-_.]{3,63}$")
# A bare BHYT card number (2 letters + 13 digits) is a person, not a tube.
_BHYT_NUMBER = re.compile(r"^[A-Za-z]{2}\d{13}$")

TRANSITIONS: dict[str, set[str]] = {
    TubeStatus.OPEN: {TubeStatus.CLOSED},
    TubeStatus.CLOSED: {TubeStatus.RECEIVED, TubeStatus.RESULTED},
    TubeStatus.RECEIVED: {TubeStatus.RESULTED},
    TubeStatus.RESULTED: set(),
}
_STAMP = {
    TubeStatus.CLOSED: "closed_at",
    TubeStatus.RECEIVED: "received_at",
    TubeStatus.RESULTED: "resulted_at",
}


def _staff(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def tube_transition(*, tube: Tube, to: str, actor=None, at: datetime | None = None) -> Tube:
    """The one guard for tube status: refuses a move TRANSITIONS does not list, stamps it, writes history."""
    if to not in TRANSITIONS.get(tube.status, set()):
        raise Conflict(
            _("Tube %(barcode)s cannot go from “%(from)s” to “%(to)s”.")
            % {"barcode": tube.barcode, "from": TubeStatus(tube.status).label, "to": TubeStatus(to).label},
            code="tube_status",
        )
    at = at or now()
    previous = tube.status
    tube.status = to
    setattr(tube, _STAMP[to], at)
    tube.save(update_fields=["status", _STAMP[to]])
    TubeEvent.objects.create(tube=tube, from_status=previous, to_status=to, at=at, actor=_staff(actor))
    return tube


# --- sites and sessions -------------------------------------------------------------------------


def site_create(*, name: str, commune_id: int, address: str = "", actor=None) -> SamplingSite:
    """Register a sampling site in a commune."""
    from epiqr.geo.models import Commune

    name = (name or "").strip()
    if not name:
        raise Invalid(_("Give the site a name."), field="name")
    if not Commune.objects.filter(pk=commune_id).exists():
        raise Invalid(_("Unknown commune."), field="commune_id")
    site = SamplingSite.objects.create(
        name=name[:150], address=(address or "").strip()[:255], commune_id=commune_id
    )
    audit_record(actor=actor, action="testing.site_create", target=site)
    return site


def session_create(
    *,
    site: SamplingSite,
    team: str,
    day: date,
    kind: str,
    pool_size_limit: int | None = None,
    expected_prevalence: float | None = None,
    actor=None,
) -> SamplingSession:
    """Open a sampling session; individual kinds hold one person per tube."""
    team = (team or "").strip()
    if not team:
        raise Invalid(_("Name the sampling team."), field="team")
    if kind not in TestKind.values:
        raise Invalid(_("Unknown test kind."), field="kind")
    if kind == TestKind.PCR_POOLED:
        limit = pool_size_limit or 10
        if not 2 <= limit <= MAX_POOL:
            raise Invalid(_("A pool holds 2 to %(max)d people.") % {"max": MAX_POOL}, field="pool_size_limit")
    else:
        limit = 1
    if expected_prevalence is not None and not 0 <= expected_prevalence <= 1:
        raise Invalid(_("Prevalence is a share between 0 and 1."), field="expected_prevalence")
    if abs((day - local_today()).days) > 366:
        raise Invalid(_("The session date is too far from today."), field="day")
    session = SamplingSession.objects.create(
        site=site,
        team=team[:100],
        day=day,
        kind=kind,
        pool_size_limit=limit,
        expected_prevalence=expected_prevalence,
        created_by=_staff(actor),
    )
    audit_record(actor=actor, action="testing.session_create", target=session)
    return session


# --- tubes and members --------------------------------------------------------------------------


def barcode_clean(barcode: str) -> str:
    """A scanned tube barcode, trimmed; Invalid unless it looks like one."""
    barcode = (barcode or "").strip()
    if not TUBE_BARCODE.match(barcode):
        raise Invalid(
            _("“%(code)s” is not a tube barcode (4-64 letters or digits, starting with a letter).")
            % {"code": barcode[:40]},
            field="barcode",
            code="bad_barcode",
        )
    return barcode.upper()


def tube_open(*, session: SamplingSession, barcode: str, actor=None) -> Tube:
    """Start filling a tube; a barcode is used once, ever."""
    barcode = barcode_clean(barcode)
    if Tube.objects.filter(barcode=barcode).exists():
        raise Conflict(
            _("Tube %(barcode)s has already been used. Take a new tube.") % {"barcode": barcode},
            code="tube_used",
            field="barcode",
        )
    at = now()
    try:
        with transaction.atomic():
            tube = Tube.objects.create(
                barcode=barcode, session=session, opened_at=at, opened_by=_staff(actor)
            )
    except IntegrityError as exc:  # scanned at the same moment on another station
        raise Conflict(
            _("Tube %(barcode)s has already been used. Take a new tube.") % {"barcode": barcode},
            code="tube_used",
            field="barcode",
        ) from exc
    TubeEvent.objects.create(tube=tube, from_status="", to_status=TubeStatus.OPEN, at=at, actor=_staff(actor))
    return tube


def person_from_payload(*, payload: str, actor=None):
    """The person a scanned payload names (created from a CCCD/BHYT on first sight), or Invalid."""
    from epiqr.people.services import person_from_scan

    return person_from_scan(payload=payload, actor=actor).person


@transaction.atomic
def tube_member_add(*, tube: Tube, person, actor=None, repeat_ok: bool = False) -> TubeMember:
    """Put a person's swab in an open tube, within the session's pool size limit. Someone already swabbed
    into another tube of the session is refused unless `repeat_ok` (a deliberate second swab): a person
    scanned twice by mistake would otherwise count twice and be paired with a tube without their swab."""
    tube = Tube.objects.select_for_update().select_related("session").get(pk=tube.pk)
    session = tube.session
    if tube.status != TubeStatus.OPEN:
        raise Conflict(
            _("Tube %(barcode)s is closed. Scan a new tube.") % {"barcode": tube.barcode}, code="tube_closed"
        )
    if tube.member_count >= session.pool_size_limit:
        raise Conflict(
            _("Tube %(barcode)s is full (%(limit)d people). Scan a new tube.")
            % {"barcode": tube.barcode, "limit": session.pool_size_limit},
            code="tube_full",
        )
    earlier = list(
        TubeMember.objects.filter(session=session, person=person).select_related("tube").order_by("added_at")
    )
    clash = next((m for m in earlier if m.tube.status == TubeStatus.OPEN), None)
    if clash is not None:
        raise Conflict(
            _("%(name)s is already in open tube %(barcode)s of this session.")
            % {"name": person.full_name, "barcode": clash.tube.barcode},
            code="person_in_open_tube",
        )
    if earlier and not repeat_ok:
        raise Conflict(
            _(
                "%(name)s was already swabbed into tube %(barcode)s of this session at %(time)s. If this is "
                "a second swab on purpose, scan the same code again to add it to this tube."
            )
            % {
                "name": person.full_name,
                "barcode": earlier[-1].tube.barcode,
                "time": local(earlier[-1].added_at).strftime("%H:%M"),
            },
            code="person_sampled_in_session",
        )
    member = TubeMember.objects.create(tube=tube, session=session, person=person, added_at=now())
    Tube.objects.filter(pk=tube.pk).update(member_count=F("member_count") + 1)
    return member


@transaction.atomic
def tube_member_add_scanned(*, tube: Tube, payload: str, actor=None, repeat_ok: bool = False) -> TubeMember:
    """A scanned person into an open tube; a refused addition (tube closed or full, person already in an
    open tube or already swabbed without `repeat_ok`) leaves no trace, not even the person registered from
    a new card."""
    return tube_member_add(
        tube=tube, person=person_from_payload(payload=payload, actor=actor), actor=actor, repeat_ok=repeat_ok
    )


def tube_close(*, tube: Tube, actor=None) -> Tube:
    """Close a tube for transport; an empty tube is thrown away (deleted) instead."""
    with transaction.atomic():
        tube = Tube.objects.select_for_update().get(pk=tube.pk)
        if tube.status == TubeStatus.OPEN and tube.member_count == 0:
            raise Invalid(
                _("Tube %(barcode)s is empty: scan at least one person before closing it.")
                % {"barcode": tube.barcode},
                code="tube_empty",
            )
        return tube_transition(tube=tube, to=TubeStatus.CLOSED, actor=actor)


def tube_discard_if_empty(*, tube: Tube) -> bool:
    """An opened tube nobody was swabbed into leaves no trace (its barcode stays free)."""
    return Tube.objects.filter(pk=tube.pk, status=TubeStatus.OPEN, member_count=0).delete()[0] > 0


@transaction.atomic
def tube_create(
    *, session: SamplingSession, barcode: str, payloads: list[str], close: bool = True, actor=None
) -> Tube:
    """API: a tube with its members in one call; all or nothing."""
    if not payloads:
        raise Invalid(_("A tube needs at least one person."), field="members")
    tube = tube_open(session=session, barcode=barcode, actor=actor)
    for index, payload in enumerate(payloads):
        try:
            person = person_from_payload(payload=payload, actor=actor)
            tube_member_add(tube=tube, person=person, actor=actor)
        except ServiceError as exc:
            exc.extra["member_index"] = index
            raise
    tube.refresh_from_db()
    if close:
        tube_close(tube=tube, actor=actor)
    return tube


@dataclass
class StationStep:
    """What the sampling station shows after one scan."""

    kind: str  # "tube" (opened), "member" (added), "closed" (full), "done" (closed by XONG)
    tube: Tube | None
    message: str
    closed: Tube | None = None
    person: object = None


def station_open_tube(*, session: SamplingSession, actor) -> Tube | None:
    """The tube this technician is filling in this session, if any."""
    return (
        Tube.objects.filter(session=session, status=TubeStatus.OPEN, opened_by=_staff(actor))
        .order_by("-opened_at")
        .first()
    )


def station_done(*, session: SamplingSession, actor) -> Tube | None:
    """Done (XONG): close the technician's open tube (an empty one is discarded)."""
    tube = station_open_tube(session=session, actor=actor)
    if tube is None:
        return None
    if tube_discard_if_empty(tube=tube):
        return None
    return tube_close(tube=tube, actor=actor)


@transaction.atomic
def station_scan(*, session: SamplingSession, payload: str, actor, repeat_ok: bool = False) -> StationStep:
    """One scan at the sampling station: a tube barcode starts a tube (closing the previous one),
    anything else is a person's payload for the open tube (`repeat_ok`: see tube_member_add).
    All or nothing: a refused scan changes nothing."""
    payload = (payload or "").strip()
    if not payload:
        raise Invalid(_("Nothing was scanned."), code="empty")
    if payload.upper() in DONE_WORDS:
        closed = station_done(session=session, actor=actor)
        if closed is None:
            return StationStep(kind="done", tube=None, message=_("No tube was open."))
        return StationStep(
            kind="done",
            tube=None,
            closed=closed,
            message=_("Tube %(old)s closed with %(n)d people. Scan the next tube.")
            % {"old": closed.barcode, "n": closed.member_count},
        )
    if TUBE_BARCODE.match(payload) and not _BHYT_NUMBER.match(payload):
        barcode = barcode_clean(payload)
        if Tube.objects.filter(barcode=barcode).exists():
            raise Conflict(
                _("Tube %(barcode)s has already been used. Take a new tube.") % {"barcode": barcode},
                code="tube_used",
            )
        closed = station_done(session=session, actor=actor)
        tube = tube_open(session=session, barcode=barcode, actor=actor)
        message = _("Tube %(barcode)s opened: scan each person.") % {"barcode": tube.barcode}
        if closed is not None:
            message = (
                _("Tube %(old)s closed with %(n)d people. ")
                % {"old": closed.barcode, "n": closed.member_count}
                + message
            )
        return StationStep(kind="tube", tube=tube, message=message, closed=closed)
    tube = station_open_tube(session=session, actor=actor)
    if tube is None:
        raise Invalid(_("Scan a tube barcode first, then the people whose swabs go in it."), code="no_tube")
    person = person_from_payload(payload=payload, actor=actor)
    tube_member_add(tube=tube, person=person, actor=actor, repeat_ok=repeat_ok)
    tube.refresh_from_db()
    message = _("%(name)s added to tube %(barcode)s (%(n)d/%(limit)d).") % {
        "name": person.full_name,
        "barcode": tube.barcode,
        "n": tube.member_count,
        "limit": session.pool_size_limit,
    }
    if tube.member_count >= session.pool_size_limit:
        tube_close(tube=tube, actor=actor)
        message += " " + _("The tube is full and has been closed; scan the next tube.")
        return StationStep(kind="closed", tube=None, message=message, closed=tube, person=person)
    return StationStep(kind="member", tube=tube, message=message, person=person)


# --- bulk pairing (mass screening) ----------------------------------------------------------------


@dataclass
class PairTube:
    barcode: str
    payloads: list[str]
    closed_at: datetime | None = None


def _receipt_replay(*, kind: str, sender: str, client_id: str, digest: str) -> dict | None:
    """The report of the sender's batch with this id, or None; IdReused when that batch was another."""
    row = (
        BatchReceipt.objects.filter(kind=kind, sender=sender, client_id=client_id)
        .only("report", "digest")
        .first()
    )
    if row is None:
        return None
    if row.digest and row.digest != digest:
        raise id_reused()
    return row.report


def _receipt_claim(*, kind: str, sender: str, client_id: str, digest: str, actor) -> tuple:
    """Claim the batch's receipt first thing in the caller's transaction: (receipt, None) to go on and
    store, or (None, report) to answer a replay. Of two identical batches sent at the same moment, the
    second waits on the receipt's unique key until the first commits, then replays its report."""
    try:
        with transaction.atomic():
            receipt = BatchReceipt.objects.create(
                kind=kind, sender=sender, client_id=client_id, digest=digest, actor=_staff(actor), report={}
            )
        return receipt, None
    except IntegrityError:
        pass
    report = _receipt_replay(kind=kind, sender=sender, client_id=client_id, digest=digest)
    if report is None:  # the other batch's transaction was rolled back after ours tried: send again
        raise Conflict(_("The same batch is being stored by another request; send it again."), code="busy")
    return None, report


def tubes_pair_bulk(*, session: SamplingSession, tubes: list[PairTube], client_id: str, actor=None) -> dict:
    """Store a batch of filled tubes from a scanning device; each tube is accepted whole or refused with a
    reason, and a retried batch (the same sender's client_id and content) is answered from its receipt
    without storing twice; the sender's id with other content is refused (core.idempotency).
    A person twice in one tube or in two tubes of the batch is refused; rows are written with COPY.
    """
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 64:
        raise Invalid(_("A batch needs a client_id (1-64 characters)."), field="client_id")
    if len(tubes) > 5000:
        raise Invalid(_("At most 5000 tubes per batch."), field="tubes")
    receipt_key = {
        "kind": "pair",
        "sender": sender_of(actor),
        "client_id": f"{session.pk}:{client_id}",
        "digest": content_digest([[t.barcode, t.payloads, t.closed_at] for t in tubes]),
    }
    done = _receipt_replay(**receipt_key)
    if done is not None:
        return {**done, "replayed": True}
    with transaction.atomic():
        receipt, done = _receipt_claim(**receipt_key, actor=actor)
        if done is not None:
            return {**done, "replayed": True}
        report = _pair(session=session, tubes=tubes, actor=actor)
        receipt.report = report
        receipt.save(update_fields=["report"])
    return report


def _pair(*, session: SamplingSession, tubes: list[PairTube], actor) -> dict:
    """The work of tubes_pair_bulk, inside its transaction."""
    at = now()
    rejected: list[dict] = []
    wanted: list[tuple[PairTube, str]] = []
    seen: set[str] = set()
    for t in tubes:
        try:
            barcode = barcode_clean(t.barcode)
        except Invalid as exc:
            rejected.append({"barcode": t.barcode[:64], "code": exc.code, "detail": exc.message})
            continue
        if barcode in seen:
            rejected.append(
                {"barcode": barcode, "code": "duplicate", "detail": _("Tube twice in the batch.")}
            )
            continue
        seen.add(barcode)
        if not t.payloads or len(t.payloads) > session.pool_size_limit:
            rejected.append(
                {
                    "barcode": barcode,
                    "code": "tube_size",
                    "detail": _("A tube holds 1 to %(limit)d people in this session.")
                    % {"limit": session.pool_size_limit},
                }
            )
            continue
        wanted.append((t, barcode))
    used = set(Tube.objects.filter(barcode__in=[b for _t, b in wanted]).values_list("barcode", flat=True))
    resolved = _resolve_payloads({p for t, _b in wanted for p in t.payloads}, actor)
    new_tubes: list[Tube] = []
    member_people: list[list[int]] = []
    batch_people: set[int] = set()
    for t, barcode in wanted:
        if barcode in used:
            rejected.append(
                {"barcode": barcode, "code": "tube_used", "detail": _("Tube barcode already used.")}
            )
            continue
        people: list[int] = []
        problem = None
        for index, payload in enumerate(t.payloads):
            got = resolved.get(payload)
            if not isinstance(got, int):
                problem = {
                    "barcode": barcode,
                    "code": getattr(got, "code", "bad_payload"),
                    "detail": getattr(got, "message", _("Unreadable person code.")),
                    "member_index": index,
                }
                break
            people.append(got)
        if problem is None and len(set(people)) != len(people):
            problem = {
                "barcode": barcode,
                "code": "duplicate_person",
                "detail": _("Same person twice in a tube."),
            }
        if problem is None and not batch_people.isdisjoint(people):
            problem = {
                "barcode": barcode,
                "code": "person_twice",
                "detail": _("A person in this tube is already in another tube of this batch."),
            }
        if problem:
            rejected.append(problem)
            continue
        batch_people.update(people)
        closed_at = aware(t.closed_at) if t.closed_at else at
        new_tubes.append(
            Tube(
                barcode=barcode,
                session=session,
                status=TubeStatus.CLOSED,
                member_count=len(people),
                opened_by=_staff(actor),
                opened_at=closed_at,
                closed_at=closed_at,
            )
        )
        member_people.append(people)
    with transaction.atomic():
        created = Tube.objects.bulk_create(new_tubes, batch_size=2000)
        actor_id = getattr(_staff(actor), "pk", None)
        rows_insert(
            TubeEvent,
            ("tube_id", "from_status", "to_status", "at", "actor_id"),
            [(t.pk, TubeStatus.OPEN, TubeStatus.CLOSED, t.closed_at, actor_id) for t in created],
        )
        rows_insert(
            TubeMember,
            ("tube_id", "session_id", "person_id", "added_at", "outcome", "slip_code"),
            [
                (t.pk, session.pk, pid, t.closed_at, pools.Outcome.PENDING, slipcode.new())
                for t, people in zip(created, member_people, strict=True)
                for pid in people
            ],
        )
        report = {
            "accepted": len(created),
            "people": sum(len(p) for p in member_people),
            "rejected": rejected,
            "replayed": False,
        }
    return report


def _resolve_payloads(payloads: set[str], actor) -> dict:
    """Payload -> person id (or the ServiceError that refuses it). EpiQR personal codes, what mass
    screening scans, are checked by signature and then found with one query per batch; cards (CCCD,
    BHYT, national QR) go through person_from_scan one by one, since they may create the person."""
    from epiqr.people.models import Person
    from epiqr.people.parsers import KIND_EPIQR, parse_payload

    out: dict = {}
    claims: dict[str, tuple[str, int | None]] = {}
    for payload in payloads:
        if payload.startswith("EPIQR1:"):
            try:
                doc = parse_payload(payload)
            except ServiceError as exc:
                out[payload] = exc
                continue
            if doc.kind == KIND_EPIQR:
                claims[payload] = (doc.person_public_id, doc.qr_generation)
                continue
        try:
            out[payload] = person_from_payload(payload=payload, actor=actor).pk
        except ServiceError as exc:
            out[payload] = exc
    known: dict[str, tuple[int, int]] = {}
    ids = [uuid.UUID(pid) for pid in {pid for pid, _gen in claims.values()}]
    for qs in _where_in(Person.objects.all(), "public_id", ids):
        for pk, public_id, generation in qs.values_list("pk", "public_id", "qr_generation"):
            known[str(public_id)] = (pk, generation)
    for payload, (public_id, generation) in claims.items():
        found = known.get(public_id)
        if found is None:
            out[payload] = NotFound(
                _("This personal QR names nobody registered here."), code="unknown_person"
            )
        elif found[1] != generation:
            out[payload] = Invalid(_("This personal QR was replaced by a newer one."), code="qr_revoked")
        else:
            out[payload] = found[0]
    return out


# --- lab results ----------------------------------------------------------------------------------


@dataclass
class ResultRow:
    """One result as typed, imported or posted; `line` is the row number shown in reports."""

    barcode: str
    value: str
    ct: str | float | None = None
    tested_at: str | datetime | None = None
    line: int = 0


@dataclass
class ImportReport:
    rows: int = 0
    accepted: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    stored: bool = False
    replayed: bool = False

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "counts": self.counts,
            "stored": self.stored,
            "replayed": self.replayed,
        }


_VALUE_WORDS = {
    "positive": ResultValue.POSITIVE,
    "pos": ResultValue.POSITIVE,
    "+": ResultValue.POSITIVE,
    "duong tinh": ResultValue.POSITIVE,
    "dương tính": ResultValue.POSITIVE,
    "negative": ResultValue.NEGATIVE,
    "neg": ResultValue.NEGATIVE,
    "-": ResultValue.NEGATIVE,
    "am tinh": ResultValue.NEGATIVE,
    "âm tính": ResultValue.NEGATIVE,
    "invalid": ResultValue.INVALID,
    "khong hop le": ResultValue.INVALID,
    "không hợp lệ": ResultValue.INVALID,
}


def result_value_parse(text) -> str:
    """A lab's word for a result (English or Vietnamese, any case) as a ResultValue, or Invalid."""
    value = _VALUE_WORDS.get(str(text or "").strip().lower())
    if value is None:
        raise Invalid(
            _("Unknown result “%(value)s” (positive, negative or invalid).") % {"value": str(text)[:30]},
            field="result",
            code="bad_value",
        )
    return value


def ct_parse(text) -> Decimal | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        ct = Decimal(str(text).strip().replace(",", ".")).quantize(Decimal("0.1"))
    except InvalidOperation as exc:
        raise Invalid(_("Ct must be a number."), field="ct", code="bad_ct") from exc
    if not Decimal(0) < ct <= Decimal(50):
        raise Invalid(_("Ct must be between 0 and 50."), field="ct", code="bad_ct")
    return ct


_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y",
)


def tested_at_parse(value, *, default: datetime) -> datetime:
    """A test time as a lab writes it (ISO or dd/mm/yyyy, Vietnam time unless it says otherwise)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, datetime):
        parsed = aware(value)
    else:
        text = str(value).strip()
        parsed = None
        try:
            parsed = aware(datetime.fromisoformat(text))
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    parsed = aware(datetime.strptime(text, fmt))
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise Invalid(
                _("Unreadable test time “%(value)s” (use 2021-09-15 14:30).") % {"value": text[:30]},
                field="tested_at",
                code="bad_time",
            )
    if parsed > default:
        raise Invalid(_("The test time is in the future."), field="tested_at", code="bad_time")
    return parsed


def results_import(
    *,
    rows: list[ResultRow],
    actor=None,
    source: str = ResultSource.IMPORT,
    client_id: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Record many tube results: every row is checked first and, if any row is wrong, nothing is stored and
    the report says which rows and why. A row repeating a tube's current result is left unchanged. With a
    `client_id` (the sender's own) a retried batch is answered from its receipt, another batch under the
    same id refused.
    Accepted results resolve the tubes' members at once (bulk updates, one per outcome). `progress`
    (core.progress) hears of the rows checked and of each row refused."""
    progress = progress or Progress()
    progress.start(total=len(rows), stage=_("Checking rows"))
    report = ImportReport(rows=len(rows))
    receipt_key = None
    if client_id:
        receipt_key = {
            "kind": "results",
            "sender": sender_of(actor),
            "client_id": client_id,
            "digest": content_digest([[r.barcode, r.value, r.ct, r.tested_at] for r in rows]),
        }
        done = _receipt_replay(**receipt_key)
        if done is not None:
            return ImportReport(**{**done, "replayed": True})
    at = now()
    parsed: list[tuple[ResultRow, str, str, Decimal | None, datetime]] = []
    seen: dict[str, int] = {}
    for row in rows:
        progress.advance()
        try:
            barcode = barcode_clean(row.barcode)
            if barcode in seen:
                raise Invalid(
                    _("Duplicate: tube also on row %(line)d.") % {"line": seen[barcode]}, code="duplicate"
                )
            seen[barcode] = row.line
            parsed.append(
                (
                    row,
                    barcode,
                    result_value_parse(row.value),
                    ct_parse(row.ct),
                    tested_at_parse(row.tested_at, default=at),
                )
            )
        except Invalid as exc:
            report.errors.append(
                {"line": row.line, "barcode": str(row.barcode)[:64], "code": exc.code, "detail": exc.message}
            )
    tubes = {}
    visible = Tube.objects.all()
    if _staff(actor) is not None:  # a lab only results tubes from its own jurisdiction
        visible = jurisdiction_filter(visible, user=actor, commune_path="session__site__commune")
    for qs in _where_in(visible, "barcode", [b for _r, b, *_rest in parsed]):
        for t in qs.values_list("id", "barcode", "status", "result", "member_count"):
            tubes[t[1]] = _TubeRow(*t)
    todo = []
    for row, barcode, value, ct, tested_at in parsed:
        tube = tubes.get(barcode)
        if tube is None:
            report.errors.append(
                {"line": row.line, "barcode": barcode, "code": "unknown_tube", "detail": _("Unknown tube.")}
            )
        elif tube.status == TubeStatus.OPEN:
            report.errors.append(
                {
                    "line": row.line,
                    "barcode": barcode,
                    "code": "tube_open",
                    "detail": _("The tube is still open at the sampling site."),
                }
            )
        elif tube.status == TubeStatus.RESULTED and tube.result == value:
            report.unchanged += 1
        elif tube.status == TubeStatus.RESULTED:
            report.errors.append(
                {
                    "line": row.line,
                    "barcode": barcode,
                    "code": "already_resulted",
                    "detail": _("The tube already has the result “%(value)s”; correct it on the tube's page.")
                    % {"value": ResultValue(tube.result).label},
                }
            )
        else:
            todo.append((tube, value, ct, tested_at))
    report.errors.sort(key=lambda e: e["line"])
    for e in report.errors:
        progress.refuse(line=e["line"], key=e["barcode"], message=e["detail"])
    if report.errors:
        return report
    progress.stage(_("Storing"))
    with transaction.atomic():
        receipt = None
        if receipt_key is not None:
            receipt, done = _receipt_claim(**receipt_key, actor=actor)
            if done is not None:
                return ImportReport(**{**done, "replayed": True})
        # Only tubes still waiting change, so a concurrent import cannot record the same tubes twice.
        by_value: dict[str, list[int]] = defaultdict(list)
        for t, v, *_rest in todo:
            by_value[v].append(t.pk)
        changed = 0
        waiting = Tube.objects.filter(status__in=[TubeStatus.CLOSED, TubeStatus.RECEIVED])
        for value, tube_ids in by_value.items():
            for qs in _where_in(waiting, "id", tube_ids):
                changed += qs.update(status=TubeStatus.RESULTED, result=value, resulted_at=at)
        if changed != len(todo):
            raise Conflict(_("Some tubes were resulted meanwhile by someone else; import the file again."))
        actor_id = getattr(_staff(actor), "pk", None)
        rows_insert(
            LabResult,
            ("tube_id", "value", "ct", "tested_at", "source", "entered_by_id", "entered_at", "note"),
            [(t.pk, v, ct, ta, source, actor_id, at, "") for t, v, ct, ta in todo],
        )
        rows_insert(
            TubeEvent,
            ("tube_id", "from_status", "to_status", "at", "actor_id"),
            [(t.pk, t.status, TubeStatus.RESULTED, at, actor_id) for t, *_rest in todo],
        )
        counts = _resolve_members([(t.pk, v, t.member_count) for t, v, *_rest in todo], at=at)
        report.accepted = len(todo)
        report.counts = counts
        report.stored = True
        if receipt is not None:
            receipt.report = report.as_dict()
            receipt.save(update_fields=["report"])
        audit_record(
            actor=actor, action="testing.results_import", row_count=len(todo), detail={"source": source}
        )
        _react_on_commit([t.pk for t, *_rest in todo], actor)
    return report


@dataclass(frozen=True)
class _TubeRow:
    pk: int
    barcode: str
    status: str
    result: str
    member_count: int


def rows_insert(model, columns: tuple[str, ...], rows: list[tuple]) -> int:
    """Insert plain rows into one of this domain's tables: COPY on PostgreSQL (no model objects, one
    stream), bulk_create elsewhere. The caller gives every column that has no database default."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(
            connection.ops.quote_name(
                model._meta.get_field(c.removesuffix("_id")).column if c.endswith("_id") else c
            )
            for c in columns
        )
        with connection.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000
    )
    return len(rows)


def _resolve_members(tubes: list[tuple[int, str, int]], *, at: datetime) -> dict:
    """Apply pools.tube_outcome to the members of each (tube id, result, member count): one UPDATE per
    outcome and chunk of tubes, never one per person."""
    by_outcome: dict[str, list[int]] = defaultdict(list)
    for tube_id, value, member_count in tubes:
        if member_count:
            by_outcome[pools.tube_outcome(result=value, member_count=member_count)].append(tube_id)
    counts = {}
    for outcome, tube_ids in by_outcome.items():
        n = 0
        for qs in _where_in(TubeMember.objects.all(), "tube_id", tube_ids):
            n += qs.update(outcome=outcome, resulted_at=at, notified_at=None)
        counts[outcome] = n
    return counts


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _where_in(qs, column: str, values: list):
    """`qs` narrowed to rows whose `column` is one of `values`, in as few statements as reasonable: on
    PostgreSQL one array parameter per 100,000 values (building and parsing a 5,000-item IN list costs
    more than running it), elsewhere IN lists of 5,000."""
    values = list(values)
    if connection.vendor == "postgresql":
        where = f"{connection.ops.quote_name(qs.model._meta.db_table)}.{connection.ops.quote_name(column)} = ANY(%s)"
        for chunk in _chunks(values, 100_000):
            yield qs.extra(where=[where], params=[chunk])
    else:
        for chunk in _chunks(values, 5000):
            yield qs.filter(**{f"{column}__in": chunk})


def _react_on_commit(tube_ids: list[int], actor, *, corrected: bool = False) -> None:
    from . import flows

    actor_id = getattr(_staff(actor), "pk", None)
    transaction.on_commit(
        lambda: flows.results_react(tube_ids=tube_ids, actor_id=actor_id, corrected=corrected)
    )


def result_record(
    *,
    tube: Tube,
    value: str,
    ct=None,
    tested_at=None,
    actor=None,
    source: str = ResultSource.MANUAL,
    note: str = "",
) -> LabResult:
    """Record a tube's result, or correct it: the earlier result is kept, marked superseded, with who and
    why; members are resolved again from the new result."""
    value = result_value_parse(value)
    ct_value = ct_parse(ct)
    at = now()
    tested = tested_at_parse(tested_at, default=at)
    with transaction.atomic():
        tube = Tube.objects.select_for_update().get(pk=tube.pk)
        if tube.status == TubeStatus.OPEN:
            raise Conflict(_("The tube is still open at the sampling site."), code="tube_open")
        if tube.member_count == 0:
            raise Conflict(_("The tube has no members."), code="tube_empty")
        correcting = tube.status == TubeStatus.RESULTED
        if correcting:
            current = tube.results.filter(superseded_at__isnull=True).last()
            if current and current.value == value and current.ct == ct_value:
                raise Conflict(_("The tube already has this result."), code="unchanged")
            if not (note or "").strip():
                raise Invalid(_("Say why the result is corrected."), field="note", code="note_required")
            tube.results.filter(superseded_at__isnull=True).update(superseded_at=at)
        result = LabResult.objects.create(
            tube=tube,
            value=value,
            ct=ct_value,
            tested_at=tested,
            source=source,
            entered_by=_staff(actor),
            entered_at=at,
            note=(note or "").strip()[:255],
        )
        if correcting:
            Tube.objects.filter(pk=tube.pk).update(result=value, resulted_at=at)
            audit_record(
                actor=actor,
                action="testing.result_correct",
                target=tube,
                detail={"from": tube.result, "to": value, "note": result.note},
            )
        else:
            tube.result = value
            tube.save(update_fields=["result"])
            tube_transition(tube=tube, to=TubeStatus.RESULTED, actor=actor, at=at)
        _resolve_members([(tube.pk, value, tube.member_count)], at=at)
        _react_on_commit([tube.pk], actor, corrected=correcting)
    return result


@dataclass
class ReceiveReport:
    """What one scan of arriving tubes did: each line lands in exactly one list."""

    received: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # at the lab or resulted before this scan
    still_open: list[str] = field(default_factory=list)  # never closed at the sampling station
    unknown: list[str] = field(default_factory=list)  # no such tube in the user's scope
    not_barcodes: list[str] = field(default_factory=list)  # lines that cannot be a tube barcode

    @property
    def problems(self) -> list[str]:
        """The lines someone has to look at again, in the order they were given."""
        return self.not_barcodes + self.unknown + self.still_open


@transaction.atomic
def tubes_receive(*, barcodes: list[str], actor=None) -> ReceiveReport:
    """The lab scans the tubes that arrived: every closed tube named becomes received, even when other
    lines are wrong; the report says which lines were unknown, not barcodes or still open."""
    report = ReceiveReport()
    wanted: list[str] = []
    for raw in barcodes:
        if not raw.strip():
            continue
        try:
            wanted.append(barcode_clean(raw))
        except Invalid:
            report.not_barcodes.append(raw.strip()[:64])
    wanted = list(dict.fromkeys(wanted))
    if not wanted and not report.not_barcodes:
        raise Invalid(_("Scan at least one tube barcode."), field="barcodes")
    visible = Tube.objects.select_for_update()
    if _staff(actor) is not None:
        visible = jurisdiction_filter(visible, user=actor, commune_path="session__site__commune")
    found = {t.barcode: t for t in visible.filter(barcode__in=wanted)}
    for barcode in wanted:
        tube = found.get(barcode)
        if tube is None:
            report.unknown.append(barcode)
        elif tube.status == TubeStatus.CLOSED:
            tube_transition(tube=tube, to=TubeStatus.RECEIVED, actor=actor)
            report.received.append(barcode)
        elif tube.status == TubeStatus.OPEN:
            report.still_open.append(barcode)
        else:
            report.already.append(barcode)
    return report


# --- results to citizens --------------------------------------------------------------------------

# Failed lookups one asker (an address, see core.ratelimit) may make in the window. Only a well-formed
# code that matches nothing counts: a typo is caught by the code's check character and costs nothing.
LOOKUP_FAILURES = 20
LOOKUP_WINDOW = 3600


def slip_codes_ensure(*, tube: Tube) -> None:
    """Give a code to the members of a tube sampled before slips carried one (first print wins)."""
    for member_id in TubeMember.objects.filter(tube=tube, slip_code="").values_list("id", flat=True):
        TubeMember.objects.filter(pk=member_id, slip_code="").update(slip_code=slipcode.new())


def slip_verify(*, barcode: str, code: str) -> TubeMember | None:
    """The member whose slip carries this tube barcode and result code, or None. No rate limit here:
    callers facing the public limit the asker (see result_lookup)."""
    code = slipcode.normalise(code)
    try:
        barcode = barcode_clean(barcode)
    except Invalid:
        return None
    if code is None:
        return None
    found = None
    rows = TubeMember.objects.filter(tube__barcode=barcode).values_list("id", "slip_code")
    for member_id, stored in rows:
        # Compared in constant time, and every member compared, so timing tells nothing.
        if stored and hmac.compare_digest(stored, code):
            found = member_id
    if found is None:
        return None
    return TubeMember.objects.select_related("person", "tube", "session__site").get(pk=found)


def result_lookup(*, barcode: str, code: str, asker: str) -> TubeMember:
    """A person's result from their slip: the tube barcode and the slip's result code. An unknown tube
    and a wrong code get the same answer. Failed tries are limited per asker, never per tube: someone
    hammering a tube cannot stop its owner getting the result."""
    limit_key = f"testing:lookup:asker:{asker}"
    if ratelimit.spent(limit_key, limit=LOOKUP_FAILURES):
        raise ratelimit.RateLimited(
            _("Too many wrong tries from this connection. Try again in an hour or call %(hotline)s.")
            % {"hotline": settings.EPIQR_HOTLINE}
        )
    if slipcode.normalise(code) is None:
        raise Invalid(
            _("This result code is not right: check each character on your slip (11 letters and digits)."),
            field="code",
            code="bad_code",
        )
    member = slip_verify(barcode=barcode, code=code)
    if member is None:
        ratelimit.count(limit_key, window=LOOKUP_WINDOW)
        raise NotFound(_("No result matches this tube number and result code."), code="no_match")
    audit_record(actor=None, action="testing.result_lookup", target=member)
    return member


SLIP_PROOF_TYPE = "testing.tubemember"


def result_proofs_grant(*, device, members: list[TubeMember]) -> None:
    """A phone that looked a result up with the slip's second factor keeps that result, and only that one,
    on My results (people.services.proof_grant, kind "slip")."""
    from epiqr.people.models import ProofKind
    from epiqr.people.services import SLIP_PROOF_DAYS, proof_grant

    for m in members:
        proof_grant(
            device=device,
            person=m.person,
            kind=ProofKind.SLIP,
            object_type=SLIP_PROOF_TYPE,
            object_id=str(m.pk),
            days=SLIP_PROOF_DAYS,
        )


def results_mark_notified(*, member_ids: list[int]) -> None:
    for qs in _where_in(TubeMember.objects.all(), "id", member_ids):
        qs.update(notified_at=now())
