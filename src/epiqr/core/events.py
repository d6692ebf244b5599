"""Events between domains: how one domain reacts to what happened in another without importing it.

- The domain where something happens DECLARES the event once, in its `events.py`:
  `CASE_OPENED = Event("case_opened", fields=("case_id", "source"), when="A case was opened.")`,
  and EMITS it from the service that did it: `events.emit(CASE_OPENED, case_id=case.pk, source="lab")`.
- The reacting domain SUBSCRIBES in its own `flows.py`: `@events.on("case_opened")` on a function taking
  the payload as keyword arguments (`background=True` runs it as a django-tasks task).

Rules (tests/core/test_events.py):
- Handlers run AFTER the emitter's transaction commits; a rolled-back transaction emits nothing. Outside
  any transaction the event is delivered at once.
- The payload is exactly the declared fields, JSON values only (ids, codes, dates as ISO text): a worker
  may run the handler later, so it reads the rows it needs again.
- Each handler runs in its own transaction: a failing handler rolls back its own writes only. It never
  undoes the emitter's write (already committed) nor stops the other handlers. Its error is logged
  (logger `epiqr.events`) and sent as the `handler_failed` signal; the test suite fails any test in
  which a handler failed unless the test takes the failure (`event_failures` fixture in tests/conftest.py).
- `background=True`: the handler is queued as the `deliver` task after commit; a worker runs it
  (`EPIQR_TASKS=database`). With the in-process backend (development, tests) it runs at once, so the
  reaction is seen without a worker.
- Handlers of one event run in the order of the domain list (`core.domains.DOMAINS`), then in the order
  they are written in their module; events emitted in one transaction are delivered in emit order.
- Start-up (`load()`, from core's AppConfig) imports every domain's `events.py` and `flows.py` and
  refuses (ImproperlyConfigured) an event declared twice, a handler of an undeclared event and a handler
  that cannot take the declared fields.
"""

import inspect
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from itertools import count
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.dispatch import Signal
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from .domains import DOMAINS, domain_modules, domain_of

log = logging.getLogger("epiqr.events")

# Sent when a handler raised: sender=Registry, failure=HandlerFailure.
handler_failed = Signal()

Handler = Callable[..., Any]


@dataclass(frozen=True)
class Event:
    """An event a domain emits: its name, the payload's fields, and a sentence saying when it fires."""

    name: str
    fields: tuple[str, ...]
    when: str
    domain: str = ""  # the emitting domain, filled in from the declaring module at start-up

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ImproperlyConfigured(f"event name {self.name!r} is not an identifier")
        if len(set(self.fields)) != len(self.fields) or not all(f.isidentifier() for f in self.fields):
            raise ImproperlyConfigured(f"event {self.name}: fields must be distinct identifiers")
        if not self.when.strip():
            raise ImproperlyConfigured(f"event {self.name}: say when it fires")


@dataclass(frozen=True)
class Subscription:
    event: str
    handler: Handler
    background: bool
    seq: int

    @property
    def key(self) -> str:
        """The handler's dotted path: how a queued task names it."""
        return f"{self.handler.__module__}.{self.handler.__qualname__}"

    @property
    def domain(self) -> str | None:
        return domain_of(self.handler.__module__)


@dataclass(frozen=True)
class HandlerFailure:
    event: str
    handler: str
    payload: dict
    error: BaseException


@dataclass
class Registry:
    """Declared events and their handlers. The module-level `registry` is the application's; tests of
    the mechanism make their own."""

    events: dict[str, Event] = field(default_factory=dict)
    subscriptions: list[Subscription] = field(default_factory=list)
    loaded: bool = False
    _seq: Any = field(default_factory=count)

    # Declaring and subscribing
    def declare(self, event: Event, *, domain: str = "") -> Event:
        if domain and not event.domain:
            event = Event(event.name, event.fields, event.when, domain)
        known = self.events.get(event.name)
        if known is not None and known != event:
            raise ImproperlyConfigured(
                f"event {event.name!r} declared twice ({known.domain or '?'} and {event.domain or '?'})"
            )
        self.events[event.name] = event
        return event

    def on(self, event: "Event | str", *, background: bool = False) -> Callable[[Handler], Handler]:
        """Decorator: run the function when `event` is emitted (its payload as keyword arguments)."""
        name = event.name if isinstance(event, Event) else event

        def register(handler: Handler) -> Handler:
            sub = Subscription(name, handler, background, next(self._seq))
            # A module imported twice (tests reloading it) registers its handler once.
            self.subscriptions = [s for s in self.subscriptions if s.key != sub.key or s.event != name]
            self.subscriptions.append(sub)
            if self.loaded:
                self.check()
            return handler

        return register

    def check(self) -> None:
        """Refuse a handler of an undeclared event, or one that cannot take the event's fields."""
        for sub in self.subscriptions:
            event = self.events.get(sub.event)
            if event is None:
                raise ImproperlyConfigured(
                    f"{sub.key} handles the event {sub.event!r}, which no domain declares "
                    f"(declared: {', '.join(sorted(self.events)) or 'none'})"
                )
            try:
                inspect.signature(sub.handler).bind(**dict.fromkeys(event.fields))
            except TypeError as exc:
                raise ImproperlyConfigured(
                    f"{sub.key} cannot take the fields of {event.name!r} {event.fields}: {exc}"
                ) from None

    def handlers(self, name: str) -> list[Subscription]:
        """The handlers of an event in delivery order: domain list order, then order written."""
        rank = {domain: i for i, domain in enumerate(DOMAINS)}
        subs = [s for s in self.subscriptions if s.event == name]
        return sorted(subs, key=lambda s: (rank.get(s.domain or "", len(DOMAINS)), s.seq))

    def handler(self, key: str, name: str) -> Subscription:
        for sub in self.subscriptions:
            if sub.key == key and sub.event == name:
                return sub
        raise LookupError(f"no handler {key} for event {name!r}")

    # Emitting
    def emit(self, event: "Event | str", /, **payload: Any) -> None:
        """Deliver `event` to its handlers once the current transaction commits (at once outside one)."""
        name = event.name if isinstance(event, Event) else event
        declared = self.events.get(name)
        if declared is None:
            raise ImproperlyConfigured(f"event {name!r} is emitted but not declared")
        if set(payload) != set(declared.fields):
            raise TypeError(f"event {name!r} takes exactly {declared.fields}, was given {tuple(payload)}")
        try:
            payload = json.loads(json.dumps(payload))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"event {name!r}: the payload must be JSON values ({exc})") from None
        transaction.on_commit(partial(self._dispatch, name, payload))

    def _dispatch(self, name: str, payload: dict) -> None:
        for sub in self.handlers(name):
            if sub.background:
                try:
                    deliver.enqueue(event=name, handler=sub.key, payload=payload)
                except Exception as exc:  # the queue itself failed: say so, go on with the others
                    self._failed(sub, payload, exc)
            else:
                self.run(sub, payload)

    def run(self, sub: Subscription, payload: dict) -> bool:
        """Run one handler in its own transaction; False (logged and signalled) when it raised."""
        try:
            with transaction.atomic():
                sub.handler(**payload)
        except Exception as exc:
            self._failed(sub, payload, exc)
            return False
        return True

    def _failed(self, sub: Subscription, payload: dict, exc: BaseException) -> None:
        log.error("event %s: handler %s failed", sub.event, sub.key, exc_info=exc)
        handler_failed.send(Registry, failure=HandlerFailure(sub.event, sub.key, payload, exc))

    # Start-up
    def load(self, domains: Iterable[str] = DOMAINS) -> None:
        """Import every domain's `events.py` (declarations) and `flows.py` (handlers), then check."""
        domains = tuple(domains)
        for domain, module in domain_modules("events", domains):
            for value in vars(module).values():
                if isinstance(value, Event):
                    self.declare(value, domain=domain)
        for _domain, _module in domain_modules("flows", domains):
            pass  # importing a flows module registers its handlers
        self.check()
        self.loaded = True

    def catalogue(self) -> list[tuple[Event, list[Subscription]]]:
        """Every declared event with its handlers, in domain order (for docs and tests)."""
        rank = {domain: i for i, domain in enumerate(DOMAINS)}
        ordered = sorted(self.events.values(), key=lambda e: (rank.get(e.domain, len(DOMAINS)), e.name))
        return [(event, self.handlers(event.name)) for event in ordered]


registry = Registry()
on = registry.on
emit = registry.emit


def in_background() -> bool:
    """Whether background handlers go to a worker (EPIQR_TASKS=database), not run at once in-process."""
    return not isinstance(deliver.get_backend(), ImmediateBackend)


@task()
def deliver(*, event: str, handler: str, payload: dict) -> None:
    """A background handler, run by the worker. Its failure is reported as an inline one's, then raised
    so the task backend records the task as failed."""
    sub = registry.handler(handler, event)
    try:
        with transaction.atomic():
            sub.handler(**payload)
    except Exception as exc:
        registry._failed(sub, payload, exc)
        raise
