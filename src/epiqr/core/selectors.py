from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import NotFound
from .lists import Filter, FilterKind, ListSpec, Sort
from .models import AuditEvent, Job, JobFile, JobIssue, JobStatus


def audit_list_for(*, target) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)))


# --- jobs (core.jobs): a person sees their own jobs only -------------------------------------------


def job_list_visible_to(*, user):
    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(owner=user)


def job_get_visible_to(*, user, job_id: int):
    job = job_list_visible_to(user=user).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("No such job among yours."), code="job_not_found")
    return job


def job_file_get(*, job, file_id: int):
    found = JobFile.objects.filter(job=job, pk=file_id, role=JobFile.RESULT).first()
    if found is None:
        raise NotFound(_("No such file in this job."), code="job_file_not_found")
    return found


def job_result_files(*, job) -> list:
    """The files a job wrote (without their bytes)."""
    return list(JobFile.objects.filter(job=job, role=JobFile.RESULT).defer("data").order_by("id"))


def _issue_search(qs, text: str):
    """Refused rows by their row number, or by words in their key or reason."""
    from django.db.models import Q

    if text.isdigit() and len(text) < 10:
        return qs.filter(line=int(text))
    return qs.filter(Q(message__icontains=text) | Q(key__icontains=text))


JOBS = ListSpec(
    name="jobs",
    filters=(Filter("status", gettext_lazy("Status"), choices=JobStatus.choices),),
    sorts=(Sort("created", gettext_lazy("Time started"), ("created_at", "id")),),
    default_sort="-created",
    model=Job,
    index_prefixes=(("owner",),),
)

JOB_ISSUES = ListSpec(
    name="job_issues",
    filters=(
        Filter("q", gettext_lazy("Row or text"), kind=FilterKind.TEXT, prominent=True, apply=_issue_search),
    ),
    sorts=(Sort("line", gettext_lazy("Row"), ("line", "id")),),
    default_sort="line",
    model=JobIssue,
    index_prefixes=(("job",),),
)  # fmt: skip
