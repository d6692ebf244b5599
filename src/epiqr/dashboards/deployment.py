"""Deployment targets (Huế's question: who has not put up their QR yet?): the writes.

The import reads an agency's or a registry's sheet (one row a unit), refuses the rows it cannot use with
the reason (per-row report) and stores the others; each stored unit is matched to the registered venues
of its commune (`matching`): sure matches count as deployed, uncertain ones wait in the review queue.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from epiqr.core.errors import Invalid, NotFound
from epiqr.core.imports import ImportReport
from epiqr.core.progress import Progress
from epiqr.core.sheets import SheetError, cell_text, read_records
from epiqr.core.timeutil import now
from epiqr.people.phones import PhoneError, normalise_phone
from epiqr.venues.importing import CommuneResolver, sector_from_text
from epiqr.venues.models import SECTOR_AGENCY, Venue

from . import matching
from .models import DeploymentTarget, MatchStatus, SectorDeadline

# Header words (folded) for each field; the first row with a name column is the header.
HEADERS = {
    "name": ("ten don vi", "ten co so", "ten", "name", "unit name", "unit"),
    "address": ("dia chi", "address"),
    "commune": ("xa/phuong", "xa phuong", "xa", "phuong", "phuong/xa", "commune"),
    "province": ("tinh/thanh pho", "tinh", "province"),
    "sector": ("nganh", "linh vuc", "loai hinh", "nganh/linh vuc", "sector"),
    "agency": ("co quan phu trach", "so nganh phu trach", "don vi phu trach", "agency"),
    "tax_code": ("ma so thue", "mst", "tax code"),
    "licence": ("so giay phep", "giay phep", "licence", "license", "licence number"),
    "phone": ("dien thoai", "so dien thoai", "sdt", "phone"),
    "contact": ("nguoi lien he", "contact", "contact person"),
}
REQUIRED = ("name", "commune", "sector")
LABELS = {"name": "Tên đơn vị", "commune": "Xã/phường", "sector": "Ngành/lĩnh vực"}
MAX_ROWS = 50_000


@dataclass
class TargetsImportReport(ImportReport):
    """The shared import report, plus how the stored units matched the registered venues."""

    matched: int = 0
    review: int = 0


def targets_import(
    *, actor, blob: bytes, filename: str = "", progress: Progress | None = None
) -> TargetsImportReport:
    """Store the usable rows of a sheet of units that must deploy, in the actor's province; each refused
    row is reported with its reason; the stored units are matched to venues at once."""
    progress = progress or Progress()
    report = TargetsImportReport(progress=progress)
    province_id = actor.province_id
    if not province_id:
        report.refuse_file(_("Only an officer of a province can import its deployment targets."))
        return report
    try:
        rows = read_records(
            blob,
            filename=filename,
            headers=HEADERS,
            required=REQUIRED,
            labels=LABELS,
            header_field="name",  # title lines above the header are common in agencies' sheets
            max_rows=MAX_ROWS,
        )
    except SheetError as exc:
        report.refuse_file(exc.message)
        return report
    report.read = len(rows)
    progress.start(total=len(rows), stage=_("Reading the units"))
    deadlines = {d.sector: d.agency for d in SectorDeadline.objects.filter(province_id=province_id)}
    resolver = CommuneResolver(actor=actor)
    targets = []
    for record in rows:
        raw = {k: cell_text(v) for k, v in record.values.items()}
        try:
            targets.append(_target_from_row(raw, resolver=resolver, deadlines=deadlines, actor=actor))
        except ValueError as exc:
            report.refuse(line=record.line, reason=str(exc), key=raw.get("name", ""))
            continue
        progress.advance()
    with transaction.atomic():
        created = DeploymentTarget.objects.bulk_create(targets, batch_size=1000)
    report.stored = len(created)
    progress.stage(_("Matching to registered venues"))
    counts = targets_match(target_ids=[t.pk for t in created])
    report.matched, report.review = counts[MatchStatus.MATCHED], counts[MatchStatus.REVIEW]
    progress.finish()
    return report


def _target_from_row(raw: dict, *, resolver: CommuneResolver, deadlines: dict, actor) -> DeploymentTarget:
    name = raw.get("name", "")[:200]
    if not name:
        raise ValueError(_("The unit name is missing."))
    commune = resolver.resolve(raw.get("commune", ""), province=raw.get("province", ""))
    if commune.province_id != actor.province_id or not resolver.in_scope(commune.pk):
        raise ValueError(_("%(commune)s is outside your province.") % {"commune": commune.name})
    sector = sector_from_text(raw.get("sector", ""))
    if sector is None:
        raise ValueError(_('Unknown sector "%(text)s".') % {"text": raw.get("sector", "")[:60]})
    try:
        phone = normalise_phone(raw.get("phone", ""), optional=True)
    except PhoneError as exc:
        raise ValueError(exc.message) from exc
    agency = raw.get("agency") or deadlines.get(sector) or str(SECTOR_AGENCY.get(sector, ""))
    return DeploymentTarget(
        province_id=commune.province_id,
        commune=commune,
        name=name,
        address=raw.get("address", "")[:255],
        sector=sector,
        agency=agency[:200],
        tax_code=raw.get("tax_code", "")[:20],
        licence=raw.get("licence", "")[:40],
        phone=phone,
        contact=raw.get("contact", "")[:120],
        imported_by=actor,
    )


def targets_match(*, target_ids: list[int] | None = None, province_id: int | None = None) -> dict[str, int]:
    """Match targets to the venues of their commune again (new venues register every day); an officer's
    decision (confirmed, or a venue rejected) is kept. Returns the count per outcome."""
    qs = DeploymentTarget.objects.exclude(status=MatchStatus.CONFIRMED)
    if target_ids is not None:
        qs = qs.filter(pk__in=target_ids)
    if province_id is not None:
        qs = qs.filter(province_id=province_id)
    targets = list(qs)
    communes = {t.commune_id for t in targets}
    venues: dict[int, list[matching.Unit]] = {}
    for v in Venue.objects.filter(commune_id__in=communes).values(
        "pk", "name", "address", "phone", "commune_id"
    ):
        venues.setdefault(v["commune_id"], []).append(
            matching.Unit(v["pk"], v["name"], v["address"], v["phone"])
        )
    counts = {s: 0 for s in MatchStatus.values}
    for t in targets:
        rejected = set(t.rejected_venues or [])
        candidates = [u for u in venues.get(t.commune_id, []) if u.id not in rejected]
        m = matching.match(matching.Unit(t.pk, t.name, t.address, t.phone), candidates)
        t.status, t.venue_id, t.score = m.outcome, m.venue_id, m.score
        counts[t.status] += 1
    DeploymentTarget.objects.bulk_update(targets, ["status", "venue", "score"], batch_size=1000)
    return counts


def target_review(*, actor, target_id: int, accept: bool) -> DeploymentTarget:
    """An officer decides a match in the review queue: accepted, the unit counts as its venue; rejected,
    that venue is never proposed for it again and the unit is matched again among the others."""
    from epiqr.accounts.selectors import jurisdiction_filter

    with transaction.atomic():
        target = (
            jurisdiction_filter(
                DeploymentTarget.objects.select_for_update(), user=actor, commune_path="commune"
            )
            .filter(pk=target_id)
            .first()
        )
        if target is None:
            raise NotFound(_("This unit is not in your jurisdiction."))
        if target.status != MatchStatus.REVIEW or target.venue_id is None:
            raise Invalid(_("This unit has no match waiting for review."), code="not_in_review")
        if accept:
            target.status = MatchStatus.CONFIRMED
        else:
            target.rejected_venues = [*(target.rejected_venues or []), target.venue_id]
            target.venue_id, target.status = None, MatchStatus.UNMATCHED
        target.reviewed_at = now()
        target.save(update_fields=["status", "venue", "rejected_venues", "reviewed_at"])
    if not accept:
        targets_match(target_ids=[target.pk])
        target.refresh_from_db()
    return target


def deadline_set(*, actor, sector: str, agency: str, deadline: date) -> SectorDeadline:
    if not actor.province_id:
        raise Invalid(_("Only an officer of a province sets its deadlines."))
    if not agency.strip():
        raise Invalid(_("Say which agency answers for the sector."), field="agency")
    row, _created = SectorDeadline.objects.update_or_create(
        province_id=actor.province_id,
        sector=sector,
        defaults={"agency": agency.strip()[:200], "deadline": deadline},
    )
    return row


def deployment_snapshot(*, day: date) -> int:
    """Store each province's progress per sector on `day` (the line drawn against the deadline)."""
    from .models import DeploymentDay
    from .selectors import progress_rows

    rows = []
    for province_id in DeploymentTarget.objects.values_list("province_id", flat=True).distinct():
        for r in progress_rows(
            targets=DeploymentTarget.objects.filter(province_id=province_id), by="sector", day=day
        ):
            rows.append(
                DeploymentDay(
                    province_id=province_id,
                    sector=r.key,
                    day=day,
                    required=r.required,
                    deployed=r.deployed,
                    active=r.active,
                )
            )
    with transaction.atomic():
        DeploymentDay.objects.filter(day=day).delete()
        DeploymentDay.objects.bulk_create(rows)
    return len(rows)
