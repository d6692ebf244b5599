"""Reads of personal data are audited in one place.

Every page and API operation says what it reads, next to its code:

    @requires(permissions.VIEW)
    @reads_personal_data("cases.view", target=("cases.case", "case_id"))
    def case_detail(request, case_id): ...

    @router.get("/{case_id}", ...)
    @reads_personal_data("cases.view", target=("cases.case", "case_id"))
    def get_case(request, case_id: Id): ...

or, deliberately, that it reads none: `@no_personal_data("the venue's own poster")`. A test walks every
URL pattern and API operation (tests/core/test_audit_routes.py) and fails on a route with neither.

One mechanism records them: `core.middleware.AuditReads` opens a `Reading` for each request and the
declared view marks it. Every row of a table holding people's data that is loaded while the request is
answered (template rendering, API serialisation and streamed files included) notes its person: each
domain registers such tables with `track_reads(Model, person_id=...)` in its AppConfig.ready()
(people.Person, checkins.HealthDeclaration); raw-SQL or `values()` reads note theirs with
`note_people(ids)`. When the answer is a success, one AuditEvent row is written with the actor, the
action, the target, the number of distinct people and their ids (at most `PEOPLE_PER_EVENT`, in
AuditPerson: "who read this person?"). A request to an undeclared route costs one context-variable lookup
per person loaded, and no query. Work outside a request uses `with reading(actor=, action=, target=)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import TypeVar

M = TypeVar("M")  # a model class whose rows name a person

# Person ids kept per event (the count is always exact); raised to the alert's limit + 1 when that is
# set higher (see _people_kept).
PEOPLE_PER_EVENT = 2000


@dataclass(frozen=True)
class PersonalRead:
    """What a route reads: the action written in the log, and the object named by a URL parameter."""

    action: str
    target: tuple[str, str] | None = None  # (model label, name of the view parameter holding its id)
    reason: str | None = None  # the GET/POST field or parameter carrying the reader's stated reason
    only_if_people: bool = False  # record only when at least one person was read (the Django admin)


@dataclass
class Reading:
    """The personal data one request has read so far."""

    declared: PersonalRead | None = None
    params: dict = field(default_factory=dict)
    people: set[int] = field(default_factory=set)
    skipped: bool = False
    target: tuple[str, str] | None = None  # set by the view when no URL parameter names it
    reason: str = ""
    row_count: int | None = None
    detail: dict = field(default_factory=dict)

    def add(self, person_ids: Iterable[int]) -> None:
        if self.declared is not None:
            self.people.update(int(p) for p in person_ids if p is not None)


_reading: ContextVar[Reading | None] = ContextVar("epiqr_audit_reading", default=None)


def reads_personal_data(
    action: str,
    *,
    target: tuple[str, str] | None = None,
    reason: str | None = None,
) -> Callable:
    """Declare that a view or API handler reads personal data; the request is then audited as `action`.

    `target=("cases.case", "case_id")` records the object the view's `case_id` parameter names;
    `reason="purpose"` records the reason the reader gave in that field."""
    declared = PersonalRead(action=action, target=target, reason=reason)

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            reading = _reading.get()
            if reading is not None:
                reading.declared = declared
                reading.params = kwargs
            return view(request, *args, **kwargs)

        wrapper.personal_read = declared  # type: ignore[attr-defined]
        return wrapper

    return decorate


# Reasons shared by many routes.
CITIZEN = (
    "a citizen's own page: only what this phone recorded itself or its holder proved (people.citizen), "
    "never a staff read of someone else's records"
)
WRITE_THEN_REDIRECT = "a form target: it writes, then redirects to a page that is audited itself"
OWN_ACCOUNT = "the caller's own staff account (login, second factor, tokens)"


def no_personal_data(why: str) -> Callable:
    """Declare, with the reason, that a route shows nobody's personal data to its caller."""

    def decorate(view):
        view.no_personal_data = why
        return view

    return decorate


def declaration_of(view) -> PersonalRead | str | None:
    """A route's declaration: its PersonalRead, the reason it reads none, or None when it says nothing."""
    seen, todo = set(), [view]
    while todo:
        view = todo.pop(0)
        if view is None or id(view) in seen:
            continue
        seen.add(id(view))
        if isinstance(getattr(view, "personal_read", None), PersonalRead):
            return view.personal_read
        if isinstance(getattr(view, "no_personal_data", None), str):
            return view.no_personal_data
        todo += [getattr(view, "view_class", None), getattr(view, "__wrapped__", None)]  # class-based views
    return None


# Whole URL namespaces declared at once (their views are not ours to decorate): namespace -> declaration.
NAMESPACES: dict[str, PersonalRead] = {
    # The Django admin lists and opens any table: audited whenever a page of it loaded somebody.
    "admin": PersonalRead(action="admin.view", only_if_people=True),
}


def declare_current(declared: PersonalRead, params: dict | None = None) -> None:
    """Mark the current request as the declared read (the middleware does this for NAMESPACES)."""
    reading = _reading.get()
    if reading is not None and reading.declared is None:
        reading.declared = declared
        reading.params = params or {}


def current() -> Reading | None:
    """The current request's declared read, or None (not a request, or a route that reads nothing)."""
    reading = _reading.get()
    return reading if reading is not None and reading.declared is not None else None


def annotate(
    *, target=None, reason: str | None = None, row_count: int | None = None, detail: dict | None = None
) -> None:
    """Add what only the view knows to the request's audit event: the object read when no URL parameter
    names it (a declaration opened by its code), the reader's reason, the rows shown, details."""
    reading = current()
    if reading is None:
        return
    if target is not None:
        reading.target = (target._meta.label_lower, str(target.pk))
    if reason is not None:
        reading.reason = reason
    if row_count is not None:
        reading.row_count = row_count
    if detail:
        reading.detail.update(detail)


def skip() -> None:
    """This answer showed nobody's data after all (a public view of a declared page): write no event."""
    reading = current()
    if reading is not None:
        reading.skipped = True


def read_event(*, actor, action: str, target=None, reason: str = "", row_count=None, detail=None) -> None:
    """A service that reads personal data for a request or for a job: inside a declared request it adds
    to that request's event (one event per request); elsewhere (a job, a command) it writes its own."""
    if current() is not None:
        annotate(
            target=target, reason=reason, row_count=row_count, detail={"service": action, **(detail or {})}
        )
        return
    from .services import audit_record

    audit_record(actor=actor, action=action, target=target, reason=reason, row_count=row_count, detail=detail)


def track_reads(model: type[M], *, person_id: Callable[[M], int | None]) -> None:
    """Every row of `model` loaded while an audited route answers is a read of the person
    `person_id(row)` names: a domain calls this from its AppConfig.ready() for each table holding people's
    data (people.Person itself, a declaration carrying a name and phone...)."""
    from django.db.models.signals import post_init

    def loaded(sender, instance, **kwargs) -> None:
        reading = _reading.get()
        if reading is not None and reading.declared is not None:
            found = person_id(instance)
            if found is not None:
                reading.people.add(found)

    post_init.connect(loaded, sender=model, weak=False, dispatch_uid=f"epiqr.audit.{model._meta.label_lower}")


def note_person(person_id: int | None) -> None:
    """One person was read (called when a Person row is loaded)."""
    reading = _reading.get()
    if reading is not None and reading.declared is not None and person_id is not None:
        reading.people.add(person_id)


def note_people(person_ids: Iterable[int]) -> None:
    """People read without loading their rows (raw SQL, `values()`): call it where the ids are fetched."""
    reading = _reading.get()
    if reading is not None:
        reading.add(person_ids)


def begin() -> tuple[Reading, object]:
    reading = Reading()
    return reading, _reading.set(reading)


def end(token) -> None:
    _reading.reset(token)


class stream_within:  # noqa: N801 - used as a function
    """A streamed answer (a CSV written row by row) still reads people after the view returned: each chunk
    is produced inside the request's Reading, and the event is written when the stream ends or is closed
    (Django closes it at the end of the response, read to the end or not)."""

    def __init__(self, reading: Reading, chunks: Iterable, finish: Callable[[], None]):
        self._reading, self._chunks, self._finish = reading, iter(chunks), finish
        self._done = False

    def __iter__(self) -> Iterator:
        return self

    def __next__(self):
        token = _reading.set(self._reading)
        try:
            return next(self._chunks)
        except StopIteration:
            self.close()
            raise
        finally:
            _reading.reset(token)

    def close(self) -> None:
        if self._done:
            return
        self._done = True
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        self._finish()


def record(*, request, reading: Reading, status: int) -> None:
    """Write the request's audit event (one per request) and tell the listeners (the alert)."""
    declared = reading.declared
    if declared is None or reading.skipped or status >= 400:
        return
    if declared.only_if_people and not reading.people:
        return

    target_type, target_id = reading.target or ("", "")
    if declared.target is not None and reading.target is None:
        target_type, param = declared.target
        value = reading.params.get(param)
        target_id = "" if value is None else str(value)[:64]
    reason = reading.reason
    if declared.reason and not reason:
        value = reading.params.get(declared.reason)
        if value is None:
            value = request.POST.get(declared.reason) or request.GET.get(declared.reason) or ""
        reason = str(value)
    _write(
        reading,
        actor=getattr(request, "user", None),
        target=(target_type, target_id),
        reason=reason,
        detail={"path": request.get_full_path()[:300], "method": request.method},
    )


def _write(reading: Reading, *, actor, target: tuple[str, str], reason: str, detail: dict) -> None:
    from .services import audit_people_record

    event = audit_people_record(
        actor=actor,
        action=reading.declared.action,
        target_type=target[0],
        target_id=target[1],
        reason=reason,
        people=reading.people,
        row_count=reading.row_count,
        detail={**detail, **reading.detail},
        keep=_people_kept(),
    )
    for listener in LISTENERS:
        listener(event=event, people=len(reading.people))


def _people_kept() -> int:
    """Ids kept per event: PEOPLE_PER_EVENT, or more when the alert's hourly limit is set higher (the alert
    counts distinct people from the stored ids, so one read above the limit must keep limit + 1)."""
    from django.conf import settings

    return max(PEOPLE_PER_EVENT, getattr(settings, "EPIQR_AUDIT_PEOPLE_PER_HOUR", 0) + 1)


@contextmanager
def reading(*, actor, action: str, target=None) -> Iterator[Reading]:
    """Audit a read done outside a request (a job writing an export, a command) as a declared route is:
    the people loaded inside the block are recorded in one event when it ends without an error."""
    current_reading = Reading(declared=PersonalRead(action=action))
    if target is not None:
        current_reading.target = (target._meta.label_lower, str(target.pk))
    token = _reading.set(current_reading)
    try:
        yield current_reading
    finally:
        _reading.reset(token)
    _write(
        current_reading,
        actor=actor,
        target=current_reading.target or ("", ""),
        reason=current_reading.reason,
        detail={},
    )


# Called after each recorded read with (event=, people=): the audit package's alert registers itself here
# (core cannot import the packages above it).
LISTENERS: list[Callable] = []
