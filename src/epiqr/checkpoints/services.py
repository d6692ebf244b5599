"""Writes of the checkpoints domain: permit applications and decisions, revocation, passages."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from epiqr.accounts.models import OrgKind, User
from epiqr.core import events
from epiqr.core.errors import Forbidden, Invalid, NotFound
from epiqr.core.idempotency import scoped_uuid, sender_of
from epiqr.core.imports import ImportReport
from epiqr.core.input_guard import int_or_none
from epiqr.core.permissions import check_capability, has_capability
from epiqr.core.progress import Progress
from epiqr.core.services import audit_record
from epiqr.core.states import transition_check
from epiqr.core.timeutil import aware, local_today, now
from epiqr.notify.services import message_send_template

from . import keys, permissions, permit_code
from .applications import AreaResolver, application_clean, ascii_name, plate_clean
from .events import PASSAGE_RED, PERMIT_REVOKED
from .models import (
    Checkpoint,
    Direction,
    Organisation,
    Outcome,
    Passage,
    PassageSource,
    Permit,
    PermitHistory,
    PermitStatus,
)
from .selectors import checkpoint_list_for_officer, permit_link, permit_list_decidable_by

# The permit's life as data: the statuses each status may move to (the guard `_move` enforces it).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    PermitStatus.APPLIED: (PermitStatus.APPROVED, PermitStatus.REFUSED),
    PermitStatus.APPROVED: (PermitStatus.REVOKED,),
    PermitStatus.REFUSED: (),
    PermitStatus.REVOKED: (),
}
MAX_DECIDE = 500  # permits decided in one click
MAX_IMPORT_ROWS = 5000
REASON_MAX = 300


def _move(permit: Permit, to: str, *, actor: User | None, reason: str = "") -> None:
    """The one guard of a permit's status: refuses a move TRANSITIONS does not list, writes history."""
    transition_check(
        TRANSITIONS,
        states=PermitStatus,
        current=permit.status,
        to=to,
        refused=_("A permit that is %(from)s cannot become %(to)s."),
        code="bad_transition",
    )
    PermitHistory.objects.create(
        permit=permit,
        from_status=permit.status,
        to_status=to,
        by=actor if actor and actor.pk else None,
        reason=reason,
    )
    permit.status = to


# --- organisations ---------------------------------------------------------------------------------


def organisation_register(
    *, name: str, tax_code: str, commune_id: int, address: str = "", phone: str = ""
) -> Organisation:
    """An organisation that may apply for permits (registered by an officer or an administrator)."""
    tax = "".join(ch for ch in (tax_code or "") if ch.isdigit() or ch == "-")
    if not (10 <= len(tax.replace("-", "")) <= 13):
        raise Invalid(_("A tax code has 10 or 13 digits."), field="tax_code")
    if Organisation.objects.filter(tax_code=tax).exists():
        raise Invalid(_("An organisation with this tax code is registered already."), field="tax_code")
    return Organisation.objects.create(
        name=(name or "").strip()[:200],
        tax_code=tax,
        commune_id=commune_id,
        address=address[:255],
        phone=phone[:16],
    )


def organisation_of(user) -> Organisation:
    """The organisation an `organisation` account applies for (its scope)."""
    if user.org_kind != OrgKind.ORGANISATION or not user.org_id:
        raise Forbidden(_("This account is not linked to an organisation."), code="no_organisation")
    org = Organisation.objects.filter(pk=user.org_id).select_related("commune").first()
    if org is None:
        raise Forbidden(_("This account is not linked to an organisation."), code="no_organisation")
    return org


# --- applications ----------------------------------------------------------------------------------


def _overlapping(org: Organisation, holder_ids: Iterable[str]):
    return Permit.objects.filter(
        organisation=org,
        holder_id_number__in=list(holder_ids),
        status__in=(PermitStatus.APPLIED, PermitStatus.APPROVED),
    ).values_list("holder_id_number", "valid_from", "valid_until", "id")


def permit_apply(*, actor: User, data: dict) -> Permit:
    """One application typed in the form; Invalid with every problem when it cannot be stored."""
    check_capability(actor, permissions.PERMIT_APPLY)
    org = organisation_of(actor)
    app, errors = application_clean(data, today=local_today(), areas=AreaResolver())
    if not errors:
        for _holder, start, end, pk in _overlapping(org, [app.holder_id_number]):
            if start <= app.valid_until and app.valid_from <= end:
                errors.append(_("This person already has permit No. %(n)s for these days.") % {"n": pk})
    if errors:
        raise Invalid(" ".join(errors), code="bad_application")
    permit = Permit.objects.create(
        organisation=org, commune_id=org.commune_id, applied_by=actor, **app.fields()
    )
    audit_record(actor=actor, action="checkpoints.permit_apply", target=permit)
    return permit


@dataclass
class PermitsImportReport(ImportReport):
    """The shared import report, plus each application stored: (sheet line, holder's name, permit id)."""

    applied: list[tuple[int, str, int]] = field(default_factory=list)


def permits_import(*, actor: User, rows: list[dict], progress: Progress | None = None) -> PermitsImportReport:
    """The staff list of an organisation, one application per row. Each row is judged alone: the good
    ones are stored, the others reported with every reason (fix them and upload those rows again; a row
    already applied for is refused as such, so uploading the whole file again stores nothing twice)."""
    check_capability(actor, permissions.PERMIT_APPLY)
    org = organisation_of(actor)
    progress = progress or Progress()
    report = PermitsImportReport(progress=progress)
    if not rows:
        report.refuse_file(_("The file has no rows of staff."))
        return report
    if len(rows) > MAX_IMPORT_ROWS:
        report.refuse_file(
            _("Too many rows (%(n)d); import at most %(max)d at a time.")
            % {"n": len(rows), "max": MAX_IMPORT_ROWS}
        )
        return report
    report.read = len(rows)
    progress.start(total=len(rows), stage=_("Checking rows"))
    areas, today = AreaResolver(), local_today()
    cleaned = []
    for index, raw in enumerate(rows, start=2):
        app, errors = application_clean(raw, today=today, areas=areas)
        cleaned.append((int(raw.get("_row") or index), app, errors))
        progress.advance()
    # What each person already has for which days: permits stored before, then the rows above in this file.
    taken: dict[str, list[tuple]] = {}
    for holder, start, end, pk in _overlapping(
        org, {a.holder_id_number for _line, a, _errors in cleaned if a.holder_id_number}
    ):
        taken.setdefault(holder, []).append((start, end, _("permit No. %(n)s") % {"n": pk}))
    to_store = []
    for line, app, errors in cleaned:
        if not errors:
            for start, end, what in taken.get(app.holder_id_number, []):
                if start <= app.valid_until and app.valid_from <= end:
                    errors.append(_("This person already has %(what)s for these days.") % {"what": what})
                    break
        if errors:
            report.refuse(line=line, reason=" ".join(errors), key=app.holder_name or app.holder_id_number)
            continue
        taken.setdefault(app.holder_id_number, []).append(
            (app.valid_from, app.valid_until, _("row %(n)s of this file") % {"n": line})
        )
        to_store.append((line, app))
    progress.stage(_("Storing"))
    with transaction.atomic():
        for line, app in to_store:
            permit = Permit.objects.create(
                organisation=org, commune_id=org.commune_id, applied_by=actor, **app.fields()
            )
            report.applied.append((line, app.holder_name, permit.pk))
        report.stored = len(report.applied)
        audit_record(
            actor=actor,
            action="checkpoints.permits_import",
            target=org,
            row_count=len(to_store),
            detail={"refused": len(report.refused)},
        )
    return report


# --- decisions -------------------------------------------------------------------------------------


@dataclass
class DecisionReport:
    done: list[Permit] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    notified: int = 0


def permit_claim(permit: Permit) -> permit_code.PermitClaim:
    return permit_code.PermitClaim(
        serial=permit.pk,
        holder_id=permit.holder_id_number,
        holder_name=ascii_name(permit.holder_name),
        purpose=permit.purpose,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
        weekdays=permit.weekdays,
        start_minute=permit.start_minute,
        end_minute=permit.end_minute,
        provinces=tuple(permit.area_provinces),
        communes=tuple(permit.area_communes),
        plate=permit.plate,
    )


def permits_decide(*, actor: User, permit_ids: list[int], approve: bool, reason: str = "") -> DecisionReport:
    """Approve (sign each permit and tell its holder) or refuse (with a reason, told too) the chosen
    applications of organisations in the officer's jurisdiction. A permit that is not awaiting a decision
    or not in the jurisdiction is skipped with the reason; the others are decided together."""
    check_capability(actor, permissions.PERMIT_DECIDE)
    reason = (reason or "").strip()[:REASON_MAX]
    if not approve and not reason:
        raise Invalid(
            _("Give the reason for refusing: the organisation and the person will read it."), field="reason"
        )
    ids = sorted({int(i) for i in permit_ids if isinstance(i, int) and 0 < i < 2**63})
    if not ids:
        raise Invalid(_("Choose at least one application."), field="permits")
    if len(ids) > MAX_DECIDE:
        raise Invalid(_("Decide at most %(n)s applications at a time.") % {"n": MAX_DECIDE}, field="permits")
    report = DecisionReport()
    with transaction.atomic():
        found = {
            p.pk: p
            for p in permit_list_decidable_by(user=actor).filter(pk__in=ids).select_for_update(of=("self",))
        }
        kid, sign = keys.permit_signer() if approve else (b"", None)
        decided_at = now()
        for pk in ids:
            permit = found.get(pk)
            if permit is None:
                report.skipped.append((pk, _("not found in your jurisdiction")))
                continue
            if permit.status != PermitStatus.APPLIED:
                report.skipped.append((pk, permit.get_status_display()))
                continue
            _move(
                permit, PermitStatus.APPROVED if approve else PermitStatus.REFUSED, actor=actor, reason=reason
            )
            permit.decided_by, permit.decided_at = actor, decided_at
            if approve:
                permit.payload = permit_code.encode(permit_claim(permit), kid=kid, sign=sign)
                permit.kid = keys.keyring.b64(kid)
            else:
                permit.reason = reason
            permit.save(update_fields=["status", "decided_by", "decided_at", "payload", "kid", "reason"])
            report.done.append(permit)
        audit_record(
            actor=actor,
            action="checkpoints.permits_approve" if approve else "checkpoints.permits_refuse",
            row_count=len(report.done),
            reason=reason,
            detail={"permits": [p.pk for p in report.done][:1000]},
        )
        done = list(report.done)
        transaction.on_commit(lambda: _tell_holders(done, approved=approve), robust=True)
    report.notified = sum(1 for p in report.done if p.holder_phone or p.holder_email)
    return report


def _tell_holders(permits: list[Permit], *, approved: bool) -> None:

    for permit in permits:
        channel, recipient = (
            ("sms", permit.holder_phone) if permit.holder_phone else ("email", permit.holder_email)
        )
        if not recipient:
            continue
        message_send_template(
            channel=channel,
            recipient=recipient,
            template="permit_approved" if approved else "permit_refused",
            context={"permit": permit, "link": permit_link(permit=permit) if approved else ""},
            related=permit,
        )


def permit_revoke(*, actor: User, permit_id: int, reason: str) -> Permit:
    """Revoke an approved permit: published at once in the revocation list (checkpoints refuse it when
    their cached list next refreshes, online checks at once), the holder told."""
    check_capability(actor, permissions.PERMIT_DECIDE)
    reason = (reason or "").strip()[:REASON_MAX]
    if not reason:
        raise Invalid(_("Give the reason for revoking."), field="reason")
    with transaction.atomic():
        permit = (
            permit_list_decidable_by(user=actor).select_for_update(of=("self",)).filter(pk=permit_id).first()
        )
        if permit is None:
            raise NotFound(_("No such permit in your jurisdiction."))
        _move(permit, PermitStatus.REVOKED, actor=actor, reason=reason)
        permit.reason, permit.revoked_at = reason, now()
        permit.save(update_fields=["status", "reason", "revoked_at"])
        keys.revocation_publish(serial=permit.pk, actor=actor, reason=reason)
        audit_record(actor=actor, action="checkpoints.permit_revoke", target=permit, reason=reason)
        events.emit(PERMIT_REVOKED, permit_id=permit.pk, reason=reason, actor_id=actor.pk)
        transaction.on_commit(lambda: _tell_revoked(permit), robust=True)
    return permit


def _tell_revoked(permit: Permit) -> None:
    channel, recipient = (
        ("sms", permit.holder_phone) if permit.holder_phone else ("email", permit.holder_email)
    )
    if recipient:
        message_send_template(
            channel=channel,
            recipient=recipient,
            template="permit_revoked",
            context={"permit": permit},
            related=permit,
        )


# --- passages --------------------------------------------------------------------------------------

CLOCK_SKEW = timedelta(minutes=10)
MAX_AGE = timedelta(days=7)  # a phone offline longer than a week syncs what it has; older entries are refused
MAX_SYNC_ITEMS = 1000


@dataclass
class SyncItem:
    index: int
    client_id: str
    status: str = "rejected"  # stored, duplicate, rejected
    reason: str = ""
    code: str = ""
    passage_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "client_id": self.client_id,
            "status": self.status,
            "reason": self.reason or None,
            "code": self.code or None,
            "passage_id": self.passage_id,
        }


def _text(value, limit: int) -> str:
    return str(value or "").strip()[:limit] if isinstance(value, str | int) else ""


def _passage_fields(item: dict, *, checkpoints: dict[str, Checkpoint], current: datetime) -> dict:
    if not isinstance(item, dict):
        raise Invalid(_("Each item must be an object."), code="bad_item")
    code = _text(item.get("checkpoint"), 32)
    checkpoint = checkpoints.get(code)
    if checkpoint is None:
        raise Forbidden(
            _("You are not an officer of checkpoint %(c)s.") % {"c": code or "?"}, code="not_your_checkpoint"
        )
    try:
        at = datetime.fromisoformat(_text(item.get("at"), 40))
    except ValueError as exc:
        raise Invalid(_("The time cannot be read."), code="bad_time") from exc
    if at.tzinfo is None:
        at = aware(at)
    if not current - MAX_AGE <= at <= current + CLOCK_SKEW:
        raise Invalid(_("The time is more than a week old or in the future."), code="bad_time")
    outcome = _text(item.get("outcome"), 10)
    if outcome not in Outcome.values:
        raise Invalid(_("The outcome must be valid or not_valid."), code="bad_outcome")
    direction = _text(item.get("direction"), 3)
    if direction and direction not in Direction.values:
        raise Invalid(_("The direction must be in or out."), code="bad_direction")
    reasons = item.get("reasons") or []
    if (
        not isinstance(reasons, list)
        or len(reasons) > 12
        or not all(isinstance(r, str) and len(r) <= 32 for r in reasons)
    ):
        raise Invalid(_("The reasons must be a short list of codes."), code="bad_reasons")
    serial = item.get("permit")
    serial = int_or_none(serial) if serial not in (None, "") else None
    if serial is not None and not 0 < serial < 2**53:
        raise Invalid(_("The permit number cannot be right."), code="bad_permit")
    plate, problem = _plate(item.get("plate"))
    if problem:
        raise Invalid(problem, code="bad_plate")
    holder = _text(item.get("holder_id"), 20)
    if holder and not (holder.isascii() and holder.isalnum()):
        raise Invalid(_("The ID number cannot be right."), code="bad_holder")
    return {
        "checkpoint": checkpoint,
        "at": at,
        "outcome": outcome,
        "direction": direction,
        "reasons": sorted(set(reasons)),
        "permit_serial": serial,
        "plate": plate,
        "holder_id_number": holder.upper(),
        "holder_name": _text(item.get("holder_name"), 120),
        "alert": bool(item.get("alert") is True),
    }


def _plate(value) -> tuple[str, str | None]:
    return plate_clean(value if isinstance(value, str) else "")


def passages_sync(*, actor: User, items: list) -> list[SyncItem]:
    """Store the passages an officer's phone logged (maybe offline), each exactly once: the same
    client_id from the same account again is "duplicate" (already stored), with other content it is
    rejected (client_id_reused); another account's ids are its own. One bad item never fails the rest."""
    check_capability(actor, permissions.VERIFY)
    if not isinstance(items, list):
        raise Invalid(_("items must be a list."), code="bad_items", field="items")
    if len(items) > MAX_SYNC_ITEMS:
        raise Invalid(
            _("At most %(n)s passages per upload.") % {"n": MAX_SYNC_ITEMS},
            code="batch_too_large",
            field="items",
        )
    checkpoints = {c.code: c for c in checkpoint_list_for_officer(user=actor)}
    sender, current = sender_of(actor), now()
    out: list[SyncItem] = []
    for index, item in enumerate(items):
        raw_id = str(item.get("client_id", ""))[:64] if isinstance(item, dict) else ""
        result = SyncItem(index, raw_id)
        out.append(result)
        try:
            client_id = uuid.UUID(raw_id)
        except ValueError:
            result.reason, result.code = _("client_id must be a UUID."), "bad_client_id"
            continue
        try:
            fields = _passage_fields(item, checkpoints=checkpoints, current=current)
        except (Invalid, Forbidden) as exc:
            result.reason, result.code = exc.message, exc.code
            continue
        key = scoped_uuid(sender=sender, client_id=client_id)
        existing = Passage.objects.filter(client_key=key).first()
        if existing is None:
            try:
                with transaction.atomic():
                    existing = Passage.objects.create(
                        officer=actor, source=PassageSource.PHONE, client_key=key, **fields
                    )
                result.status, result.passage_id = "stored", existing.pk
                if existing.alert:
                    _red(existing)
                continue
            except IntegrityError:
                existing = Passage.objects.filter(client_key=key).first()
        same = existing is not None and (
            existing.checkpoint_id == fields["checkpoint"].pk
            and existing.at == fields["at"]
            and existing.outcome == fields["outcome"]
            and existing.permit_serial == fields["permit_serial"]
        )
        if same:
            result.status, result.code, result.passage_id = "duplicate", "already_stored", existing.pk
            result.reason = _("This passage was already uploaded.")
        else:
            result.code = "client_id_reused"
            result.reason = _(
                "This client_id was already used for another passage: give each passage its own id."
            )
    stored = sum(1 for r in out if r.status == "stored")
    if stored:
        audit_record(actor=actor, action="checkpoints.passages_sync", row_count=stored)
    return out


def _red(passage: Passage) -> None:
    events.emit(
        PASSAGE_RED, passage_id=passage.pk, checkpoint_id=passage.checkpoint_id, reasons=list(passage.reasons)
    )


def passage_record_camera(
    *, checkpoint: Checkpoint, camera_code: str, at: datetime, verdict: dict
) -> Passage:
    """A passage read by a checkpoint camera (cameras domain): `verdict` as selectors.scan_verify gives it."""
    passage = Passage.objects.create(
        checkpoint=checkpoint,
        at=at,
        outcome=Outcome.VALID if verdict["valid"] else Outcome.NOT_VALID,
        reasons=verdict["reasons"],
        permit_serial=verdict.get("permit"),
        holder_id_number=verdict.get("holder_id", "")[:20],
        holder_name=verdict.get("holder_name", "")[:120],
        plate=verdict.get("plate", "")[:12],
        alert=bool(verdict.get("alert")),
        source=PassageSource.CAMERA,
        source_ref=camera_code[:32],
    )
    if passage.alert:
        _red(passage)
    return passage


def checkpoint_may_work(*, user, checkpoint: Checkpoint) -> bool:
    return has_capability(user, permissions.VERIFY) and checkpoint.officers.filter(pk=user.pk).exists()
