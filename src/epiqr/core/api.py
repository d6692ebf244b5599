"""Jobs API at /api/v1/jobs: the caller's own long work (imports, posters, exports) and its progress."""

from datetime import datetime

from ninja import Query, Router, Schema

from . import selectors
from .api_schema import Id, errors
from .audit import no_personal_data
from .lists import api_page, api_params, api_query
from .selectors import JOBS, job_result_files
from .timeutil import now

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    total: int | None
    done: int
    refused: int
    stage: str
    seconds_left: int | None
    message: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    files: list[str]
    url: str


def _out(job, request) -> dict:
    from django.urls import reverse

    left = job.seconds_left(now())
    return {
        "id": job.pk,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "refused": job.refused,
        "stage": job.stage,
        "seconds_left": None if left is None else int(left) + 1,
        "message": job.message,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "files": [reverse("jobs:file", args=[job.pk, f.pk]) for f in job_result_files(job=job)]
        if job.finished
        else [],
        "url": reverse("jobs:detail", args=[job.pk]),
    }


def _spec():
    return JOBS


JobPage = api_page(JobOut, name="JobPage")
JobListQuery = api_query(_spec())


@router.get("", response=JobPage)
@no_personal_data("the caller's own jobs")
def job_list(request, params: Query[JobListQuery]):
    """Your jobs, newest first: their status, rows done and refused, and time left."""
    page = selectors.JOBS.get(
        selectors.job_list_visible_to(user=request.user), api_params(params), user=request.user, strict=True
    )
    return page.as_api([_out(j, request) for j in page.items], path=request.path)


@router.get("/{job_id}", response={200: JobOut, **errors(404)})
@no_personal_data("the caller's own job")
def job_get(request, job_id: Id):
    """One of your jobs (poll it for its progress); its result files are downloaded from `files`."""
    return _out(selectors.job_get_visible_to(user=request.user, job_id=job_id), request)
