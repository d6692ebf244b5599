"""The old system's dose history imported as a job: each row stored or refused with its reason; the same
file twice stores nothing twice."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from epiqr.core.export import Sheet
from epiqr.vaccination.models import Dose
from tests.people.payloads import cccd_number

pytestmark = pytest.mark.django_db


def _xlsx(rows) -> bytes:
    from epiqr.core import export

    sheet = Sheet(
        title="lich-su",
        header=["Số CCCD", "Họ và tên", "Ngày sinh", "Giới tính", "Vắc xin", "Ngày tiêm", "Số lô"],
        rows=rows,
    )
    response = export.response(sheet, fmt="xlsx", filename="lich-su.xlsx")
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_an_excel_export_is_imported_with_a_per_row_report(
    client, vaccinator, site, django_capture_on_commit_callbacks
):
    from epiqr.core.models import Job

    number = cccd_number(born=1966, sex="F", serial=515151)
    rows = [
        [number, "Mạc Thị Nhung", "02/03/1966", "Nữ", "AstraZeneca", "02/08/2021", "ABV5300"],
        [number, "Mạc Thị Nhung", "02/03/1966", "Nữ", "AZ", "25/10/2021", "ABV2856"],
        ["12345", "Ai Đó", "", "", "AZ", "02/08/2021", ""],  # a bad ID number
        [cccd_number(born=1980, serial=616161), "Tạ Văn Mười", "", "Nam", "Vodka", "02/08/2021", ""],
        [cccd_number(born=1981, serial=626262), "Lò Văn Tám", "", "Nam", "EU/1/20/1528", "31/02/2021", ""],
    ]
    data = _xlsx(rows)
    client.force_login(vaccinator)
    for attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(
                "/vaccination/import/", {"site": site.pk, "file": SimpleUploadedFile("lich-su.xlsx", data)}
            )
        assert r.status_code == 302
        job = Job.objects.order_by("-pk").first()
        assert job.status == "done", job.message
        if attempt == 0:
            assert job.summary == {"stored": 2, "already_stored": 0, "refused": 3}
            assert sorted(i.line for i in job.issues.all()) == [4, 5, 6]
        else:
            assert job.summary == {"stored": 0, "already_stored": 2, "refused": 3}
    doses = list(Dose.objects.filter(person__full_name="Mạc Thị Nhung").order_by("given_at"))
    assert [(d.number, d.product, d.lot_number, d.source) for d in doses] == [
        (1, "AZ", "ABV5300", "import"),
        (2, "AZ", "ABV2856", "import"),
    ]
