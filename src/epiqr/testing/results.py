"""Lab results: typed, imported or posted by a lab system; corrections keep the earlier result. Accepted
results resolve the tubes' members at once (pools.tube_outcome) and the reactions (cases, messages) run
after commit (flows)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from epiqr.accounts.models import User
from epiqr.accounts.selectors import jurisdiction_filter
from epiqr.core import events, pgsql
from epiqr.core.errors import Conflict, Invalid
from epiqr.core.idempotency import content_digest, sender_of
from epiqr.core.imports import ImportReport, RefusedRow
from epiqr.core.progress import Progress
from epiqr.core.services import audit_record
from epiqr.core.timeutil import SHEET_FORMATS, now, parse_local

from . import pools, store
from .events import RESULT_RECORDED
from .models import LabResult, ResultSource, ResultValue, Tube, TubeEvent, TubeMember, TubeStatus
from .receipts import receipt_claim, receipt_replay
from .sampling import barcode_clean, staff_of, tube_transition


@dataclass
class ResultRow:
    """One result as typed, imported or posted; `line` is the row number shown in reports."""

    barcode: str
    value: str
    ct: str | float | None = None
    tested_at: str | datetime | None = None
    line: int = 0


@dataclass
class ResultsImportReport(ImportReport):
    """The shared import report, plus the outcomes of the members resolved and whether this is the
    answer kept for a batch sent again. `as_dict` is the lab API's answer (v1), kept as it was."""

    counts: dict = field(default_factory=dict)
    replayed: bool = False

    def as_dict(self) -> dict:
        return {
            "rows": self.read,
            "accepted": self.stored,
            "unchanged": self.unchanged,
            "errors": [
                {"line": r.line, "barcode": r.key, "code": r.code, "detail": r.reason} for r in self.refused
            ],
            "counts": self.counts,
            "stored": self.ok,
            "replayed": self.replayed,
        }

    @classmethod
    def replay_of(cls, answer: dict) -> "ResultsImportReport":
        """The report of a batch already stored, from the answer kept in its receipt."""
        return cls(
            read=answer["rows"],
            stored=answer["accepted"],
            unchanged=answer["unchanged"],
            refused=[RefusedRow(e["line"], e["detail"], e["barcode"], e["code"]) for e in answer["errors"]],
            counts=answer["counts"],
            replayed=True,
        )


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


def tested_at_parse(value, *, default: datetime) -> datetime:
    """A test time as a lab writes it (core.timeutil.parse_local: ISO or dd/mm/yyyy, Vietnam time unless
    it says otherwise); `default` (now) when blank, Invalid when unreadable or later than `default`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        parsed = parse_local(value, formats=SHEET_FORMATS)
    except ValueError:
        raise Invalid(
            _("Unreadable test time “%(value)s” (use 2021-09-15 14:30).")
            % {"value": str(value).strip()[:30]},
            field="tested_at",
            code="bad_time",
        ) from None
    if parsed > default:
        raise Invalid(_("The test time is in the future."), field="tested_at", code="bad_time")
    return parsed


def results_import(
    *,
    rows: list[ResultRow],
    actor: User | None = None,
    source: str = ResultSource.IMPORT,
    client_id: str = "",
    progress: Progress | None = None,
) -> ResultsImportReport:
    """Record many tube results: every row is checked first and, if any row is wrong, nothing is stored and
    the report says which rows and why. A row repeating a tube's current result is left unchanged. With a
    `client_id` (the sender's own) a retried batch is answered from its receipt, another batch under the
    same id refused.
    Accepted results resolve the tubes' members at once (bulk updates, one per outcome). `progress`
    (core.progress) hears of the rows checked and of each row refused."""
    progress = progress or Progress()
    progress.start(total=len(rows), stage=_("Checking rows"))
    report = ResultsImportReport(read=len(rows), progress=progress)
    receipt_key = None
    if client_id:
        receipt_key = {
            "kind": "results",
            "sender": sender_of(actor),
            "client_id": client_id,
            "digest": content_digest([[r.barcode, r.value, r.ct, r.tested_at] for r in rows]),
        }
        done = receipt_replay(**receipt_key)
        if done is not None:
            return ResultsImportReport.replay_of(done)
    at = now()
    parsed: list[tuple[ResultRow, str, str, Decimal | None, datetime]] = []
    refused: list[RefusedRow] = []
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
            refused.append(RefusedRow(row.line, exc.message, str(row.barcode)[:64], exc.code))
    tubes = {}
    visible = Tube.objects.all()
    staff = staff_of(actor)
    if staff is not None:  # a lab only results tubes from its own jurisdiction
        visible = jurisdiction_filter(visible, user=staff, commune_path="session__site__commune")
    for qs in store.where_in(visible, "barcode", [b for _r, b, *_rest in parsed]):
        for t in qs.values_list("id", "barcode", "status", "result", "member_count"):
            tubes[t[1]] = _TubeRow(*t)
    todo = []
    for row, barcode, value, ct, tested_at in parsed:
        tube = tubes.get(barcode)
        if tube is None:
            refused.append(RefusedRow(row.line, _("Unknown tube."), barcode, "unknown_tube"))
        elif tube.status == TubeStatus.OPEN:
            refused.append(
                RefusedRow(row.line, _("The tube is still open at the sampling site."), barcode, "tube_open")
            )
        elif tube.status == TubeStatus.RESULTED and tube.result == value:
            report.unchanged += 1
        elif tube.status == TubeStatus.RESULTED:
            reason = _("The tube already has the result “%(value)s”; correct it on the tube's page.") % {
                "value": ResultValue(tube.result).label
            }
            refused.append(RefusedRow(row.line, reason, barcode, "already_resulted"))
        else:
            todo.append((tube, value, ct, tested_at))
    for bad in sorted(refused, key=lambda r: r.line or 0):
        report.refuse(line=bad.line, reason=bad.reason, key=bad.key, code=bad.code)
    if refused:
        return report
    progress.stage(_("Storing"))
    with transaction.atomic():
        receipt = None
        if receipt_key is not None:
            receipt, done = receipt_claim(**receipt_key, actor=actor)
            if done is not None:
                return ResultsImportReport.replay_of(done)
        # Only tubes still waiting change, so a concurrent import cannot record the same tubes twice.
        by_value: dict[str, list[int]] = defaultdict(list)
        for t, v, *_rest in todo:
            by_value[v].append(t.pk)
        changed = 0
        waiting = Tube.objects.filter(status__in=[TubeStatus.CLOSED, TubeStatus.RECEIVED])
        for value, tube_ids in by_value.items():
            for qs in store.where_in(waiting, "id", tube_ids):
                changed += qs.update(status=TubeStatus.RESULTED, result=value, resulted_at=at)
        if changed != len(todo):
            raise Conflict(_("Some tubes were resulted meanwhile by someone else; import the file again."))
        actor_id = getattr(staff_of(actor), "pk", None)
        pgsql.rows_insert(
            LabResult,
            ("tube_id", "value", "ct", "tested_at", "source", "entered_by_id", "entered_at", "note"),
            [(t.pk, v, ct, ta, source, actor_id, at, "") for t, v, ct, ta in todo],
        )
        pgsql.rows_insert(
            TubeEvent,
            ("tube_id", "from_status", "to_status", "at", "actor_id"),
            [(t.pk, t.status, TubeStatus.RESULTED, at, actor_id) for t, *_rest in todo],
        )
        counts = _resolve_members([(t.pk, v, t.member_count) for t, v, *_rest in todo], at=at)
        report.stored = len(todo)
        report.counts = counts
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
        for qs in store.where_in(TubeMember.objects.all(), "tube_id", tube_ids):
            n += qs.update(outcome=outcome, resulted_at=at, notified_at=None)
        counts[outcome] = n
    return counts


def _react_on_commit(tube_ids: list[int], actor, *, corrected: bool = False) -> None:
    """Tell the other domains (and testing's own flows) once the results are committed."""
    actor_id = getattr(staff_of(actor), "pk", None)
    events.emit(RESULT_RECORDED, tube_ids=tube_ids, actor_id=actor_id, corrected=corrected)


def result_record(
    *,
    tube: Tube,
    value: str,
    ct=None,
    tested_at=None,
    actor: User | None = None,
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
            entered_by=staff_of(actor),
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
def tubes_receive(*, barcodes: list[str], actor: User | None = None) -> ReceiveReport:
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
    staff = staff_of(actor)
    if staff is not None:
        visible = jurisdiction_filter(visible, user=staff, commune_path="session__site__commune")
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


def results_mark_notified(*, member_ids: list[int]) -> None:
    for qs in store.where_in(TubeMember.objects.all(), "id", member_ids):
        qs.update(notified_at=now())
