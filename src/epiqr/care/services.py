"""Writes of care: patients and their status machine, assessments, routing proposals and decisions,
beds, self-reports and their alerts, release from isolation.

Beds change only through single conditional UPDATE statements (`_bed_take`, `_bed_arrive`,
`_bed_free`): the database decides who gets the last bed, so two coordinators accepting at the same
moment never both get it, and a count never goes below zero (the table's constraints are the last guard).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from epiqr.accounts.models import User
from epiqr.cases.models import Case, CaseStatus
from epiqr.cases.services import case_end
from epiqr.core import events
from epiqr.core.errors import Conflict, Forbidden, Invalid
from epiqr.core.permissions import check_capability, has_capability
from epiqr.core.pgsql import array_literal, int_array_literal, rows_insert
from epiqr.core.services import audit_record
from epiqr.core.states import transition_check
from epiqr.core.timeutil import VN_TZ, local, local_today, now
from epiqr.notify.services import message_send_to_officers

from . import permissions, routing, selectors, severity
from .events import CARE_REPORT_MISSED, CARE_WARNING, PATIENT_MOVED
from .models import (
    BedKind,
    BedPool,
    Facility,
    MissedReport,
    Patient,
    PatientHistory,
    PatientStatus,
    Report,
    Routing,
    RoutingStatus,
    Setting,
    Slot,
)
from .places import commune_point

S = PatientStatus
# The patient's status machine (DESIGN.md: state machines as data). A patient at home may be admitted
# straight from a routing; an admitted one is transferred (leaves the bed, travels) to be admitted again.
# Any open care ends as "cancelled" when its case is cancelled (opened by mistake: cases' case_cancelled).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.CONFIRMED: (S.AT_HOME, S.ADMITTED, S.RECOVERED, S.DECEASED, S.CANCELLED),
    S.AT_HOME: (S.ADMITTED, S.RECOVERED, S.DECEASED, S.CANCELLED),
    S.ADMITTED: (S.TRANSFERRED, S.AT_HOME, S.RECOVERED, S.DECEASED, S.CANCELLED),
    S.TRANSFERRED: (S.ADMITTED, S.DECEASED, S.CANCELLED),
    S.RECOVERED: (),
    S.DECEASED: (),
    S.CANCELLED: (),
}
REFUSED = gettext_noop("A patient cannot go from “%(from)s” to “%(to)s”.")
SETTING_OF_TIER = {1: Setting.TIER1, 2: Setting.TIER2, 3: Setting.TIER3}
SIGN_CODES = frozenset(severity.SIGNS)
COMORBIDITIES = (
    "diabetes",
    "hypertension",
    "heart",
    "lung",
    "kidney",
    "liver",
    "cancer",
    "immunosuppressed",
    "obesity",
)


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


# --- patients ------------------------------------------------------------------------------------------


def patient_open(*, case: Case, actor: User | None = None) -> Patient:
    """The care record of an F0 case (made once; a second call returns the same record)."""
    patient, _created = Patient.objects.get_or_create(
        case=case, defaults={"person_id": case.person_id, "commune_id": case.commune_id}
    )
    return patient


def patient_transition(
    *, patient: Patient, to: str, actor: User | None, note: str = "", facility: Facility | None = None
) -> Patient:
    """THE guard of the patient's status machine: refuse a move TRANSITIONS does not list, then write the
    move and its history and tell the others (`patient_moved`). Beds are the callers' business."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().select_related("case").get(pk=patient.pk)
        transition_check(
            TRANSITIONS,
            states=PatientStatus,
            current=patient.status,
            to=to,
            refused=_(REFUSED),
            code="bad_move",
        )
        before = patient.status
        patient.status = to
        fields = ["status"]
        if facility is not None or to in (S.AT_HOME, S.RECOVERED, S.DECEASED, S.CANCELLED):
            patient.facility = facility
            fields.append("facility")
        if to == S.AT_HOME:
            patient.setting = Setting.HOME
            patient.bed_kind = ""
            fields += ["setting", "bed_kind"]
        patient.save(update_fields=fields)
        PatientHistory.objects.create(
            patient=patient,
            from_status=before,
            to_status=to,
            facility=facility or patient.facility,
            note=note[:500],
            actor=actor if _actor_id(actor) else None,
        )
        if to in (S.RECOVERED, S.DECEASED) and patient.case.status == CaseStatus.ACTIVE:
            case_end(case=patient.case, outcome=to, actor=actor)
        events.emit(
            PATIENT_MOVED,
            patient_id=patient.pk,
            case_id=patient.case_id,
            from_status=before,
            to_status=to,
            facility_id=patient.facility_id,
        )
    return patient


def _clean_int(value, *, field: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(_("Give a whole number."), field=field) from None
    if not low <= number <= high:
        raise Invalid(_("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high}, field=field)
    return number


def _clean_signs(signs) -> list[str]:
    unknown = [s for s in signs or () if s not in SIGN_CODES]
    if unknown:
        raise Invalid(_("Unknown sign."), field="signs")
    return sorted(set(signs or ()))


def patient_assess(
    *,
    patient: Patient,
    actor: User,
    respiratory_rate=None,
    spo2=None,
    signs=(),
    comorbidities=(),
    pregnant: bool = False,
) -> Patient:
    """Record a clinical assessment: the severity follows QĐ 4689 (severity.classify). When an admitted
    patient's needed tier or bed changes, a transfer is proposed (routing to the right tier)."""
    _check_patient(actor, patient)
    rr = _clean_int(respiratory_rate, field="respiratory_rate", low=0, high=80)
    sat = _clean_int(spo2, field="spo2", low=30, high=100)
    bad = [c for c in comorbidities or () if c not in COMORBIDITIES]
    if bad:
        raise Invalid(_("Unknown comorbidity."), field="comorbidities")
    with transaction.atomic():
        patient = Patient.objects.select_for_update().select_related("person").get(pk=patient.pk)
        patient.respiratory_rate, patient.spo2 = rr, sat
        patient.signs = _clean_signs(signs)
        patient.comorbidities = sorted(set(comorbidities or ()))
        patient.pregnant = bool(pregnant)
        patient.severity = severity.classify(selectors.vitals_of(patient)).level
        patient.save(
            update_fields=["respiratory_rate", "spo2", "signs", "comorbidities", "pregnant", "severity"]
        )
        audit_record(actor=actor, action="care.assess", target=patient, detail={"severity": patient.severity})
        need = severity.need(patient.severity)
        if (
            patient.status == S.ADMITTED
            and patient.facility is not None
            and (patient.facility.tier != need.tier or patient.bed_kind != need.bed_kind)
        ):
            routing_propose(
                patient=patient, actor=actor, reason=_("Severity changed: transfer to the right tier.")
            )
    return patient


def patient_home(*, patient: Patient, actor: User) -> Patient:
    """Care at home: only when the home-care policy in force says eligible (its reasons otherwise)."""
    _check_patient(actor, patient)
    verdict = selectors.home_eligibility(patient=patient)
    if not verdict.eligible:
        raise Conflict(
            _("Not eligible for care at home: %(why)s.") % {"why": "; ".join(verdict.reasons)},
            code="not_eligible",
        )
    if patient.status == S.ADMITTED:
        return patient_discharge(
            patient=patient, actor=actor, to=S.AT_HOME, note=_("Cared for at home from now on.")
        )
    return patient_transition(patient=patient, to=S.AT_HOME, actor=actor, note=verdict.policy)


def patient_cancel(*, case_id: int, reason: str, actor: User | None = None) -> Patient | None:
    """The patient's case was cancelled (opened by mistake): their open proposal and the accepted routing
    they have not arrived on are withdrawn (the reserved beds given back), an occupied bed is freed, and
    the care ends as "cancelled" with the reason in the history. Nothing to do without open care."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().filter(case_id=case_id).first()
        if patient is None or patient.status in (S.RECOVERED, S.DECEASED, S.CANCELLED):
            return patient
        note = (_("Case cancelled: %(reason)s") % {"reason": reason})[:500]
        _routings_withdraw(patient=patient, reason=note, arriving=True)
        if patient.status == S.ADMITTED and patient.facility_id:
            _bed_free(facility_id=patient.facility_id, kind=patient.bed_kind or BedKind.NORMAL)
        return patient_transition(patient=patient, to=S.CANCELLED, actor=actor, note=note)


# --- beds ----------------------------------------------------------------------------------------------


def _bed_take(*, facility_id: int, kind: str) -> bool:
    """Reserve one free bed in one conditional UPDATE: False when none was left."""
    return bool(
        BedPool.objects.filter(
            facility_id=facility_id, kind=kind, total__gt=F("occupied") + F("reserved")
        ).update(reserved=F("reserved") + 1)
    )


def _bed_arrive(*, facility_id: int, kind: str) -> bool:
    """A reserved bed becomes occupied (the patient arrived)."""
    return bool(
        BedPool.objects.filter(facility_id=facility_id, kind=kind, reserved__gt=0).update(
            reserved=F("reserved") - 1, occupied=F("occupied") + 1
        )
    )


def _bed_free(*, facility_id: int, kind: str, reserved: bool = False) -> bool:
    """An occupied (or reserved) bed is free again."""
    column = "reserved" if reserved else "occupied"
    return bool(
        BedPool.objects.filter(facility_id=facility_id, kind=kind, **{f"{column}__gt": 0}).update(
            **{column: F(column) - 1}
        )
    )


def beds_set(*, facility: Facility, actor: User, totals: dict[str, object]) -> list[BedPool]:
    """Set how many beds of each kind the facility has; never fewer than are occupied or reserved."""
    _check_coordinates(actor, facility)
    for kind, value in totals.items():
        if kind not in BedKind.values:
            raise Invalid(_("Unknown kind of bed."), field=kind)
        total = _clean_int(value, field=kind, low=0, high=100_000)
        if total is None:
            continue
        with transaction.atomic():
            pool, _created = BedPool.objects.get_or_create(facility=facility, kind=kind)
            changed = BedPool.objects.filter(pk=pool.pk, occupied__lte=total - F("reserved")).update(
                total=total
            )
            if not changed:
                raise Conflict(
                    _("%(kind)s: %(n)s beds are occupied or reserved; the total cannot be lower.")
                    % {"kind": BedKind(kind).label, "n": pool.occupied + pool.reserved},
                    code="beds_in_use",
                )
    audit_record(
        actor=actor, action="care.beds", target=facility, detail={k: str(v) for k, v in totals.items()}
    )
    return selectors.beds_of(facility=facility)


# --- routing -------------------------------------------------------------------------------------------


def _check_patient(actor: User, patient: Patient) -> None:
    """Capability (officers monitor, coordinators care for their admitted patients), then scope."""
    if not (has_capability(actor, permissions.MONITOR) or has_capability(actor, permissions.COORDINATE)):
        raise Forbidden(_("You may not change this patient's care."))
    selectors.patient_get_visible(user=actor, patient_id=patient.pk)


def _check_coordinates(actor: User, facility: Facility) -> None:
    """Capability, then scope: the facility must be one the actor coordinates."""
    check_capability(actor, permissions.COORDINATE)
    selectors.facility_get_visible(user=actor, facility_id=facility.pk)


def _need_of(patient: Patient) -> routing.Need:
    at = patient.facility
    need = _need_from(
        patient.case_id,
        patient.severity,
        patient.commune_id,
        (at.latitude, at.longitude) if at is not None else (None, None),
    )
    if need is None:
        raise Invalid(_("The patient's commune has no known location: route by hand."), code="no_location")
    return need


def _routings_withdraw(*, patient: Patient, reason: str, arriving: bool = False) -> int:
    """Withdraw the patient's open proposal (and, with `arriving`, the accepted routing of a patient who
    has not arrived yet: the newest accepted one of a patient not admitted), giving back the beds they
    reserved; how many. Inside the caller's transaction."""
    open_ = list(Routing.objects.select_for_update().filter(patient=patient, status=RoutingStatus.PROPOSED))
    if arriving and patient.status != S.ADMITTED:
        last = (
            Routing.objects.select_for_update()
            .filter(patient=patient, status=RoutingStatus.ACCEPTED)
            .order_by("-decided_at", "-id")
            .first()
        )
        if last is not None:
            open_.append(last)
    for r in open_:
        if r.facility_id and (r.holds_bed or r.status == RoutingStatus.ACCEPTED):
            _bed_free(facility_id=r.facility_id, kind=r.bed_kind, reserved=True)
        r.status, r.decided_at, r.reason, r.holds_bed = RoutingStatus.WITHDRAWN, now(), reason[:500], False
        r.save(update_fields=["status", "decided_at", "reason", "holds_bed"])
    return len(open_)


def routing_propose(
    *,
    patient: Patient | None = None,
    case_id: int | None = None,
    actor: User | None,
    reason: str = "",
    surge: str = "",
) -> Routing:
    """Propose the nearest facility with a free bed of the kind the patient's severity needs (routing.route),
    or record an escalation to the province when none has one. A patient has one open proposal at a time
    (a newer one replaces it). The hotline calls this with `case_id` for an urgent medical request."""
    if patient is None:
        if case_id is None:
            raise Invalid(_("Name the patient or the case."), field="case_id")
        patient = Patient.objects.filter(case_id=case_id).first()
        if patient is None:
            case = Case.objects.filter(pk=case_id).first()
            if case is None:
                raise Invalid(_("No such case."), field="case_id")
            patient = patient_open(case=case, actor=actor)
    if patient.status in (S.RECOVERED, S.DECEASED, S.CANCELLED):
        raise Conflict(_("This patient's care has ended."), code="care_ended")
    with transaction.atomic():
        patient = (
            Patient.objects.select_for_update(of=("self",)).select_related("facility").get(pk=patient.pk)
        )
        _routings_withdraw(patient=patient, reason=_("Replaced by a newer proposal."))
        need = _need_of(patient)
        beds = [f for f in selectors.facility_beds() if f.id != patient.facility_id]
        proposal = routing.route(need, beds)
        return Routing.objects.create(
            patient=patient,
            facility_id=proposal.facility_id,
            proposed_facility_id=proposal.facility_id,
            tier=need.tier,
            bed_kind=need.bed_kind,
            distance_km=proposal.distance_km,
            status=RoutingStatus.ESCALATED if proposal.escalate else RoutingStatus.PROPOSED,
            reason=reason[:500],
            surge=surge,
        )


@dataclass(frozen=True)
class SurgeResult:
    """What a surge wrote: its batch name, the proposals (each holding a reserved bed), the escalations
    (no facility of the tier had a bed), and the patients left for the next surge (their beds kept being
    taken by others while they were routed again: rare, only under a race)."""

    batch: str
    proposed: int
    escalated: int
    left: int

    def __len__(self) -> int:
        return self.proposed + self.escalated


SURGE_ROUNDS = 3  # how often the losers of a bed race are routed again before being left for the next surge


def _need_from(case_id: int, level: str, commune_id, fallback: tuple[float | None, float | None]):
    need = severity.need(level)
    point = commune_point(commune_id)
    if point is None and fallback[0] is not None and fallback[1] is not None:
        point = (fallback[0], fallback[1])
    if point is None:
        return None
    return routing.Need(case_id, need.tier, need.bed_kind, point[0], point[1])


def _beds_reserve(counts: dict[tuple[int, str], int]) -> set[tuple[int, str]]:
    """Reserve n beds of each (facility, kind) in one conditional UPDATE per pair (reserved += n only where
    occupied + reserved + n <= total; all of a pair's n or none): the pairs that got their beds. On
    PostgreSQL the pairs go in one statement (a row each), elsewhere one statement per pair."""
    if not counts:
        return set()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(BedPool._meta.db_table)
        keys = list(counts)
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {table} AS b SET reserved = b.reserved + v.n "
                "FROM unnest(%s::bigint[], %s::text[], %s::int[]) AS v(fid, kind, n) "
                "WHERE b.facility_id = v.fid AND b.kind = v.kind AND b.occupied + b.reserved + v.n <= b.total "
                "RETURNING b.facility_id, b.kind",
                [
                    int_array_literal(k[0] for k in keys),
                    array_literal([k[1] for k in keys]),
                    int_array_literal(counts[k] for k in keys),
                ],
            )
            return {(fid, kind) for fid, kind in cur.fetchall()}
    won = set()
    for (fid, kind), n in counts.items():
        if BedPool.objects.filter(
            facility_id=fid, kind=kind, total__gte=F("occupied") + F("reserved") + n
        ).update(reserved=F("reserved") + n):
            won.add((fid, kind))
    return won


SURGE_FIELDS = (
    "patient_id",
    "facility_id",
    "proposed_facility_id",
    "tier",
    "bed_kind",
    "distance_km",
    "status",
    "surge",
    "reason",
    "proposed_at",
    "holds_bed",
)


def routings_surge(*, actor: User, day: date | None = None, patients=None) -> SurgeResult:
    """Route a whole day's new cases at once (routing.route_surge): every patient confirmed that day and
    not placed yet gets a proposal or an escalation. Each proposal reserves its bed when written (one
    conditional UPDATE per facility and kind): a facility whose beds were taken meanwhile refuses the
    whole group, and only that group is routed again against the beds now left. No bed is double-booked
    and no model objects are made (10,000 cases in a few seconds: bench/care_routing.py)."""
    check_capability(actor, permissions.MONITOR)
    if patients is None:
        day = day or local_today()
        patients = (
            selectors.patient_list_visible_to(user=actor)
            .filter(status=S.CONFIRMED, case__confirmed_on=day)
            .exclude(routings__status__in=(RoutingStatus.PROPOSED, RoutingStatus.ACCEPTED))
        )
    rows = patients.order_by("pk").values_list(
        "pk", "case_id", "severity", "commune_id", "facility__latitude", "facility__longitude"
    )
    patient_of, needs = {}, []
    for pk, case_id, level, commune_id, lat, lon in rows:
        need = _need_from(case_id, level, commune_id, (lat, lon))
        if need is not None and case_id not in patient_of:
            patient_of[case_id] = pk
            needs.append(need)
    batch = f"surge-{uuid.uuid4().hex[:12]}"
    at = now()
    out: list[tuple] = []
    escalated = 0
    try:
        with transaction.atomic():
            todo = needs
            for _round in range(SURGE_ROUNDS):
                if not todo:
                    break
                proposals = routing.route_surge(todo, selectors.facility_beds())
                counts: dict[tuple[int, str], int] = {}
                for n, pr in zip(todo, proposals, strict=True):
                    if pr.facility_id is not None:
                        counts[(pr.facility_id, n.bed_kind)] = counts.get((pr.facility_id, n.bed_kind), 0) + 1
                won = _beds_reserve(counts)
                lost = []
                for n, pr in zip(todo, proposals, strict=True):
                    if pr.facility_id is None:
                        escalated += 1
                        status, held = RoutingStatus.ESCALATED, False
                    elif (pr.facility_id, n.bed_kind) in won:
                        status, held = RoutingStatus.PROPOSED, True
                    else:
                        lost.append(n)
                        continue
                    out.append(
                        (
                            patient_of[n.case_id],
                            pr.facility_id,
                            pr.facility_id,
                            n.tier,
                            n.bed_kind,
                            pr.distance_km,
                            status,
                            batch,
                            "",
                            at,
                            held,
                        )
                    )
                todo = lost
            with connection.wrap_database_errors:  # COPY's own errors as Django's (IntegrityError)
                rows_insert(Routing, SURGE_FIELDS, out)
            audit_record(
                actor=actor, action="care.surge", target=None, row_count=len(out), detail={"batch": batch}
            )
    except IntegrityError:
        raise Conflict(
            _("Another surge or proposal is routing the same patients: try again."), code="surge_busy"
        ) from None
    return SurgeResult(batch, len(out) - escalated, escalated, len(todo))


def routing_decide(
    *, routing_id: int, actor: User, accept: bool, facility_id: int | None = None, reason: str = ""
) -> Routing:
    """The coordinator's decision on a proposal: accept it (the bed is reserved at once), accept it at
    another facility they coordinate (an override, with a reason), or decline it (with a reason; the
    patient goes back to the province's list). Refused when the bed is gone: propose again."""
    check_capability(actor, permissions.COORDINATE)
    found = selectors.routing_get_visible(user=actor, routing_id=routing_id)
    reason = (reason or "").strip()
    override = facility_id is not None and facility_id != found.facility_id
    if (override or not accept) and not reason:
        raise Invalid(_("Say why."), field="reason", code="reason_required")
    target = (
        selectors.facility_get_visible(user=actor, facility_id=facility_id or found.facility_id or 0)
        if accept
        else None
    )
    if not accept and found.facility_id:
        selectors.facility_get_visible(user=actor, facility_id=found.facility_id)
    with transaction.atomic():
        r = Routing.objects.select_for_update().select_related("patient").get(pk=found.pk)
        if r.status != RoutingStatus.PROPOSED:
            raise Conflict(_("This routing was already decided."), code="decided")
        r.decided_by, r.decided_at, r.reason = actor, now(), reason[:500] or r.reason
        if not accept:
            if r.holds_bed and r.facility_id:
                _bed_free(facility_id=r.facility_id, kind=r.bed_kind, reserved=True)
            r.status, r.holds_bed = RoutingStatus.WITHDRAWN, False
            r.save(update_fields=["status", "decided_by", "decided_at", "reason", "holds_bed"])
            audit_record(actor=actor, action="care.routing.decline", target=r.patient, reason=reason[:255])
            return r
        assert target is not None
        if target.tier != r.tier and not override:
            raise Conflict(_("The facility's tier does not match."), code="tier")
        kept = r.holds_bed and r.facility_id == target.pk  # a surge proposal's bed is already reserved
        if not kept and not _bed_take(facility_id=target.pk, kind=r.bed_kind):
            raise Conflict(
                _("No free bed of this kind is left at %(facility)s.") % {"facility": target.name},
                code="no_bed",
            )
        if r.holds_bed and not kept and r.facility_id:
            _bed_free(facility_id=r.facility_id, kind=r.bed_kind, reserved=True)  # overridden elsewhere
        r.facility = target
        r.status, r.holds_bed = RoutingStatus.ACCEPTED, False
        r.save(update_fields=["status", "facility", "decided_by", "decided_at", "reason", "holds_bed"])
        patient = r.patient
        if patient.status == S.ADMITTED and patient.facility_id:
            # a transfer: the patient leaves the old bed now and travels
            _bed_free(facility_id=patient.facility_id, kind=patient.bed_kind or r.bed_kind)
            patient_transition(patient=patient, to=S.TRANSFERRED, actor=actor, note=reason, facility=target)
        audit_record(
            actor=actor,
            action="care.routing.accept",
            target=r.patient,
            detail={"facility": target.pk, "override": override},
            reason=reason[:255],
        )
    return r


@dataclass(frozen=True)
class BulkAccepted:
    """What a bulk accept did: the routings accepted (their beds reserved) and those left proposed, each
    with why (another coordinator took the last beds of that kind meanwhile, or it was decided already)."""

    accepted: list[int]
    lost: list[tuple[int, str]]


def routings_accept_bulk(
    *, facility_id: int, actor: User, routing_ids: list[int] | None = None
) -> BulkAccepted:
    """Accept at once the proposals to one facility the coordinator coordinates: all of them, or the ones
    named. A surge proposal's bed is reserved already; the others are reserved per bed kind in ONE
    conditional UPDATE (`reserved += n` only where the beds are there), else one by one while beds are
    left: those that lost the race stay proposed and are reported. Capability and scope before any write."""
    check_capability(actor, permissions.COORDINATE)
    facility = selectors.facility_get_visible(user=actor, facility_id=facility_id)
    lost: list[tuple[int, str]] = []
    accepted: list[int] = []
    with transaction.atomic():
        qs = (
            Routing.objects.select_for_update(of=("self",))
            .select_related("patient")
            .filter(facility=facility, status=RoutingStatus.PROPOSED)
        )
        if routing_ids is not None:
            wanted = list(dict.fromkeys(routing_ids))
            qs = qs.filter(pk__in=wanted)
        rows = list(qs.order_by("proposed_at", "id"))
        if routing_ids is not None:
            found = {r.pk for r in rows}
            lost += [
                (i, _("Not a proposal to this facility waiting for a decision."))
                for i in wanted
                if i not in found
            ]
        by_kind: dict[str, list[Routing]] = {}
        for r in rows:
            if r.holds_bed:
                accepted.append(r.pk)
            else:
                by_kind.setdefault(r.bed_kind, []).append(r)
        won: set[int] = {r.pk for r in rows if r.holds_bed}
        for kind, group in by_kind.items():
            n = len(group)
            if BedPool.objects.filter(
                facility=facility, kind=kind, total__gte=F("occupied") + F("reserved") + n
            ).update(reserved=F("reserved") + n):
                taken = n
            else:  # not enough for all: as many as are left, the oldest proposals first
                taken = 0
                while taken < n and _bed_take(facility_id=facility.pk, kind=kind):
                    taken += 1
            for r in group[:taken]:
                won.add(r.pk)
                accepted.append(r.pk)
            gone = _("No free bed of this kind is left at %(facility)s.") % {"facility": facility.name}
            lost += [(r.pk, gone) for r in group[taken:]]
        at = now()
        for r in rows:
            if r.pk not in won:
                continue
            r.status, r.holds_bed, r.decided_by, r.decided_at = RoutingStatus.ACCEPTED, False, actor, at
            r.save(update_fields=["status", "holds_bed", "decided_by", "decided_at"])
            patient = r.patient
            if patient.status == S.ADMITTED and patient.facility_id:  # a transfer: the old bed is left now
                _bed_free(facility_id=patient.facility_id, kind=patient.bed_kind or r.bed_kind)
                patient_transition(patient=patient, to=S.TRANSFERRED, actor=actor, facility=facility)
            audit_record(
                actor=actor,
                action="care.routing.accept",
                target=patient,
                detail={"facility": facility.pk, "override": False, "bulk": True},
            )
    return BulkAccepted(sorted(accepted), lost)


def patient_admit(*, patient: Patient, actor: User) -> Patient:
    """The patient arrived at the facility whose bed was reserved for them: the bed becomes occupied."""
    check_capability(actor, permissions.COORDINATE)
    r = (
        Routing.objects.filter(patient=patient, status=RoutingStatus.ACCEPTED)
        .order_by("-decided_at", "-id")
        .select_related("facility")
        .first()
    )
    if r is None or r.facility is None:
        raise Conflict(_("No accepted routing to admit this patient on."), code="no_routing")
    selectors.facility_get_visible(user=actor, facility_id=r.facility.pk)
    with transaction.atomic():
        if not _bed_arrive(facility_id=r.facility.pk, kind=r.bed_kind):
            raise Conflict(_("No reserved bed to admit on."), code="no_bed")
        patient = patient_transition(patient=patient, to=S.ADMITTED, actor=actor, facility=r.facility)
        Patient.objects.filter(pk=patient.pk).update(
            bed_kind=r.bed_kind, setting=SETTING_OF_TIER[r.facility.tier]
        )
    patient.refresh_from_db()
    return patient


def patient_discharge(*, patient: Patient, actor: User, to: str, note: str = "") -> Patient:
    """The patient leaves their bed: recovered, deceased, or to be cared for at home."""
    check_capability(actor, permissions.COORDINATE)
    if to not in (S.RECOVERED, S.DECEASED, S.AT_HOME):
        raise Invalid(_("Unknown status."), field="status")
    if patient.facility_id:
        selectors.facility_get_visible(user=actor, facility_id=patient.facility_id)
    with transaction.atomic():
        if patient.status == S.ADMITTED and patient.facility_id:
            transition_check(
                TRANSITIONS,
                states=PatientStatus,
                current=patient.status,
                to=to,
                refused=_(REFUSED),
                code="bad_move",
            )
            _bed_free(facility_id=patient.facility_id, kind=patient.bed_kind or BedKind.NORMAL)
        patient = patient_transition(patient=patient, to=to, actor=actor, note=note)
        if to == S.RECOVERED:
            Patient.objects.filter(pk=patient.pk).update(released_on=local_today(), release_code=uuid.uuid4())
    patient.refresh_from_db()
    return patient


# --- home monitoring -----------------------------------------------------------------------------------

SEVERITY_NUMBER = {level: i for i, level in enumerate(severity.LEVELS)}


def report_record(
    *,
    patient: Patient,
    slot: str,
    respiratory_rate=None,
    pulse=None,
    temperature=None,
    spo2=None,
    signs=(),
    actor: User | None = None,
    by_team: bool = False,
    day: date | None = None,
) -> Report:
    """A twice-daily self-report of an F0 at home (the citizen's own, behind the identity proof, or entered
    by the commune team: `by_team` with the officer as actor). A warning sign or a low SpO2 escalates at
    once: a routing is proposed, `care_warning` is emitted (the hotline files an urgent request) and the
    commune officers are told. One report per slot: a second one for the same slot replaces it."""
    if by_team:
        if actor is None:
            raise Forbidden(_("You may not change this patient's care."))
        _check_patient(actor, patient)
    if patient.status not in (S.AT_HOME, S.CONFIRMED):
        raise Conflict(_("Self-reports are for F0s cared for at home."), code="not_at_home")
    if slot not in Slot.values:
        raise Invalid(_("Choose morning or evening."), field="slot")
    values = {
        "respiratory_rate": _clean_int(respiratory_rate, field="respiratory_rate", low=0, high=80),
        "pulse": _clean_int(pulse, field="pulse", low=20, high=250),
        "spo2": _clean_int(spo2, field="spo2", low=30, high=100),
    }
    temp = None
    if temperature not in (None, ""):
        try:
            temp = round(float(str(temperature).replace(",", ".")), 1)
        except ValueError:
            raise Invalid(_("Give the temperature in °C, e.g. 37.5."), field="temperature") from None
        if not 30 <= temp <= 45:
            raise Invalid(_("Give the temperature in °C, e.g. 37.5."), field="temperature")
    codes = _clean_signs(signs)
    vitals = severity.Vitals(
        respiratory_rate=values["respiratory_rate"], spo2=values["spo2"], signs=frozenset(codes)
    )
    warning = severity.is_warning(vitals)
    with transaction.atomic():
        report, _created = Report.objects.update_or_create(
            patient=patient,
            day=day or local_today(),
            slot=slot,
            defaults={
                **values,
                "temperature": temp,
                "signs": codes,
                "warning": warning,
                "by_team": by_team,
                "entered_by": actor if by_team else None,
            },
        )
        if warning:
            _escalate(patient=patient, vitals=vitals, actor=actor if by_team else None)
    return report


def _escalate(*, patient: Patient, vitals: severity.Vitals, actor: User | None) -> None:
    assessment = severity.classify(vitals)
    with transaction.atomic():
        p = Patient.objects.select_for_update().get(pk=patient.pk)
        if severity.RANK[assessment.level] > severity.RANK[p.severity]:
            p.severity = assessment.level
        p.respiratory_rate, p.spo2 = vitals.respiratory_rate, vitals.spo2
        p.signs = sorted(vitals.signs)
        p.save(update_fields=["severity", "respiratory_rate", "spo2", "signs"])
    reason = _warning_text(vitals)
    try:
        routing_propose(patient=p, actor=actor, reason=reason)
    except (Invalid, Conflict):
        pass  # no location known: the hotline request and the officers still get the alert
    events.emit(
        CARE_WARNING,
        person_id=p.person_id,
        case_id=p.case_id,
        reason=reason,
        severity=SEVERITY_NUMBER[p.severity],
    )
    message_send_to_officers(
        commune_id=p.commune_id,
        template="care_warning",
        context={"patient": p, "reason": reason, "base_url": settings.PUBLIC_BASE_URL},
        related=p,
    )


def _warning_text(vitals: severity.Vitals) -> str:
    """The alert in the site's language (the team reads it), whatever the reporter's language."""
    with translation.override(settings.LANGUAGE_CODE):
        parts = []
        if vitals.spo2 is not None:
            parts.append(_("SpO2 %(spo2)s%%") % {"spo2": vitals.spo2})
        if vitals.respiratory_rate is not None:
            parts.append(_("respiratory rate %(rr)s per minute") % {"rr": vitals.respiratory_rate})
        parts += [_(severity.SIGNS[c][1]) for c in sorted(vitals.signs & severity.WARNING_SIGNS)]
        return _("Warning at home: %(what)s.") % {"what": ", ".join(parts)}


def slot_of(moment: datetime) -> tuple[date, str]:
    """The report slot a moment falls in, Vietnam time: morning until 14:00, evening after."""
    at = local(moment)
    return at.date(), (Slot.MORNING if at.hour < MORNING_ENDS.hour else Slot.EVENING)


MORNING_ENDS, EVENING_ENDS = time(14, 0), time(23, 0)  # a slot is missed once its end passed, Vietnam time


def reports_flag_missed(*, at: datetime | None = None) -> int:
    """Flag, once, each slot of yesterday and today that ended without a report from an F0 who was at
    home before it ended, and emit `care_report_missed` for it; how many were flagged."""
    at = local(at or now())
    flagged = 0
    for back in (1, 0):
        d = at.date() - timedelta(days=back)
        for slot, end in ((Slot.MORNING, MORNING_ENDS), (Slot.EVENING, EVENING_ENDS)):
            ends_at = datetime.combine(d, end, tzinfo=VN_TZ)
            if at < ends_at:
                continue
            due = (
                Patient.objects.filter(
                    status=S.AT_HOME, history__to_status=S.AT_HOME, history__at__lt=ends_at
                )
                .exclude(reports__day=d, reports__slot=slot)
                .exclude(missed__day=d, missed__slot=slot)
                .distinct()
            )
            for p in due:
                try:
                    with transaction.atomic():
                        MissedReport.objects.create(patient=p, day=d, slot=slot)
                        events.emit(
                            CARE_REPORT_MISSED,
                            person_id=p.person_id,
                            case_id=p.case_id,
                            slot=f"{d.isoformat()} {slot}",
                        )
                except IntegrityError:
                    continue  # flagged by a sweep running at the same moment
                flagged += 1
    return flagged


# --- release from isolation ----------------------------------------------------------------------------


def patient_test_negative(*, patient: Patient, actor: User, on: date) -> Patient:
    """Record a negative antigen test (its day counts for release)."""
    _check_patient(actor, patient)
    if on > local_today() or on < patient.case.confirmed_on:
        raise Invalid(_("The test day must be between the confirmation and today."), field="on")
    Patient.objects.filter(pk=patient.pk).update(negative_test_on=on)
    patient.refresh_from_db()
    return patient


def patient_release(*, patient: Patient, actor: User) -> Patient:
    """Release an F0 from isolation when the policy in force allows it (the day and the test it needs);
    the release paper can then be printed."""
    _check_patient(actor, patient)
    info = selectors.release_info(patient=patient)
    if info.day is None or info.day > local_today():
        raise Conflict(
            _(
                "Not yet: the policy allows release from %(day)s with a negative antigen test taken that day or later."
            )
            % {"day": info.earliest.strftime("%d/%m/%Y")},
            code="too_early",
        )
    if patient.status == S.ADMITTED:
        return patient_discharge(patient=patient, actor=actor, to=S.RECOVERED, note=info.policy)
    patient = patient_transition(patient=patient, to=S.RECOVERED, actor=actor, note=info.policy)
    Patient.objects.filter(pk=patient.pk).update(released_on=local_today(), release_code=uuid.uuid4())
    patient.refresh_from_db()
    return patient
