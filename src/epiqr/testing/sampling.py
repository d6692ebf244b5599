"""Sampling: sites, sessions, tubes and the people swabbed into them, at a station or through the API.

Tube status is a state machine (`TRANSITIONS`) with one guard, `tube_transition`, that stamps the move and
writes its history.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.core.errors import Conflict, Invalid, ServiceError
from epiqr.core.services import audit_record
from epiqr.core.states import transition_check
from epiqr.core.timeutil import local, local_today, now
from epiqr.geo.models import Commune
from epiqr.people.services import person_from_scan

from .models import SamplingSession, SamplingSite, TestKind, Tube, TubeEvent, TubeMember, TubeStatus

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


def staff_of(actor: User | None) -> User | None:
    """The acting staff user to store on a row, or None (an anonymous or system actor)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def tube_transition(*, tube: Tube, to: str, actor: User | None = None, at: datetime | None = None) -> Tube:
    """The one guard for tube status: refuses a move TRANSITIONS does not list, stamps it, writes history."""
    transition_check(
        TRANSITIONS,
        states=TubeStatus,
        current=tube.status,
        to=to,
        refused=_("Tube %(barcode)s cannot go from “%(from)s” to “%(to)s”."),
        code="tube_status",
        barcode=tube.barcode,
    )
    at = at or now()
    previous = tube.status
    tube.status = to
    setattr(tube, _STAMP[to], at)
    tube.save(update_fields=["status", _STAMP[to]])
    TubeEvent.objects.create(tube=tube, from_status=previous, to_status=to, at=at, actor=staff_of(actor))
    return tube


def site_create(*, name: str, commune_id: int, address: str = "", actor: User | None = None) -> SamplingSite:
    """Register a sampling site in a commune."""
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
    actor: User | None = None,
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
        created_by=staff_of(actor),
    )
    audit_record(actor=actor, action="testing.session_create", target=session)
    return session


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


def tube_open(*, session: SamplingSession, barcode: str, actor: User | None = None) -> Tube:
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
                barcode=barcode, session=session, opened_at=at, opened_by=staff_of(actor)
            )
    except IntegrityError as exc:  # scanned at the same moment on another station
        raise Conflict(
            _("Tube %(barcode)s has already been used. Take a new tube.") % {"barcode": barcode},
            code="tube_used",
            field="barcode",
        ) from exc
    TubeEvent.objects.create(
        tube=tube, from_status="", to_status=TubeStatus.OPEN, at=at, actor=staff_of(actor)
    )
    return tube


def person_from_payload(*, payload: str, actor: User | None = None):
    """The person a scanned payload names (created from a CCCD/BHYT on first sight), or Invalid."""
    return person_from_scan(payload=payload, actor=actor).person


@transaction.atomic
def tube_member_add(*, tube: Tube, person, actor: User | None = None, repeat_ok: bool = False) -> TubeMember:
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
def tube_member_add_scanned(
    *, tube: Tube, payload: str, actor: User | None = None, repeat_ok: bool = False
) -> TubeMember:
    """A scanned person into an open tube; a refused addition (tube closed or full, person already in an
    open tube or already swabbed without `repeat_ok`) leaves no trace, not even the person registered from
    a new card."""
    return tube_member_add(
        tube=tube, person=person_from_payload(payload=payload, actor=actor), actor=actor, repeat_ok=repeat_ok
    )


def tube_close(*, tube: Tube, actor: User | None = None) -> Tube:
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
    *,
    session: SamplingSession,
    barcode: str,
    payloads: list[str],
    close: bool = True,
    actor: User | None = None,
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


def station_open_tube(*, session: SamplingSession, actor: User | None) -> Tube | None:
    """The tube this technician is filling in this session, if any."""
    return (
        Tube.objects.filter(session=session, status=TubeStatus.OPEN, opened_by=staff_of(actor))
        .order_by("-opened_at")
        .first()
    )


def station_done(*, session: SamplingSession, actor: User | None) -> Tube | None:
    """Done (XONG): close the technician's open tube (an empty one is discarded)."""
    tube = station_open_tube(session=session, actor=actor)
    if tube is None:
        return None
    if tube_discard_if_empty(tube=tube):
        return None
    return tube_close(tube=tube, actor=actor)


@transaction.atomic
def station_scan(
    *, session: SamplingSession, payload: str, actor: User | None, repeat_ok: bool = False
) -> StationStep:
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
