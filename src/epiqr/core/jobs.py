"""Long work that shows its progress: imports of thousands of rows, batches of posters, big exports.

A domain declares each kind of job in its own `jobs.py`:

    @job_kind("venues.import", capability=permissions.IMPORT)
    def venues_import(*, job, progress) -> JobOutcome:
        report = services.venues_import(actor=job.owner, file=job.input().data, progress=progress)
        ...
        return JobOutcome(message=..., files=[...])

and its view starts one with `core.services.job_start(kind=..., owner=request.user, title=..., params=...,
files=[...])`, then sends the person to the job's page (`jobs:detail`). With a worker
(EPIQR_TASKS=database) the job runs there and the page shows a progress bar (rows done, rows refused,
time left) that can be left and come back to (`/jobs/` lists a person's jobs); without one it runs at
once, in the request. The capability is checked again when the job runs. Refused rows are kept as the
job's per-row report, result files until the job is purged (EPIQR_JOB_KEEP_DAYS).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.db import connection
from django_tasks import task_backends
from django_tasks.backends.immediate import ImmediateBackend

from .domains import domain_modules
from .models import Job, JobIssue
from .progress import Progress
from .timeutil import now

MAX_ISSUES = 10_000  # refused rows kept per job; the count of refused rows stays exact beyond
WRITE_EVERY = 1.0  # seconds between progress writes


@dataclass(frozen=True)
class JobFileOut:
    name: str
    content_type: str
    data: bytes


@dataclass
class JobOutcome:
    """What a finished job says: a message for its owner, numbers for the page, files to download.
    `stored` False means the work was refused as a whole (an all-or-nothing import with bad rows)."""

    message: str
    summary: dict = field(default_factory=dict)
    files: list[JobFileOut] = field(default_factory=list)
    stored: bool = True


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[..., JobOutcome]
    capability: str


_KINDS: dict[str, JobKind] = {}


def job_kind(name: str, *, capability: str) -> Callable:
    """Declare a kind of job (in a domain's jobs.py): `run(job=, progress=) -> JobOutcome`."""

    def register(run: Callable[..., JobOutcome]) -> Callable[..., JobOutcome]:
        _KINDS[name] = JobKind(name, run, capability)
        return run

    return register


@cache
def _load() -> None:
    for _domain, _module in domain_modules("jobs"):
        pass  # importing each domain's jobs.py registers its kinds


def kinds() -> dict[str, JobKind]:
    _load()
    return _KINDS


class JobProgress(Progress):
    """A job's progress, written to its row at most once a second, and its refused rows, written in
    batches. Nothing is written while the work holds a transaction of its own: the page could not see
    it before the commit, and on SQLite a second writer would wait for the first."""

    def __init__(self, job):
        super().__init__()
        self.job = job
        self.depth = len(connection.atomic_blocks)
        self.written_at = 0.0
        self.pending: list = []
        self.kept = 0

    def refuse(self, *, line: int | None = None, key: str = "", message: str) -> None:
        if self.kept < MAX_ISSUES:
            self.pending.append(
                JobIssue(job_id=self.job.pk, line=line, key=str(key)[:200], message=str(message)[:1000])
            )
            self.kept += 1
        super().refuse(line=line, key=key, message=message)

    def changed(self, force: bool = False) -> None:
        import time

        moment = time.monotonic()
        if not force and moment - self.written_at < WRITE_EVERY:
            return
        if len(connection.atomic_blocks) > self.depth:
            return
        self.written_at = moment
        self.write()

    def write(self) -> None:
        if self.pending:
            JobIssue.objects.bulk_create(self.pending, batch_size=1000)
            self.pending = []
        Job.objects.filter(pk=self.job.pk).update(
            total=self.total,
            done=self.done,
            refused=self.refused,
            stage=self.stage_text[:200],
            updated_at=now(),
        )

    def finish(self) -> None:
        self.write()


def runs_in_background() -> bool:
    """Whether a worker takes the jobs (not the in-process backend of development and tests)."""
    return not isinstance(task_backends["default"], ImmediateBackend)
