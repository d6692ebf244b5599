"""The event registry (epiqr.core.events): declared once, delivered after commit, handlers in their own
transactions, background handlers queued, a handler of an undeclared event refused at start-up.

The writes are AuditEvent rows (core's own table), so the tests need no other domain."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from epiqr.core import events
from epiqr.core.events import Event, Registry
from epiqr.core.models import AuditEvent

SAMPLE_TAKEN = Event("sample_taken", fields=("sample_id", "site"), when="A sample was taken at a site.")


def fresh(*declared: Event) -> Registry:
    registry = Registry()
    for event in declared:
        registry.declare(event, domain="testing")
    return registry


def write(action: str, **detail) -> None:
    AuditEvent.objects.create(action=action, detail=detail)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


# --- after commit, on real transactions -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_handlers_run_after_the_commit_and_see_the_committed_row():
    registry = fresh(SAMPLE_TAKEN)
    seen = []

    @registry.on("sample_taken")
    def count_samples(*, sample_id, site):
        # Runs once the emitter's row is committed: visible from a fresh transaction, not before.
        seen.append((sample_id, site, AuditEvent.objects.filter(action="sample").exists()))

    with transaction.atomic():
        write("sample")
        registry.emit(SAMPLE_TAKEN, sample_id=7, site="Ba Đình")
        assert seen == [], "nothing is delivered inside the emitter's transaction"
    assert seen == [(7, "Ba Đình", True)]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_emits_nothing():
    registry = fresh(SAMPLE_TAKEN)
    seen = []
    registry.on("sample_taken")(lambda **payload: seen.append(payload))

    with pytest.raises(RuntimeError), transaction.atomic():
        write("sample")
        registry.emit(SAMPLE_TAKEN, sample_id=1, site="a")
        raise RuntimeError("the service failed after emitting")
    # A savepoint rolled back inside a committed transaction drops its events too.
    with transaction.atomic():
        registry.emit(SAMPLE_TAKEN, sample_id=2, site="kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            registry.emit(SAMPLE_TAKEN, sample_id=3, site="undone")
            raise RuntimeError
    assert seen == [{"sample_id": 2, "site": "kept"}]
    assert actions() == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_event_is_delivered_at_once():
    registry = fresh(SAMPLE_TAKEN)
    seen = []
    registry.on("sample_taken")(lambda **payload: seen.append(payload["sample_id"]))
    registry.emit(SAMPLE_TAKEN, sample_id=5, site="a")
    assert seen == [5]


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_undoes_only_its_own_writes_and_is_reported(event_failures, caplog):
    registry = fresh(SAMPLE_TAKEN)

    @registry.on("sample_taken")
    def breaks(*, sample_id, site):
        write("half-done reaction")
        raise ValueError("the reaction broke")

    @registry.on("sample_taken")
    def works(*, sample_id, site):
        write("other reaction")

    with transaction.atomic():
        write("sample")
        registry.emit(SAMPLE_TAKEN, sample_id=1, site="a")

    assert actions() == ["sample", "other reaction"]
    failures = event_failures.take()
    assert [(f.event, f.handler.rsplit(".", 1)[-1], type(f.error)) for f in failures] == [
        ("sample_taken", "breaks", ValueError)
    ]
    assert failures[0].payload == {"sample_id": 1, "site": "a"}
    assert "handler" in caplog.text and "breaks" in caplog.text


@pytest.mark.django_db
def test_an_untaken_handler_failure_fails_the_test(event_failures):
    """The suite's `event_failures` fixture turns a swallowed handler error into a failed test."""
    from tests.conftest import watch_event_failures

    registry = fresh(Event("e", fields=(), when="Now."))
    registry.on("e")(lambda: 1 / 0)
    inner = watch_event_failures()  # the fixture as another test would get it
    next(inner)
    assert registry.run(registry.handlers("e")[0], {}) is False
    with pytest.raises(pytest.fail.Exception, match="(?s)event handlers failed.*ZeroDivisionError"):
        next(inner)
    assert len(event_failures.take()) == 1  # this test's own copy of the same failure


# --- ordering ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_order_events_in_emit_order_handlers_in_domain_then_written_order(monkeypatch):
    other = Event("other_thing", fields=("n",), when="Something else happened.")
    registry = fresh(SAMPLE_TAKEN, other)
    seen = []

    def handler(label):
        def run(**payload):
            seen.append((label, payload.get("sample_id", payload.get("n"))))

        return run

    # Registered out of domain order (core.domains.DOMAINS: notify, ..., cases, ..., tracing): tracing's
    # first, then notify's, then cases'.
    for module, label in (("epiqr.tracing.flows", "tracing-1"), ("epiqr.notify.flows", "notify")):
        fn = handler(label)
        fn.__module__, fn.__qualname__ = module, label.replace("-", "_")
        registry.on("sample_taken")(fn)
    fn = handler("tracing-2")
    fn.__module__, fn.__qualname__ = "epiqr.tracing.flows", "tracing_2"
    registry.on("sample_taken")(fn)
    fn = handler("cases")
    fn.__module__, fn.__qualname__ = "epiqr.cases.flows", "cases"
    registry.on("sample_taken")(fn)
    registry.on("other_thing")(handler("other"))

    with transaction.atomic():
        registry.emit(SAMPLE_TAKEN, sample_id=1, site="a")
        registry.emit(other, n=2)
        registry.emit(SAMPLE_TAKEN, sample_id=3, site="a")
    assert seen == [
        ("notify", 1),
        ("cases", 1),
        ("tracing-1", 1),
        ("tracing-2", 1),
        ("other", 2),
        ("notify", 3),
        ("cases", 3),
        ("tracing-1", 3),
        ("tracing-2", 3),
    ]


# --- background handlers ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_background_handler_is_queued_after_commit_and_a_worker_runs_it(settings, monkeypatch):
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    registry = fresh(SAMPLE_TAKEN)
    monkeypatch.setattr(events, "registry", registry)
    ran = []

    @registry.on("sample_taken", background=True)
    def slow_reaction(*, sample_id, site):
        write("slow reaction", sample_id=sample_id)
        ran.append(sample_id)

    with transaction.atomic():
        registry.emit(SAMPLE_TAKEN, sample_id=9, site="a")
        assert default_task_backend.results == []
    [queued] = default_task_backend.results
    assert queued.task.module_path == "epiqr.core.events.deliver"
    assert queued.kwargs == {
        "event": "sample_taken",
        "handler": f"{__name__}.test_background_handler_is_queued_after_commit_and_a_worker_runs_it."
        "<locals>.slow_reaction",
        "payload": {"sample_id": 9, "site": "a"},
    }
    assert ran == [], "queued, not run in the emitter's process"
    events.deliver.call(**queued.kwargs)  # what the worker does
    assert ran == [9]
    assert actions() == ["slow reaction"]


@pytest.mark.django_db(transaction=True)
def test_background_handler_runs_at_once_with_the_in_process_backend(monkeypatch, event_failures):
    registry = fresh(SAMPLE_TAKEN)
    monkeypatch.setattr(events, "registry", registry)

    @registry.on("sample_taken", background=True)
    def reaction(*, sample_id, site):
        write("reaction")

    @registry.on("sample_taken", background=True)
    def broken(*, sample_id, site):
        write("broken reaction")
        raise LookupError("gone")

    with transaction.atomic():
        write("sample")
        registry.emit(SAMPLE_TAKEN, sample_id=1, site="a")
    assert actions() == ["sample", "reaction"]
    assert [type(f.error) for f in event_failures.take()] == [LookupError]


@pytest.mark.django_db
def test_in_a_test_transaction_reactions_run_when_commit_callbacks_do(django_capture_on_commit_callbacks):
    """How domain tests see a reaction: the test's transaction never commits, so capture the callbacks."""
    registry = fresh(SAMPLE_TAKEN)
    registry.on("sample_taken")(lambda **p: write("reaction"))
    with django_capture_on_commit_callbacks(execute=True):
        registry.emit(SAMPLE_TAKEN, sample_id=1, site="a")
    assert actions() == ["reaction"]


# --- declarations and start-up ----------------------------------------------------------------------


def test_a_handler_of_an_undeclared_event_stops_the_start_up():
    registry = fresh(SAMPLE_TAKEN)
    registry.on("sample_takn")(lambda **p: None)
    with pytest.raises(ImproperlyConfigured, match="sample_takn.*which no domain declares"):
        registry.check()


def test_a_handler_that_cannot_take_the_fields_stops_the_start_up():
    registry = fresh(SAMPLE_TAKEN)

    @registry.on("sample_taken")
    def wrong(*, sample_id):
        pass

    with pytest.raises(ImproperlyConfigured, match="cannot take the fields"):
        registry.check()


def test_once_loaded_a_late_subscription_is_checked_at_once():
    registry = fresh(SAMPLE_TAKEN)
    registry.load(domains=())
    with pytest.raises(ImproperlyConfigured, match="no domain declares"):
        registry.on("nothing_like_it")(lambda: None)


def test_an_event_declared_twice_is_refused():
    registry = fresh(SAMPLE_TAKEN)
    registry.declare(SAMPLE_TAKEN, domain="testing")  # the same declaration again is harmless
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        registry.declare(Event("sample_taken", fields=("id",), when="Other."), domain="venues")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bad name", ("a",), "When."), "not an identifier"),
        (("e", ("a", "a"), "When."), "distinct"),
        (("e", ("a",), " "), "say when"),
    ],
)
def test_a_malformed_declaration_is_refused(args, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        Event(*args)


def test_emit_checks_the_payload_against_the_declaration():
    registry = fresh(SAMPLE_TAKEN)
    with pytest.raises(TypeError, match="takes exactly"):
        registry.emit(SAMPLE_TAKEN, sample_id=1)
    with pytest.raises(TypeError, match="takes exactly"):
        registry.emit(SAMPLE_TAKEN, sample_id=1, site="a", extra=2)
    with pytest.raises(TypeError, match="JSON"):
        registry.emit(SAMPLE_TAKEN, sample_id=object(), site="a")
    with pytest.raises(ImproperlyConfigured, match="not declared"):
        registry.emit("nobody_declared_this")


def test_the_application_registry_is_loaded_and_consistent():
    """Start-up loaded every domain's events and flows; each event names its emitting domain."""
    assert events.registry.loaded
    events.registry.check()
    for event, handlers in events.registry.catalogue():
        assert event.domain, event
        for sub in handlers:
            assert sub.domain, f"{sub.key} handles {event.name} from outside a domain's flows"
