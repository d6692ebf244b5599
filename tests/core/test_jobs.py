"""Long work shows its progress (epiqr.core.jobs): a job's page tells rows done, rows refused and time left
while it runs, in the worker when there is one and at once otherwise; its results and per-row report stay
for its owner only; the command-line tools draw a bar on a terminal and stay quiet in a pipe."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from epiqr.core import jobs
from epiqr.core.jobs import JobFileOut, JobOutcome, job_kind
from epiqr.core.models import AuditEvent, Job, JobFile, JobIssue, JobStatus
from epiqr.core.permissions import Role
from epiqr.core.progress import TerminalProgress
from epiqr.core.services import job_run, job_start, jobs_purge
from epiqr.core.timeutil import now
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SEEN: dict = {}


@job_kind("tests.count", capability="venues.view")
def count_rows(*, job, progress) -> JobOutcome:
    """Five rows, the third refused; the page is read back while the job is half way."""
    progress.start(total=5, stage="Đếm")
    for n in range(1, 6):
        progress.advance()
        if n == 3:
            progress.refuse(line=n, key=f"dòng {n}", message="Giá trị không hợp lệ")
        if n == 4 and "client" in SEEN:
            SEEN["halfway"] = SEEN["client"].get(f"/jobs/{job.pk}/progress/").content.decode()
    return JobOutcome(message="Xong", files=[JobFileOut("ket-qua.txt", "text/plain", b"42")])


@job_kind("tests.boom", capability="venues.view")
def boom(*, job, progress) -> JobOutcome:
    raise RuntimeError("a bug")


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def officer(make_user, commune):
    return make_user(commune=commune)


@pytest.fixture
def no_pause(monkeypatch):
    monkeypatch.setattr(jobs, "WRITE_EVERY", 0.0)


def test_a_job_page_shows_rows_done_refused_and_the_result_to_its_owner_only(
    officer, make_user, no_pause, django_capture_on_commit_callbacks
):
    client = login(officer)
    SEEN.clear()
    SEEN["client"] = client
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="tests.count", owner=officer, title="Đếm thử")
    halfway = SEEN.pop("halfway")
    assert "4 / 5" in halfway or "4 trên 5" in halfway or "4 of 5" in halfway, halfway
    assert re.search(r'<progress max="5" value="4"', halfway) and "1 dòng bị từ chối" in halfway
    job.refresh_from_db()
    assert (job.status, job.done, job.refused, job.message) == (JobStatus.DONE, 5, 1, "Xong")
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Giá trị không hợp lệ" in page and "dòng 3" in page and "hx-trigger" not in page
    (result,) = JobFile.objects.filter(job=job, role=JobFile.RESULT)
    download = client.get(f"/jobs/{job.pk}/files/{result.pk}/")
    assert download.content == b"42" and "attachment" in download["Content-Disposition"]
    assert AuditEvent.objects.filter(action="job.download", actor=officer, target_id=str(job.pk)).exists()
    other = login(make_user(commune=officer.commune))
    assert other.get(f"/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/jobs/{job.pk}/files/{result.pk}/").status_code == 404
    assert other.get(f"/api/v1/jobs/{job.pk}").status_code == 404
    assert "Đếm thử" in client.get("/jobs/").content.decode()
    assert "Đếm thử" not in other.get("/jobs/").content.decode()
    body = client.get(f"/api/v1/jobs/{job.pk}").json()
    assert (body["status"], body["done"], body["refused"]) == ("done", 5, 1)
    assert body["files"] == [f"/jobs/{job.pk}/files/{result.pk}/"]


def test_with_a_worker_the_page_waits_and_polls_until_the_worker_has_run_it(
    officer, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="tests.count", owner=officer, title="Đếm nền")
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    waiting = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/"' in waiting and 'hx-trigger="every 1s"' in waiting
    assert 'http-equiv="refresh"' in waiting  # without JavaScript the page reloads itself
    assert "có thể rời trang" in waiting.lower() or "leave this page" in waiting
    job_run(job_id=job.pk)  # what the worker does
    assert job_run(job_id=job.pk).status == JobStatus.DONE  # a retried task runs nothing twice
    done = client.get(f"/jobs/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"  # the page reloads with the result


def test_a_job_that_breaks_or_whose_owner_lost_the_right_ends_with_a_message(
    officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        broken = job_start(kind="tests.boom", owner=officer, title="Hỏng")
    broken.refresh_from_db()
    assert broken.status == JobStatus.FAILED and "thất bại" in broken.message.lower()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = job_start(kind="tests.count", owner=officer, title="Mất quyền")
    officer.role = Role.LAB_TECH  # no longer holds venues.view
    officer.save()
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.done == 0 and not job.files.exists()


def test_a_job_cannot_be_started_without_the_capability(make_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        job_start(kind="tests.count", owner=make_user(Role.LAB_TECH), title="x")
    assert not Job.objects.exists()


def test_finished_jobs_are_purged_with_their_files_after_the_keep_days(officer, settings):
    settings.EPIQR_JOB_KEEP_DAYS = 7
    old = Job.objects.create(kind="tests.count", owner=officer, title="Cũ", status=JobStatus.DONE)
    Job.objects.filter(pk=old.pk).update(finished_at=now() - timedelta(days=8))
    JobFile.objects.create(job=old, role=JobFile.RESULT, name="a.csv", content_type="text/plain", data=b"x")
    JobIssue.objects.create(job=old, line=2, message="sai")
    recent = Job.objects.create(kind="tests.count", owner=officer, title="Mới", status=JobStatus.DONE)
    Job.objects.filter(pk=recent.pk).update(finished_at=now() - timedelta(days=1))
    running = Job.objects.create(
        kind="tests.count", owner=officer, title="Đang chạy", status=JobStatus.RUNNING
    )
    assert jobs_purge() >= 1
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert not JobFile.objects.exists() and not JobIssue.objects.exists()


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_the_terminal_bar_draws_on_a_terminal_and_stays_quiet_in_a_pipe():
    tty, pipe = FakeTerminal(), io.StringIO()
    for stream in (tty, pipe):
        bar = TerminalProgress(label="nhập", stream=stream)
        bar.EVERY = 0
        bar.start(total=200)
        bar.advance(50)
        bar.refuse(line=3, message="x")
        bar.finish()
    assert pipe.getvalue() == ""
    last = tty.getvalue().split("\r")[-1]
    assert "25%" in last and "50/200" in last and "refused 1" in last and tty.getvalue().endswith("\n")


def test_the_posters_command_draws_a_bar_only_on_a_terminal(geo, tmp_path, commune):
    from tests.factories import VenueFactory

    for _ in range(3):
        VenueFactory(commune=commune)
    tty, pipe, out = FakeTerminal(), io.StringIO(), io.StringIO()
    call_command(
        "posters", "--commune", str(commune.code), "--out", str(tmp_path / "a.pdf"), stderr=tty, stdout=out
    )
    assert "3/3" in tty.getvalue() and "100%" in tty.getvalue()
    call_command(
        "posters", "--commune", str(commune.code), "--out", str(tmp_path / "b.pdf"), stderr=pipe, stdout=out
    )
    assert pipe.getvalue() == "" and "3 poster(s)" in out.getvalue()


def test_import_checkins_and_synth_draw_a_bar_on_a_terminal_and_print_only_the_summary_in_a_pipe(
    geo, tmp_path, commune
):
    from tests.factories import PersonFactory, VenueFactory

    venue, person = VenueFactory(commune=commune), PersonFactory(commune=commune)
    at = now() - timedelta(hours=2)
    rows = [f"{venue.code},{person.public_id},{(at + timedelta(minutes=i)).isoformat()}" for i in range(30)]
    path = tmp_path / "luot-quet.csv"
    path.write_text("venue_code,person,checked_in_at\n" + "\n".join(rows) + "\nNOSUCH,x,y\n")
    tty, out = FakeTerminal(), io.StringIO()
    call_command("import_checkins", str(path), stderr=tty, stdout=out)
    bar = tty.getvalue().split("\r")[-1]
    assert "31/31" in bar and "100%" in bar and "refused 1" in bar
    assert "stored 30" in out.getvalue()
    pipe = io.StringIO()
    call_command("import_checkins", str(path), stderr=pipe, stdout=out)
    assert "\r" not in pipe.getvalue() and "already present 30" in out.getvalue()
    tty = FakeTerminal()
    synth_out = io.StringIO()
    call_command(
        "synth",
        "--venues",
        "5",
        "--people",
        "20",
        "--checkins",
        "100",
        "--days",
        "1",
        stderr=tty,
        stdout=synth_out,
    )
    assert "125/125" in tty.getvalue().split("\r")[-1] and "synth: done" in synth_out.getvalue()


def test_a_job_without_news_from_the_worker_says_so(officer, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="tests.count", owner=officer, title="Bị bỏ quên")
    client = login(officer)
    assert "db_worker" not in client.get(f"/jobs/{job.pk}/").content.decode()
    Job.objects.filter(pk=job.pk).update(created_at=now() - timedelta(minutes=11))
    assert "epiqr db_worker" in client.get(f"/jobs/{job.pk}/").content.decode()
