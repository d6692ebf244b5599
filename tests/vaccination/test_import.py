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
            assert job.summary == {"read": 5, "stored": 2, "unchanged": 0, "refused": 3}
            assert sorted(i.line for i in job.issues.all()) == [4, 5, 6]
        else:
            assert job.summary == {"read": 5, "stored": 0, "unchanged": 2, "refused": 3}
    doses = list(Dose.objects.filter(person__full_name="Mạc Thị Nhung").order_by("given_at"))
    assert [(d.number, d.product, d.lot_number, d.source) for d in doses] == [
        (1, "AZ", "ABV5300", "import"),
        (2, "AZ", "ABV2856", "import"),
    ]


def _invitation_xlsx(rows) -> bytes:
    from epiqr.core import export

    sheet = Sheet(
        title="doi-tuong",
        header=["STT", "Họ và tên", "Số CCCD", "Ngày sinh", "Giới tính", "Số điện thoại", "Nhóm ưu tiên"],
        rows=rows,
    )
    response = export.response(sheet, fmt="xlsx", filename="doi-tuong.xlsx")
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_an_invitation_list_from_excel_invites_each_row_at_a_slot_with_a_report(
    client, vaccinator, session, make_person, django_capture_on_commit_callbacks
):
    """The ward office sends its priority-group list as a sheet: registered people are found by their ID
    number, new ones registered; five to a slot every 20 minutes from 08:00; a bad row is refused with its
    line; the same list again invites nobody twice."""
    from epiqr.core.models import Job
    from epiqr.core.timeutil import local
    from epiqr.vaccination.models import Invitation

    known = make_person(full_name="Đinh Thị Gấm", phone="0912555001")
    known_number = known.documents.get().number
    rows = [[1, "Đinh Thị Gấm", known_number, "", "Nữ", "", "Người trên 65 tuổi"]]
    rows += [
        [
            i + 2,
            f"Kiều Văn Tư {i}",
            cccd_number(born=1950, serial=717100 + i),
            "01/02/1950",
            "Nam",
            "",
            "Bệnh nền",
        ]
        for i in range(6)
    ]
    rows += [
        [8, "Ai Đó", "12345", "", "", "", ""],  # a bad ID number
        [9, "Tên Khác", known_number, "", "", "", ""],  # the ID number is someone else's
    ]
    data = _invitation_xlsx(rows)
    client.force_login(vaccinator)
    url = f"/vaccination/sessions/{session.pk}/invitations/"
    for attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(
                url,
                {
                    "action": "import",
                    "file": SimpleUploadedFile("doi-tuong.xlsx", data),
                    "first_slot": "08:00",
                    "minutes_per_slot": 20,
                    "per_slot": 5,
                },
            )
        assert r.status_code == 302, r.content.decode()[:500]
        job = Job.objects.order_by("-pk").first()
        assert job.status == "done", job.message
        if attempt == 0:
            assert job.summary == {"read": 9, "stored": 7, "unchanged": 0, "refused": 2}
            assert sorted(i.line for i in job.issues.all()) == [9, 10]
        else:
            assert job.summary == {"read": 9, "stored": 0, "unchanged": 7, "refused": 2}
    invitations = list(Invitation.objects.filter(session=session).select_related("person").order_by("pk"))
    assert invitations[0].person == known and invitations[0].group == "Người trên 65 tuổi"
    assert [f"{local(i.slot_at):%H:%M}" for i in invitations] == ["08:00"] * 5 + ["08:20"] * 2
    page = client.get(url).content.decode()
    assert "Kiều Văn Tư 5" in page and "Bệnh nền" in page


def test_an_unreadable_invitation_list_is_refused_on_the_form(client, vaccinator, session):
    client.force_login(vaccinator)
    r = client.post(
        f"/vaccination/sessions/{session.pk}/invitations/",
        {
            "action": "import",
            "file": SimpleUploadedFile("list.pdf", b"%PDF"),
            "first_slot": "08:00",
            "minutes_per_slot": 20,
            "per_slot": 5,
        },
    )
    assert r.status_code == 422
