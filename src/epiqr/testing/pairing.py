"""Bulk pairing (mass screening): a scanning device's filled tubes, each accepted whole or refused with
its reason; a retried batch is answered from its receipt."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.core import pgsql
from epiqr.core.errors import Invalid, NotFound, ServiceError
from epiqr.core.idempotency import content_digest, sender_of
from epiqr.core.timeutil import aware, now
from epiqr.people.models import Person
from epiqr.people.parsers import KIND_EPIQR, parse_payload

from . import pools, slipcode, store
from .models import SamplingSession, Tube, TubeEvent, TubeMember, TubeStatus
from .receipts import receipt_claim, receipt_replay
from .sampling import barcode_clean, person_from_payload, staff_of


@dataclass
class PairTube:
    barcode: str
    payloads: list[str]
    closed_at: datetime | None = None


def tubes_pair_bulk(
    *, session: SamplingSession, tubes: list[PairTube], client_id: str, actor: User | None = None
) -> dict:
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
    done = receipt_replay(**receipt_key)
    if done is not None:
        return {**done, "replayed": True}
    with transaction.atomic():
        receipt, done = receipt_claim(**receipt_key, actor=actor)
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
                opened_by=staff_of(actor),
                opened_at=closed_at,
                closed_at=closed_at,
            )
        )
        member_people.append(people)
    with transaction.atomic():
        created = Tube.objects.bulk_create(new_tubes, batch_size=2000)
        actor_id = getattr(staff_of(actor), "pk", None)
        pgsql.rows_insert(
            TubeEvent,
            ("tube_id", "from_status", "to_status", "at", "actor_id"),
            [(t.pk, TubeStatus.OPEN, TubeStatus.CLOSED, t.closed_at, actor_id) for t in created],
        )
        pgsql.rows_insert(
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
    for qs in store.where_in(Person.objects.all(), "public_id", ids):
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
