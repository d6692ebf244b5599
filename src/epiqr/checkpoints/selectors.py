"""Reads of the checkpoints domain, narrowed to the reader's scope.

- An organisation's account sees its organisation's permits.
- Commune and province officers see (and decide) the permits of organisations of their jurisdiction,
  and its checkpoints with their passages.
- A checkpoint officer works at the checkpoints they are assigned to, and sees their passages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.models import OrgKind
from epiqr.accounts.selectors import jurisdiction_filter
from epiqr.core import audit, keyring, signing
from epiqr.core.errors import Invalid, NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort, day_from, day_until
from epiqr.core.permissions import Role, has_capability
from epiqr.core.text import fold
from epiqr.core.timeutil import local, now, start_of_local_day
from epiqr.people.parsers import parse_payload
from epiqr.people.personal_qr import personal_qr_read
from epiqr.people.selectors import person_ids_by_id_numbers

from . import keys, permissions
from .models import Checkpoint, Outcome, Passage, Permit, PermitStatus, Purpose
from .registry import RegistryUnavailable, registry
from .rules import Place, Reason, permit_verify

LINK_PURPOSE = "permit-link"


# --- permits -----------------------------------------------------------------------------------------


def permit_list_visible_to(*, user) -> QuerySet[Permit]:
    """Permits the user may see: their organisation's, or their jurisdiction's for officers."""
    qs = Permit.objects.select_related("organisation", "commune")
    if has_capability(user, permissions.PERMIT_DECIDE):
        return jurisdiction_filter(qs, user=user, commune_path="commune")
    if has_capability(user, permissions.PERMIT_APPLY) and user.org_id:
        if user.org_kind == OrgKind.ORGANISATION:
            return qs.filter(organisation_id=user.org_id)
    return qs.none()


def permit_list_decidable_by(*, user) -> QuerySet[Permit]:
    if not has_capability(user, permissions.PERMIT_DECIDE):
        return Permit.objects.none()
    return jurisdiction_filter(
        Permit.objects.select_related("organisation"), user=user, commune_path="commune"
    )


def permit_get_visible(*, user, permit_id: int) -> Permit:
    permit = permit_list_visible_to(user=user).filter(pk=permit_id).first()
    if permit is None:
        raise NotFound(_("No such permit among those you may see."))
    return permit


def _permit_search(qs: QuerySet[Permit], text: str) -> QuerySet[Permit]:
    text = text.strip()
    if text.isdigit() and len(text) < 9:
        return qs.filter(pk=int(text))
    if text.replace(" ", "").isalnum() and any(c.isdigit() for c in text):
        return qs.filter(holder_id_number=text.replace(" ", "").upper())
    for word in fold(text).split():
        qs = qs.filter(Q(holder_name__icontains=word) | Q(organisation__name__icontains=word))
    return qs


PERMITS = ListSpec(
    name="permits",
    filters=(
        Filter("q", gettext_lazy("Number, ID number or name"), kind=FilterKind.TEXT, apply=_permit_search,
               prominent=True, placeholder=gettext_lazy("e.g. 1024 or 001087012345")),
        Filter("status", gettext_lazy("Status"), choices=PermitStatus.choices),
        Filter("purpose", gettext_lazy("Purpose"), choices=Purpose.choices, api_type=int),
        day_from("since", gettext_lazy("Applied from"), "applied_at"),
        day_until("until", gettext_lazy("Applied until"), "applied_at"),
    ),
    sorts=(
        Sort("applied", gettext_lazy("Applied"), ("applied_at", "id")),
        Sort("number", gettext_lazy("Number"), ("id",)),
    ),
    default_sort="-applied",
    model=Permit,
    index_prefixes=((), ("organisation",), ("commune",)),
)  # fmt: skip


def permit_link(*, permit: Permit) -> str:
    """The address a holder opens to show their permit (sent to their phone or email on approval):
    signed, so it cannot be guessed from a permit number."""
    from django.urls import reverse

    token = signing.sign(LINK_PURPOSE, signing.encode_ints(permit.pk))
    return settings.PUBLIC_BASE_URL + reverse("checkpoints:holder_permit", kwargs={"token": token})


def permit_from_link(*, token: str) -> Permit:
    """The approved or revoked permit a holder's link names; NotFound for anything else."""
    try:
        (pk,) = signing.decode_ints(signing.unsign(LINK_PURPOSE, token or ""), 1)
    except (signing.BadSignature, ValueError) as exc:
        raise NotFound(_("This permit link is not valid.")) from exc
    permit = (
        Permit.objects.select_related("organisation")
        .filter(pk=pk, status__in=(PermitStatus.APPROVED, PermitStatus.REVOKED))
        .first()
    )
    if permit is None:
        raise NotFound(_("This permit link is not valid."))
    return permit


def permit_counts(*, qs: QuerySet[Permit]) -> dict[str, int]:
    rows = qs.order_by().values("status").annotate(n=Count("id"))
    counts = {s: 0 for s in PermitStatus.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


# --- verification material ---------------------------------------------------------------------------


def verification_material(*, base_url: str = "") -> dict:
    """What a checkpoint phone caches to verify offline: the trust list and the revocation list of
    purpose "permit" (the same JSON the public addresses serve), the area names, the reasons' words."""
    return {
        "trust": keyring.trust_list(keys.PURPOSE, base_url=base_url),
        "revocations": keyring.revocation_list(keys.PURPOSE),
        "fetched_at": now().isoformat(),
    }


# --- checkpoints and passages ------------------------------------------------------------------------


def checkpoint_list_for_officer(*, user) -> QuerySet[Checkpoint]:
    """The active checkpoints this checkpoint officer is assigned to."""
    if not has_capability(user, permissions.VERIFY):
        return Checkpoint.objects.none()
    return Checkpoint.objects.filter(officers=user, active=True).select_related("commune__province")


def checkpoint_list_visible_to(*, user) -> QuerySet[Checkpoint]:
    """Checkpoints an officer of the jurisdiction manages, or those a checkpoint officer works at."""
    qs = Checkpoint.objects.select_related("commune__province").order_by("name", "id")
    if has_capability(user, permissions.MANAGE):
        return jurisdiction_filter(qs, user=user, commune_path="commune")
    if user.is_authenticated and user.role == Role.CHECKPOINT_OFFICER:
        return qs.filter(officers=user)
    return qs.none()


def checkpoint_get_visible(*, user, checkpoint_id: int) -> Checkpoint:
    found = checkpoint_list_visible_to(user=user).filter(pk=checkpoint_id).first()
    if found is None:
        raise NotFound(_("No such checkpoint among yours."))
    return found


def passage_list_visible_to(*, user, checkpoint: Checkpoint | None = None) -> QuerySet[Passage]:
    qs = Passage.objects.filter(checkpoint__in=checkpoint_list_visible_to(user=user)).select_related(
        "checkpoint", "officer"
    )
    return qs.filter(checkpoint=checkpoint) if checkpoint is not None else qs


PASSAGES = ListSpec(
    name="passages",
    filters=(
        Filter("outcome", gettext_lazy("Outcome"), choices=Outcome.choices),
        Filter("alert", gettext_lazy("Shown red"), choices=(("1", gettext_lazy("Yes")), ("0", gettext_lazy("No"))),
               apply=lambda qs, v: qs.filter(alert=v == "1")),
        Filter("source", gettext_lazy("Source"), choices=(("phone", gettext_lazy("Officer's phone")),
                                                           ("camera", gettext_lazy("Camera"))), lookup="source"),
        day_from("since", gettext_lazy("From"), "at"),
        day_until("until", gettext_lazy("Until"), "at"),
    ),
    sorts=(Sort("at", gettext_lazy("Time"), ("at", "id")),),
    default_sort="-at",
    model=Passage,
    index_prefixes=((), ("checkpoint",)),
)  # fmt: skip


@dataclass(frozen=True)
class ShiftCounts:
    since: datetime
    total: int
    valid: int
    not_valid: int
    red: int


def shift_counts(*, checkpoint: Checkpoint, at: datetime | None = None) -> ShiftCounts:
    """Passages of the current shift: since the last of the checkpoint's opening time and 06:00/18:00
    changes when it is open all day (two 12-hour shifts), else since today's opening."""
    at = at or now()
    here = local(at)
    if checkpoint.opens_at is not None:
        start = start_of_local_day(here.date()) + timedelta(
            hours=checkpoint.opens_at.hour, minutes=checkpoint.opens_at.minute
        )
        if start > at:
            start -= timedelta(days=1)
    else:
        hour = 6 if 6 <= here.hour < 18 else 18
        start = start_of_local_day(here.date()) + timedelta(hours=hour)
        if start > at:
            start -= timedelta(days=1)
    rows = (
        Passage.objects.filter(checkpoint=checkpoint, at__gte=start, at__lte=at + timedelta(minutes=10))
        .order_by()
        .values("outcome", "alert")
        .annotate(n=Count("id"))
    )
    total = valid = not_valid = red = 0
    for r in rows:
        total += r["n"]
        if r["outcome"] == Outcome.VALID:
            valid += r["n"]
        else:
            not_valid += r["n"]
        if r["alert"]:
            red += r["n"]
    return ShiftCounts(start, total, valid, not_valid, red)


# --- one scan, verified online ---------------------------------------------------------------------


def place_of(checkpoint: Checkpoint):
    return Place(commune=checkpoint.commune_id, province=checkpoint.commune.province_id)


def reason_labels() -> dict[str, str]:
    return {
        Reason.NOT_A_PERMIT: _("This is not a movement permit."),
        Reason.FORGED: _("Forged or altered: the signature does not match a published key."),
        Reason.REVOKED: _("Revoked by the authority."),
        Reason.NOT_YET_VALID: _("Not valid yet."),
        Reason.EXPIRED: _("Expired."),
        Reason.WRONG_WEEKDAY: _("Not valid on this weekday."),
        Reason.OUTSIDE_HOURS: _("Outside the permitted hours."),
        Reason.OUTSIDE_AREA: _("Not valid in this area."),
        Reason.HOLDER_MISMATCH: _("The ID card is not the holder's."),
        "active_case": _("Active case (F0) under isolation"),
        "f1_quarantine": _("F1 contact in quarantine"),
        "not_in_registry": _("Not in the population registry."),
        "registry_unavailable": _("The population registry cannot be reached."),
    }


def card_ids(text: str) -> list[str]:
    """The ID numbers a scanned or typed card carries (CCCD and old CMND), or [] if it is none."""
    text = (text or "").strip()
    if not text:
        return []
    compact = text.replace(" ", "").upper()
    if compact.isascii() and compact.isalnum() and 6 <= len(compact) <= 12:
        return [compact]
    try:
        doc = parse_payload(text)
    except Invalid:
        return []
    return [n for n in (doc.id_number if not doc.id_masked else "", doc.old_id_number) if n]


def scan_verify(
    *, user, checkpoint: Checkpoint, permit_text: str = "", card_text: str = "", at: datetime | None = None
) -> dict:
    """The checkpoint's answer for what was scanned: a permit (with, if the officer scanned it, the
    holder's ID card), or a card or personal QR alone. VALID/NOT VALID with the reasons, and what the
    population registry says of the person (red for an active case or F1 in quarantine). The registry
    read is audited (the officer sees a person's record)."""

    at = at or now()
    labels = reason_labels()
    out: dict = {
        "valid": False,
        "reasons": [],  # why it is not valid
        "notes": [],  # what the officer should know besides (the registry not reachable, not knowing the person)
        "permit": None,
        "holder_id": "",
        "holder_name": "",
        "plate": "",
    }
    ids = card_ids(card_text)
    if permit_text.strip():
        verdict = permit_verify(
            permit_text,
            keys=keys.trusted_keys(),
            at=at,
            place=place_of(checkpoint),
            revoked=keys.revoked_serials(),
            holder_ids=ids or None,
        )
        out["valid"] = verdict.valid
        out["reasons"] = [str(r) for r in verdict.reasons]
        if verdict.claim is not None:
            c = verdict.claim
            out.update(permit=c.serial, holder_id=c.holder_id, holder_name=c.holder_name, plate=c.plate)
            out["permit_detail"] = {
                "valid_from": c.valid_from.isoformat(),
                "valid_until": c.valid_until.isoformat(),
                "purpose": Purpose(c.purpose).label if c.purpose in Purpose.values else str(c.purpose),
            }
    lookup_id = ids[0] if ids else out["holder_id"]
    record, source = None, registry()
    try:
        if lookup_id:
            record = source.lookup(lookup_id, at=at)
        elif card_text.strip().startswith("EPIQR1:"):
            claim = personal_qr_read(card_text.strip())
            record = source.lookup_person(claim.public_id, at=at)
    except RegistryUnavailable:
        out["registry"] = {"available": False, "name": source.name}
        out["notes"].append("registry_unavailable")
    except signing.BadSignature:
        out["reasons"].append("forged")
    else:
        if record is not None:
            out["registry"] = {
                "available": True,
                "name": source.name,
                "full_name": record.full_name,
                "birth": record.birth_date.strftime("%d/%m/%Y")
                if record.birth_date
                else (record.birth_year or ""),
                "residence": record.residence,
                "statuses": [
                    {"code": s.code, "label": s.label, "since": s.since.isoformat() if s.since else None}
                    for s in record.statuses
                ],
                "knows_status": record.knows_status,
            }
            out["alert"] = record.red
            if record.red:
                out["valid"] = False
                out["reasons"] += [s.code for s in record.statuses]
            if not out["holder_name"]:
                out["holder_name"] = record.full_name
            out["holder_id"] = out["holder_id"] or record.id_number
            audit.read_event(
                actor=user,
                action="checkpoints.registry_lookup",
                target=checkpoint,
                row_count=1,
                detail={"red": record.red},
            )
        elif lookup_id or card_text.strip():
            out["notes"].append("not_in_registry")
            out["registry"] = {"available": True, "name": source.name, "found": False}
    if not permit_text.strip():
        # A card or personal QR alone: valid means "not to be stopped" (known, not red).
        out["valid"] = bool(record is not None and not record.red)
    out["alert"] = bool(out.get("alert"))
    out["reason_texts"] = [labels.get(r, r) for r in out["reasons"]]
    out["note_texts"] = [labels.get(r, r) for r in out["notes"]]
    return out


def holders_note(*, numbers) -> None:
    """An audited page shows these permit or passage holders (by ID number): the people of the registry
    holding them are recorded as read (core.audit)."""
    if audit.current() is not None:
        audit.note_people(person_ids_by_id_numbers(numbers=numbers))
