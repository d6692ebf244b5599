"""Real Chromium: long work shows its progress. On a desk, a job run by a worker moves its bar while the
page is open, then shows the result without a reload by hand; on a 390x844 phone, a lab's file with bad
rows ends on a page listing the rows to fix, found again under "My jobs"."""

import threading
import time

import pytest
from django.db import connection

from epiqr.core import jobs
from epiqr.core.jobs import JobOutcome, job_kind
from epiqr.core.models import JobStatus
from epiqr.core.permissions import Role
from epiqr.core.services import job_run, job_start
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@job_kind("tests.slow", capability="venues.view")
def slow(*, job, progress) -> JobOutcome:
    progress.start(total=12, stage="Đang đếm")
    for n in range(12):
        time.sleep(0.5)
        progress.advance()
        if n % 4 == 3:
            progress.refuse(line=n + 2, key=f"mục {n}", message="Không hợp lệ")
    return JobOutcome(message="Đếm xong 12 dòng.")


def test_a_worker_job_moves_its_bar_while_the_page_is_open(
    desk_page, live_server, make_user, commune, settings, monkeypatch, browser_login, screenshot
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(jobs, "WRITE_EVERY", 0.2)
    officer = make_user(commune=commune)
    job = job_start(kind="tests.slow", owner=officer, title="Việc chậm")
    page = desk_page
    browser_login(page, live_server, officer.username, PASSWORD)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    assert "Đang chờ" in page.inner_text("#job-progress")

    def worker():
        try:
            job_run(job_id=job.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        page.wait_for_function(
            "() => { const p = document.querySelector('#job-progress progress');"
            " return p && p.value > 0 && p.value < 12; }"
        )
        screenshot(page, "running")
        running = page.inner_text("#job-progress")
        assert "trên 12 dòng" in running and "Đang chạy" in running
        page.wait_for_selector("#job-result", timeout=60000)  # the page reloads itself when done
    finally:
        thread.join()
    assert "Đếm xong 12 dòng." in page.inner_text("#job-result")
    assert (
        "3 dòng bị từ chối" in page.inner_text("main")
        and page.locator("tr:has-text('Không hợp lệ')").count() == 3
    )
    screenshot(page, "done")


def test_a_lab_file_with_bad_rows_on_a_phone_ends_with_the_rows_to_fix(
    phone390_page, live_server, make_user, commune, browser_login, screenshot, tmp_path
):
    lab = make_user(Role.LAB_TECH, commune=commune)
    lines = ["barcode,result"] + [f"KHONG-CO-{n:03d},negative" for n in range(60)]
    path = tmp_path / "ket-qua.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page = phone390_page
    browser_login(page, live_server, lab.username, PASSWORD)
    page.goto(f"{live_server.url}/testing/lab/")
    page.set_input_files("input[name=file]", str(path))
    page.click("form[action$='/lab/import/'] button.primary")
    page.wait_for_selector("#job-result")
    assert "Chưa lưu gì" in page.inner_text("#job-result")
    assert "60 dòng bị từ chối" in page.inner_text("main")
    assert page.locator("table.cards tbody tr").count() == 50  # the report is paged too
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "report")
    page.click("a:has-text('Việc của tôi') >> nth=0")
    page.wait_for_url("**/jobs/")
    assert "ket-qua.csv" in page.inner_text("main") and "Bị từ chối" in page.inner_text("main")
    assert JobStatus.REFUSED == lab_job_status(lab)


def lab_job_status(user):
    from epiqr.core.models import Job

    return Job.objects.get(owner=user).status
