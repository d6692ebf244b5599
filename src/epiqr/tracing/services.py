"""Writes for tracing: runs, follow-up of contacts, exports and notifications."""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from epiqr.accounts.models import User
from epiqr.cases.models import Case
from epiqr.cases.selectors import case_list_confirmed_on, case_period
from epiqr.cases.services import case_open
from epiqr.core import audit, events, export
from epiqr.core.errors import Conflict, Invalid
from epiqr.core.export import Sheet
from epiqr.core.pgsql import columns_insert
from epiqr.core.replica import note_write, replica_ok
from epiqr.core.services import audit_record
from epiqr.core.states import transition_check
from epiqr.core.timeutil import local, local_today, now
from epiqr.notify.selectors import notice_keys_taken
from epiqr.notify.services import (
    Notice,
    message_render,
    message_send_to_officers,
    notices_send,
    sends_left_today,
)
from epiqr.people.selectors import person_commune_column_pending

from . import batch, engine, exposures, packs
from .events import CONTACT_FOLLOWED_UP, RUN_QUEUED
from .models import Contact, ContactPack, FollowUp, RunStatus, StatusChange, TracingRun
from .selectors import (
    CheckinStore,
    contact_list_visible_to,
    contact_sources,
    contacts_with_exposures,
    policy_engine,
    policy_get,
    run_contact_degrees,
    run_filing,
    run_followed_contacts,
)

# Follow-up as a state machine: the statuses each status may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    FollowUp.TO_CALL: (FollowUp.REACHED, FollowUp.UNREACHABLE),
    FollowUp.UNREACHABLE: (FollowUp.REACHED, FollowUp.TO_CALL),
    FollowUp.REACHED: (FollowUp.QUARANTINED, FollowUp.TESTED),
    FollowUp.QUARANTINED: (FollowUp.TESTED,),
    FollowUp.TESTED: (FollowUp.NEGATIVE, FollowUp.POSITIVE),
    FollowUp.NEGATIVE: (FollowUp.TESTED,),
    FollowUp.POSITIVE: (),
}
EXPORT_FORMATS = export.FORMATS


def tracing_compute(
    *, case: Case, policy_name: str | None = None, degree: int = 1, until: datetime | None = None
) -> tuple[Any, engine.TraceResult, Any]:
    """Trace one case without storing anything: (policy row, engine result, infectious period). The
    engine's objects, one per contact and exposure, for a caller that wants them (tests, the oracle);
    the product's own paths stay on the columns (tracing_compute_columns)."""
    row, traced, period = tracing_compute_columns(
        case=case, policy_name=policy_name, degree=degree, until=until
    )
    return row, traced.result(), period


def tracing_compute_columns(
    *, case: Case, policy_name: str | None = None, degree: int = 1, until: datetime | None = None
) -> tuple[Any, batch.Traced, Any]:
    """Trace one case on columns, storing nothing: (policy row, the contacts as columns, infectious
    period). What run_create stores; engine.trace() on columns (one packed read per degree, nothing per
    contact), proven equal by tests/tracing/test_batch_f2.py, test_batch_oracle.py and test_store.py."""
    if degree not in (1, 2):
        raise Invalid(_("The tracing degree must be 1 (F1) or 2 (F2)."), field="degree")
    anchor = case.onset_on or case.sample_on or case.confirmed_on
    row = policy_get(name=policy_name, on=anchor)
    policy = policy_engine(row)
    period = case_period(case=case, days_before=policy.infectious_days_before)
    index = engine.Period(case.person_id, period.start, period.end)
    traced = batch.trace_columns(
        index=index, store=CheckinStore(), policy=policy, degree=degree, until=until or now()
    )
    return row, traced, period


def tracing_compute_batch(*, cases: list[Case], policy_name: str | None = None) -> batch.BatchResult:
    """F1 of many cases at once (a day's new cases, an outbreak), nothing stored: one query pairs every
    F0 visit with the check-ins around it and batch.trace_pairs applies the policy to the columns.
    Under the same policy each case gets exactly the contacts tracing_compute gives it alone (the
    batch's other F0s, being cases, are never contacts); without a name the policy in force today."""
    row = policy_get(name=policy_name, on=local_today())
    policy = policy_engine(row)
    periods = {}
    for case in cases:
        p = case_period(case=case, days_before=policy.infectious_days_before)
        periods[case.person_id] = engine.Period(case.person_id, p.start, p.end)
    everyone = set(periods)

    def traced(
        pairs: batch.Pairs, sectors: dict[int, str], part: Sequence[engine.Period]
    ) -> batch.BatchResult:
        return batch.trace_pairs(
            pairs=pairs,
            policy=policy,
            index_ids=[p.person_id for p in part],
            sectors=sectors,
            excluded=everyone,  # the other parts' F0s are cases, never contacts
        )

    parts = CheckinStore().pairs_around_each(list(periods.values()), *engine.reach(policy), use=traced)
    return batch.concat_results(parts, index_ids=list(periods))


@dataclass(frozen=True)
class TriageRow:
    case: Case
    contacts: int
    high_risk: int
    last_run_id: int | None


def tracing_triage(
    *, actor: User, day: date, policy_name: str | None = None
) -> tuple[engine.Policy, list[TriageRow]]:
    """The day's active cases in the user's area (every case for the command line, user None), traced
    together as one batch (nothing stored), those with the most high-risk contacts first: where the
    calling teams start."""
    cases = list(case_list_confirmed_on(day=day, user=actor))
    result = tracing_compute_batch(cases=cases, policy_name=policy_name)
    counts = result.counts()
    last_runs = dict(
        TracingRun.objects.filter(case__in=cases).order_by("case_id", "ran_at").values_list("case_id", "pk")
    )
    rows = [TriageRow(c, *counts[c.person_id], last_runs.get(c.pk)) for c in cases]
    rows.sort(key=lambda r: (-r.high_risk, -r.contacts, r.case.pk))
    return result.policy, rows


def _visit_json(v: engine.Visit) -> dict:
    return {
        "checkin_id": v.checkin_id,
        "venue_id": v.venue_id,
        "start": v.start.isoformat(),
        "end": v.end.isoformat() if v.end else None,
    }


def _contact_columns(
    traced: batch.Traced, *, carried: dict[int, tuple[str, int | None]]
) -> packs.ContactColumns:
    """The run's contacts as columns, straight from the engine's (no engine objects): the same values
    as engine.Contact/Exposure; follow-up statuses and new cases `carried` from the previous run."""
    levels = traced.levels
    weighted = traced.policy.rule == "cwa"
    tables, overlaps, bounds, offset = [], [], [np.zeros(1, np.int64)], 0
    for level in levels:
        rounded, overlap = batch.stored_minutes(level)
        ex = level.exposures
        tables.append(exposures.records(ex, rounded, ex["weighted"] if weighted else None))
        overlaps.append(overlap)
        bounds.append(np.asarray(level.contact_bounds[1:], dtype=np.int64) + offset)
        offset += len(rounded)

    def joined(parts: list, dtype) -> np.ndarray:
        return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype)

    persons = joined([lv.contact_person for lv in levels], np.int64)
    status = np.full(len(persons), packs.STATUSES.index(FollowUp.TO_CALL), dtype=np.uint8)
    new_case = np.zeros(len(persons), dtype=np.int64)
    if carried:
        found = np.flatnonzero(np.isin(persons, np.fromiter(carried, dtype=np.int64, count=len(carried))))
        kept = [carried[p] for p in persons[found].tolist()]
        status[found] = packs.status_codes(s for s, _case in kept)
        new_case[found] = [case or 0 for _s, case in kept]
    return packs.ContactColumns(
        person=persons,
        degree=joined([np.full(lv.contact_count, lv.degree) for lv in levels], np.uint8),
        high=joined([lv.contact_high for lv in levels], bool),
        overlap=joined(overlaps, np.float64),
        first=joined([lv.contact_first for lv in levels], np.int64),
        status=status,
        new_case=new_case,
        records=joined(tables, exposures.RECORD),
        bounds=np.concatenate(bounds),
    )


def _contacts_write(*, run_id: int, columns: packs.ContactColumns) -> None:
    """Contacts as rows of the run, each with its exposures packed on it and its commune (read while
    the exposures are packed)."""
    if not len(columns):
        return
    with person_commune_column_pending(person_ids=columns.person) as communes_read:
        packed, venues = exposures.pack_many(columns.records, columns.bounds)
        communes = communes_read()
    columns_insert(
        Contact,
        ("run", "person", "degree", "risk", "overlap_minutes", "first_exposed_at", "commune", "status")
        + ("new_case", "exposure_data", "venues_text"),
        [
            np.full(len(columns), run_id, dtype=np.int64),
            columns.person,
            columns.degree.astype(np.int64),
            np.where(columns.high, engine.RISK_HIGH, engine.RISK_LOW),
            columns.overlap,
            columns.first,
            np.ma.masked_less(communes, 0),
            packs.STATUS_NAMES[columns.status],
            np.ma.masked_equal(columns.new_case, 0),
            packed,
            np.array(venues, dtype=str),
        ],
    )


FILE_CHUNK = 50_000  # contacts filed per transaction: about a second of the server's work


def run_contacts_file(*, run_id: int, chunk: int = FILE_CHUNK) -> int:
    """File what is left of a run's packed contacts (ContactPack) into rows, a chunk per transaction;
    how many this call filed. Each chunk locks the pack and starts where the last one stopped, so two
    filers (the task, a reader that needs the run whole, the sweep) take turns and no contact is written
    twice; a run deleted meanwhile stops it. Once all are filed the packed data is let go."""
    done, columns = 0, None
    while True:
        with transaction.atomic():
            pack = ContactPack.objects.select_for_update().defer("data").filter(run_id=run_id).first()
            if pack is None or not pack.pending:
                return done
            if columns is None:
                data = ContactPack.objects.filter(run_id=run_id).values_list("data", flat=True).get()
                columns = packs.unpack(data)
            if len(columns) != pack.total:
                raise ValueError(f"the packed contacts of run {run_id} hold {len(columns)}, not {pack.total}")
            start, stop = pack.filed, min(pack.filed + chunk, pack.total)
            _contacts_write(run_id=run_id, columns=columns.rows(start, stop))
            pack.filed = stop
            fields = ["filed"]
            if stop == pack.total:
                pack.data, pack.filed_at = b"", now()
                fields += ["data", "filed_at"]
            pack.save(update_fields=fields)
        done += stop - start


@task()
def run_contacts_file_later(run_id: int) -> int:
    """run_contacts_file as a task, enqueued when run_create commits a pack (next to the service that
    queues it, as people.services.proof_code_send); the sweep in tasks.py catches what it misses."""
    return run_contacts_file(run_id=run_id)


def run_contacts_whole(*, run: TracingRun) -> bool:
    """Before a read that needs the run whole (its export, its notices): file what is left of it.
    Whether the replica, where such reads may go, already holds every contact (False: read the primary)."""
    filed = run_contacts_file(run_id=run.pk)
    with replica_ok(own_writes=False):
        return not filed and run_filing(run=run) is None


@transaction.atomic
def run_create(
    *,
    case: Case,
    policy_name: str | None = None,
    degree: int = 1,
    actor: User | None = None,
    trigger: str = "manual",
    status: str = RunStatus.REVIEWED,
) -> TracingRun:
    """Trace a case and store the run: policy snapshot, contacts, and what changed since the last run.

    Follow-up statuses carry over from the previous run of the same case for people found again.
    """
    row, traced, period = tracing_compute_columns(case=case, policy_name=policy_name, degree=degree)
    previous = TracingRun.objects.filter(case=case).order_by("-ran_at", "-id").first()
    if previous is not None:
        run_contacts_file(run_id=previous.pk)  # compared and carried over whole
    run = TracingRun.objects.create(
        case=case,
        policy=row,
        policy_snapshot=traced.policy.to_dict(),
        degree=degree,
        period_start=period.start,
        period_end=period.end,
        ran_by=actor if getattr(actor, "is_authenticated", False) else None,
        trigger=trigger,
        status=status,
        previous=previous,
        index_visits=[_visit_json(v) for v in traced.index_visits],
        contact_count=traced.contact_count,
        skipped_cases=sorted(traced.skipped),
    )

    levels = traced.levels
    columns = _contact_columns(traced, carried=run_followed_contacts(run_id=previous.pk) if previous else {})
    persons, degrees = columns.person, columns.degree
    now_found = dict(zip(persons.tolist(), degrees.tolist(), strict=True))
    before = {} if previous is None else run_contact_degrees(run_id=previous.pk)
    at_once = len(columns)
    if at_once > settings.EPIQR_TRACING_FILE_AT_ONCE:
        at_once = levels[0].contact_count if levels and levels[0].degree == 1 else 0
    _contacts_write(run_id=run.pk, columns=columns.rows(0, at_once))
    if at_once < len(columns):
        ContactPack.objects.create(
            run=run, total=len(columns) - at_once, data=packs.pack(columns.rows(at_once, len(columns)))
        )
        run_id = run.pk
        transaction.on_commit(lambda: run_contacts_file_later.enqueue(run_id=run_id), robust=True)
    if previous is not None:
        run.changes = {
            "previous_run": previous.pk,
            "added": sorted(set(now_found) - set(before)),
            "removed": sorted(set(before) - set(now_found)),
            "degree_changed": sorted(p for p in now_found if p in before and before[p] != now_found[p]),
        }
        run.save(update_fields=["changes"])
    audit_record(
        actor=actor,
        action="tracing.run",
        target=run,
        row_count=len(persons),
        reason=trigger,
        detail={"case": case.pk, "policy": row.name, "version": row.version, "degree": degree},
    )
    return run


CONTACT_DELETE_CHUNK = 10_000


def run_contacts_delete(sender=None, *, instance: TracingRun, **kwargs) -> None:
    """A run's contacts go before the run (connected to the run's pre_delete: a case deleted in the admin
    takes its runs along). The few that other rows point at (their follow-up history, a quarantine: any
    model's foreign key to Contact) go through the ORM, which deletes or clears those rows as their
    models say, in chunks (an F2 run can hold more contacts than PostgreSQL takes parameters); the rest,
    most of an F2 run, in one statement: the ORM would load every one of them to look for rows that do
    not exist (20 s for 316,646 contacts). Its pack goes first: a filer at work finishes its chunk, whose
    rows are then deleted here, and files no more."""
    ContactPack.objects.filter(run_id=instance.pk).delete()
    held: set[int] = set()
    for rel in Contact._meta.related_objects:
        if rel.on_delete is not models.DO_NOTHING:
            pointing = rel.related_model._base_manager.filter(**{f"{rel.field.name}__run_id": instance.pk})
            held.update(pointing.values_list(rel.field.attname, flat=True))
    ordered = sorted(held)
    for start in range(0, len(ordered), CONTACT_DELETE_CHUNK):
        Contact.objects.filter(pk__in=ordered[start : start + CONTACT_DELETE_CHUNK]).delete()
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {Contact._meta.db_table} WHERE run_id = %s", [instance.pk])


def run_request(
    *,
    case: Case,
    policy_name: str | None = None,
    degree: int = 1,
    actor: User | None = None,
    trigger: str = "manual",
) -> TracingRun | None:
    """An officer asks for a run (the case page, the API): at once, or, for F2 when a worker takes
    tasks, queued (returns None; the officer is messaged when it is ready, tracing/flows.py). An unknown
    policy or degree is refused here either way."""
    if degree == 2 and events.in_background():
        policy_get(name=policy_name)
        events.emit(
            RUN_QUEUED,
            case_id=case.pk,
            policy_name=policy_name,
            degree=degree,
            actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
            trigger=trigger,
        )
        return None
    return run_create(case=case, policy_name=policy_name, degree=degree, actor=actor, trigger=trigger)


def run_create_for_review(*, case_id: int) -> TracingRun:
    """The automatic F1 run for a lab-confirmed case, left for the commune officer, who is told."""
    case = Case.objects.select_related("person", "commune").get(pk=case_id)
    run = run_create(case=case, trigger="lab", status=RunStatus.REVIEW)
    message_send_to_officers(
        commune_id=case.commune_id,
        template="tracing_review",
        context={"case": case, "run": run, "base_url": settings.PUBLIC_BASE_URL},
        related=run,
    )
    return run


def run_mark_reviewed(*, run: TracingRun, actor: User) -> TracingRun:
    if run.status != RunStatus.REVIEWED:
        run.status = RunStatus.REVIEWED
        run.save(update_fields=["status"])
        audit_record(actor=actor, action="tracing.review", target=run)
    return run


@transaction.atomic
def contact_transition(*, contact: Contact, to: str, actor: User | None, note: str = "") -> Contact:
    """The one guard of the follow-up state machine: refuses moves not in TRANSITIONS, writes history."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    transition_check(
        TRANSITIONS,
        states=FollowUp,
        current=contact.status,
        to=to,
        refused=_("Cannot go from “%(from)s” to “%(to)s”."),
        code="bad_transition",
    )
    StatusChange.objects.create(
        contact=contact,
        from_status=contact.status,
        to_status=to,
        note=note[:300],
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    previous = contact.status
    contact.status, contact.status_changed_at = to, now()
    contact.save(update_fields=["status", "status_changed_at"])
    events.emit(
        CONTACT_FOLLOWED_UP,
        contact_id=contact.pk,
        person_id=contact.person_id,
        from_status=previous,
        to_status=to,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
    )
    return contact


@transaction.atomic
def contact_open_case(*, contact: Contact, actor: User | None, confirmed_on: date | None = None) -> Case:
    """A positive contact becomes a new case in one step (a tested contact is first marked positive)."""
    if contact.new_case_id:
        raise Conflict(_("This contact is already a case."), code="already_case")
    if contact.status == FollowUp.TESTED:
        contact = contact_transition(contact=contact, to=FollowUp.POSITIVE, actor=actor, note="case opened")
    if contact.status != FollowUp.POSITIVE:
        raise Conflict(_("Only a positive (or tested) contact can become a case."), code="bad_transition")
    case = case_open(
        person=contact.person, confirmed_on=confirmed_on or local_today(), source="contact", actor=actor
    )
    contact.new_case = case
    contact.save(update_fields=["new_case"])
    return case


EXPORT_COLUMNS = (
    "full_name",
    "phone",
    "commune",
    "address",
    "venue",
    "venue_address",
    "time_in",
    "time_out",
    "degree",
    "risk",
    "overlap_minutes",
    "status",
    "health_station",
)


def _export_headers() -> list[str]:
    return [
        _("Full name"),
        _("Phone"),
        _("Commune"),
        _("Address"),
        _("Venue"),
        _("Venue address"),
        _("Time in"),
        _("Time out"),
        _("Degree"),
        _("Risk"),
        _("Overlap (minutes)"),
        _("Follow-up"),
        _("Health station"),
        _("Reached through (F1)"),
        _("Reference"),
    ]


THROUGH_NAMED = 3  # F1s named in an export's "reached through" cell; the rest counted


def _through_text(through: list[dict]) -> str:
    """The F1s an F2 was reached through, the first THROUGH_NAMED by exposure: a name where the reader may
    see that F1, else its reference; then how many more. An F2 met at a busy venue was reached through
    dozens of F1s, and naming them all made the largest F2 run's CSV 1.3 GB (the contact's page and the
    API name every one)."""
    named = "; ".join(
        f"{f1['name']} (#{f1['contact']})" if f1["name"] else f"#{f1['contact']}"
        for f1 in through[:THROUGH_NAMED]
    )
    more = len(through) - THROUGH_NAMED
    if more > 0:
        return named + "; " + ngettext("and %(n)d more", "and %(n)d more", more) % {"n": more}
    return named


EXPORT_CHUNK = 2000  # contacts read at a time while an export is written


def export_rows(
    *, run: TracingRun, actor: User, each_contact: Callable[[], Any] | None = None
) -> Iterator[list]:
    """One row per exposure of each contact the user may see, in the list's order, times in Vietnam time;
    an F2's row says through which F1 it was reached (see selectors.contact_sources). Read EXPORT_CHUNK
    contacts at a time as the rows are written: the largest F2 run's export holds half a million rows,
    2.3 GB of memory when read at once. `each_contact` is called after each contact's rows (a job's
    progress)."""
    visible = contact_list_visible_to(user=actor, run=run)
    ids = list(visible.values_list("pk", flat=True))
    for start in range(0, len(ids), EXPORT_CHUNK):
        wanted = ids[start : start + EXPORT_CHUNK]
        found = visible.in_bulk(wanted)
        contacts = contacts_with_exposures(found[pk] for pk in wanted if pk in found)
        sources = contact_sources(user=actor, run=run, contacts=contacts)
        for c in contacts:
            station = _("Health station of %(c)s") % {"c": c.commune.name} if c.commune else ""
            through = _through_text(sources.get(c.pk, []))
            for e in c.exposures:
                yield [
                    c.person.full_name,
                    c.person.phone,
                    c.commune.name if c.commune else "",
                    c.person.address,
                    e.venue.name if e.venue else "",
                    e.venue.address if e.venue else "",
                    local(e.start).strftime("%Y-%m-%d %H:%M"),
                    local(e.end).strftime("%Y-%m-%d %H:%M"),
                    f"F{c.degree}",
                    _("high") if c.risk == "high" else _("low"),
                    round(e.overlap_minutes),
                    FollowUp(c.status).label,
                    station,
                    through,
                    f"#{c.pk}",
                ]
            if each_contact is not None:
                each_contact()


def _audited_export(
    rows: Iterator[list], *, run: TracingRun, actor: User, purpose: str, fmt: str
) -> Iterator[list]:
    """The rows as they are written; the export audited with its purpose once the last one is (its row
    count known then). Inside a request or job's audited read, that read's one event carries it."""
    count = 0
    for row in rows:
        count += 1
        yield row
    audit.read_event(
        actor=actor,
        action="tracing.export",
        target=run,
        reason=purpose,
        row_count=count,
        detail={"format": fmt},
    )


EXPORT_IN_REQUEST_MAX = 20_000  # contacts an export answered within one request may hold


def export_in_request_check(*, run: TracingRun, actor: User) -> None:
    """Conflict when the contacts the user may see are too many to export within one request: the
    largest F2 run's XLSX takes minutes, past the web workers' timeout (30 s), and the client would get a
    broken connection. The run page writes such an export as a job."""
    count = contact_list_visible_to(user=actor, run=run).count()
    if count > EXPORT_IN_REQUEST_MAX:
        raise Conflict(
            _(
                "This run has %(n)d contacts in your area, too many to export in one request (at most "
                "%(max)d). Export it from the run's page, where it is written in the background, or read "
                "it a page at a time (GET /api/v1/tracing/runs/%(run)d/contacts)."
            )
            % {"n": count, "max": EXPORT_IN_REQUEST_MAX, "run": run.pk},
            code="export_too_large",
        )


def export_request_clean(*, fmt: str, purpose: str) -> str:
    """The purpose of an export, stripped; Invalid when it is missing or the format unknown (checked before
    an export job is started, and again when it runs)."""
    purpose = (purpose or "").strip()
    if not purpose:
        raise Invalid(_("State the purpose of the export."), field="purpose")
    if fmt not in EXPORT_FORMATS:
        raise Invalid(_("Export format must be csv or xlsx."), field="format")
    return purpose[:300]


def run_export(
    *, run: TracingRun, actor: User, fmt: str, purpose: str, each_contact: Callable[[], Any] | None = None
) -> tuple[Sheet, str]:
    """The contact list as a sheet for the shared export writer (sheet, file name), its rows read as the
    file is written (export_rows) and audited with its purpose when the last is: write the file inside
    the audited read (a request's, or a job's `audit.reading`)."""
    purpose = export_request_clean(fmt=fmt, purpose=purpose)
    if not run_contacts_whole(run=run):
        note_write()  # the contacts just filed, or not on the replica yet, are read from the primary
    rows = _audited_export(
        export_rows(run=run, actor=actor, each_contact=each_contact),
        run=run,
        actor=actor,
        purpose=purpose,
        fmt=fmt,
    )
    sheet = Sheet(title=f"F0-{run.case_id}", header=[str(h) for h in _export_headers()], rows=rows)
    return sheet, f"truy-vet-{run.pk}.{fmt}"


@dataclass
class NotifyPlan:
    """What "notify contacts" would send, shown to the officer before anything is sent."""

    channel: str
    degree: int | None
    notices: list  # notify.services.Notice: the messages to send now
    already: int  # contacts told before about the same exposure: skipped
    no_address: int  # contacts without a phone (or email)
    left_today: int  # messages the officer may still send today
    sample: str  # the first message, as its recipient will read it

    @property
    def over_cap(self) -> bool:
        return len(self.notices) > self.left_today


def notice_key(*, degree: int, person_id: int, checkin_id: int) -> str:
    """A contact notice names the person and the visit that exposed them (their own check-in): whatever
    run, case or officer finds that exposure again, the person is told once."""
    return f"tracing_f{degree}:{person_id}:{checkin_id}"


def run_notify_plan(
    *, run: TracingRun, actor: User, channel: str = "sms", degree: int | None = None
) -> NotifyPlan:
    """The notices "notify contacts" would send to the contacts the user may see (template per degree),
    leaving out those already told about the same exposure and those without an address."""
    if channel not in ("sms", "email"):
        raise Invalid(_("Send by SMS or email."), field="channel")
    run_contacts_file(run_id=run.pk)  # every contact is told, not those filed so far
    notices, no_address = [], 0
    for c in contacts_with_exposures(contact_list_visible_to(user=actor, run=run, degree=degree)):
        recipient = c.person.phone if channel == "sms" else c.person.email
        if not recipient:
            no_address += 1
            continue
        first = min(c.exposures, key=lambda e: (e.start, e.position))
        notices.append(
            Notice(
                channel=channel,
                recipient=recipient,
                template=f"tracing_f{c.degree}",
                context={
                    "contact": c,
                    "exposure": first,
                    "venue": first.venue,
                    "at": local(first.start),
                    "hotline": settings.EPIQR_HOTLINE,
                },
                key=notice_key(degree=c.degree, person_id=c.person_id, checkin_id=first.checkin_id),
                related=c,
            )
        )
    taken = notice_keys_taken(keys=[n.key for n in notices])
    fresh = [n for n in notices if n.key not in taken]
    sample = message_render(template=fresh[0].template, context=fresh[0].context)[1] if fresh else ""
    return NotifyPlan(
        channel=channel,
        degree=degree,
        notices=fresh,
        already=len(notices) - len(fresh),
        no_address=no_address,
        left_today=sends_left_today(actor=actor),
        sample=sample,
    )


def run_notify(*, run: TracingRun, actor: User, channel: str = "sms", degree: int | None = None) -> dict:
    """Send what run_notify_plan shows (the officer confirmed it): each contact told at most once per
    exposure, within the officer's daily cap (notify.services.notices_send refuses the whole send past it)."""
    plan = run_notify_plan(run=run, actor=actor, channel=channel, degree=degree)
    report = notices_send(notices=plan.notices, actor=actor)
    counts = {
        "sent": report.sent,
        "failed": report.failed,
        "already": plan.already + report.already,
        "no_address": plan.no_address,
    }
    audit_record(
        actor=actor,
        action="tracing.notify",
        target=run,
        row_count=counts["sent"],
        detail={"channel": channel, "degree": degree, **counts},
    )
    return counts
