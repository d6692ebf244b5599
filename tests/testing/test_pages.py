"""Staff pages: session setup with pool advice, manifest, lab desk, recall, statistics, and who may see them."""

import csv
import io

import pytest
from django.test import Client

from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today
from epiqr.testing import services
from epiqr.testing.models import SamplingSession

pytestmark = pytest.mark.django_db


def _login(user):
    c = Client()
    c.force_login(user)
    return c


def test_session_setup_shows_dorfman_advice_and_creates_a_session_with_a_new_site(sampler, commune):
    c = _login(sampler)
    # At 1% the best Dorfman pool is 11, but the session's limit (10 unless changed) caps the advice.
    page = c.get("/testing/sessions/new/?prevalence=1").content.decode()
    assert "<strong>10</strong>" in page and "<strong>11</strong>" not in page
    assert 'id="advice-beyond"' in page and " 11 " in page  # said once, as what the limit rules out
    wider = c.get("/testing/sessions/new/?prevalence=1&pool_size_limit=20", headers={"HX-Request": "true"})
    assert "<strong>11</strong>" in wider.content.decode() and "advice-beyond" not in wider.content.decode()
    partial = c.get("/testing/sessions/new/?prevalence=5", headers={"HX-Request": "true"})
    assert "<strong>5</strong>" in partial.content.decode() and "<html" not in partial.content.decode()
    r = c.post(
        "/testing/sessions/new/",
        {
            "new_site_name": "Sân trường THCS",
            "new_site_commune": commune.pk,
            "team": "Tổ 3",
            "day": local_today().isoformat(),
            "kind": "pcr_pooled",
            "pool_size_limit": 10,
            "expected_prevalence": "2",
        },
    )
    assert r.status_code == 302
    session = SamplingSession.objects.get(team="Tổ 3")
    assert session.site.commune == commune and session.pool_size_limit == 10
    assert session.expected_prevalence == pytest.approx(0.02)


def test_session_setup_without_a_site_is_refused_with_a_reason(sampler):
    r = _login(sampler).post(
        "/testing/sessions/new/",
        {"team": "Tổ 3", "day": local_today().isoformat(), "kind": "pcr_pooled", "pool_size_limit": 10},
    )
    assert r.status_code == 422 and "errorlist" in r.content.decode()


def test_manifest_csv_and_pdf_with_counts(filled_tube, pooled_session, sampler):
    filled_tube("MF-0001", 3)
    filled_tube("MF-0002", 5)
    c = _login(sampler)
    rows = list(
        csv.reader(
            io.StringIO(
                c.get(f"/testing/sessions/{pooled_session.pk}/manifest.csv").getvalue().decode("utf-8-sig")
            )
        )
    )
    assert rows[1][:4] == ["tubes", "2", "people", "8"]
    assert [r[1] for r in rows[3:]] == ["MF-0001", "MF-0002"]
    pdf = c.get(f"/testing/sessions/{pooled_session.pk}/manifest.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf.content)
    text = doc[0].get_textpage().get_text_range()
    assert "MF-0002" in text and "Trạm y tế phường" in text


def test_station_works_without_javascript(pooled_session, sampler, make_person, qr):
    c = _login(sampler)
    url = f"/testing/sessions/{pooled_session.pk}/station/scan/"
    assert c.post(url, {"payload": "NJ-0001"}).status_code == 200
    person = make_person()
    r = c.post(url, {"payload": qr(person)})
    assert person.full_name in r.content.decode()
    refused = c.post(url, {"payload": qr(person)})
    assert refused.status_code == 409 and 'data-status="refused"' in refused.content.decode()
    done = c.post(url, {"action": "done"})
    assert "NJ-0001" in done.content.decode()
    slips = c.get("/testing/tubes/NJ-0001/slips/").content.decode()
    from epiqr.testing.models import TubeMember
    from epiqr.testing.slipcode import display

    code = TubeMember.objects.get(tube__barcode="NJ-0001").slip_code
    assert person.full_name in slips and "/testing/result/" in slips and display(code) in slips


def test_lab_desk_file_upload_reports_rows(filled_tube, lab_tech, django_capture_on_commit_callbacks):
    filled_tube("UP-0001", 2)
    c = _login(lab_tech)
    bad = io.BytesIO(b"barcode,result\nUP-0001,negative\nUP-0404,negative\n")
    bad.name = "kq.csv"
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/testing/lab/import/", {"file": bad})
    report = c.get(r["Location"]).content.decode()  # the import's job page
    assert "UP-0404" in report and "Không có ống mẫu này." in report and "Chưa lưu gì" in report
    good = io.BytesIO(b"barcode,result\nUP-0001,negative\n")
    good.name = "kq.csv"
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/testing/lab/import/", {"file": good})
    assert "Đã lưu 1 kết quả" in c.get(r["Location"]).content.decode()
    wrong = io.BytesIO(b"%PDF")
    wrong.name = "kq.pdf"
    assert c.post("/testing/lab/import/", {"file": wrong}).status_code == 422  # refused before any job
    r = c.post("/testing/lab/", {"barcode": "UP-0001", "value": "positive", "ct": "", "tested_at": ""})
    assert r.status_code == 422  # a correction needs a reason
    r = c.post(
        "/testing/lab/", {"barcode": "UP-0001", "value": "positive", "note": "nhầm ống", "tested_at": ""}
    )
    assert r.status_code == 302
    page = c.get("/testing/tubes/UP-0001/").content.decode()
    assert "nhầm ống" in page


def test_recall_list_names_pool_members_and_is_audited(
    filled_tube, pooled_session, lab_tech, make_user, commune
):
    from epiqr.core.models import AuditEvent

    tube = filled_tube("RC-0001", 3)
    services.result_record(tube=tube, value="positive", actor=lab_tech)
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    r = _login(officer).get(f"/testing/sessions/{pooled_session.pk}/recall/")
    body = r.content.decode()
    for m in tube.members.select_related("person"):
        assert m.person.full_name in body
    assert AuditEvent.objects.filter(action="testing.recall_list", actor=officer, row_count=3).exists()


def test_stats_per_day_and_commune(filled_tube, single_session, lab_tech, make_user, commune, other_commune):
    services.result_record(tube=filled_tube("ST-0001", 4), value="negative", actor=lab_tech)
    services.result_record(
        tube=filled_tube("ST-0002", 1, session=single_session), value="positive", actor=lab_tech
    )
    filled_tube("ST-0003", 2)
    from epiqr.testing.selectors import stats_by_day_commune

    officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
    [row] = stats_by_day_commune(user=officer, since=local_today(), until=local_today())
    assert (row.samples, row.tubes, row.pooled_tubes, row.individual_tubes) == (7, 3, 2, 1)
    assert (row.pending, row.positives, row.resulted_people) == (2, 1, 5)
    assert row.positivity == pytest.approx(0.2)
    assert row.turnaround_hours is not None and row.turnaround_hours >= 0
    outsider = make_user(Role.COMMUNE_OFFICER, commune=other_commune)
    assert stats_by_day_commune(user=outsider, since=local_today(), until=local_today()) == []
    page = _login(officer).get("/testing/stats/")
    # Numbers in the reader's language: a decimal comma in Vietnamese, a point in English.
    assert page.status_code == 200 and "20,00%" in page.content.decode()
    english = _login(officer)
    english.cookies["django_language"] = "en"
    assert "20.00%" in english.get("/testing/stats/").content.decode()


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        (Role.VENUE_OWNER, "/testing/", 403),
        (Role.LAB_TECH, "/testing/sessions/new/", 403),
        (Role.SAMPLER, "/testing/lab/", 403),
        (Role.VENUE_STAFF, "/testing/stats/", 403),
        (Role.PROVINCE_OFFICER, "/testing/stats/", 200),
    ],
)
def test_pages_check_capabilities(make_user, commune, role, url, status):
    user = make_user(role, commune=commune if role == Role.SAMPLER else None, province=commune.province)
    assert _login(user).get(url).status_code == status


def test_sessions_of_another_commune_are_not_found(pooled_session, make_user, other_commune):
    outsider = make_user(Role.SAMPLER, commune=other_commune)
    assert _login(outsider).get(f"/testing/sessions/{pooled_session.pk}/").status_code == 404


def test_lab_receives_the_known_tubes_lists_the_others_and_keeps_them_in_the_box(filled_tube, lab_tech):
    from epiqr.testing.models import Tube, TubeEvent

    filled_tube("RV-0001", 2)
    filled_tube("RV-0002", 2)
    c = _login(lab_tech)
    r = c.post("/testing/lab/receive/", {"barcodes": "RV-0001\nRV-0404\n12\n"})
    html = r.content.decode()
    # One unknown barcode and a typo no longer refuse the rack: RV-0001 is received, the rest is listed
    # with the reason and stays in the box to be corrected.
    assert r.status_code == 200 and "1 ống đã được nhận" in html
    assert Tube.objects.get(barcode="RV-0001").status == "received"
    assert (
        'data-reason="unknown"><code>RV-0404</code>' in html
        and 'data-reason="not_barcode"><code>12</code>' in html
    )
    assert '<textarea name="barcodes" rows="6" autocomplete="off">12\nRV-0404</textarea>' in html
    # Scanning the whole rack again is harmless: what arrived before is counted, not changed twice.
    again = c.post("/testing/lab/receive/", {"barcodes": "rv-0001\r\nRV-0002\n"}, follow=True)
    assert "1 ống đã được nhận. 1 ống đã ở phòng xét nghiệm từ trước." in again.content.decode()
    assert set(Tube.objects.filter(barcode__startswith="RV-").values_list("status", flat=True)) == {
        "received"
    }
    assert (
        TubeEvent.objects.filter(tube__barcode="RV-0002", to_status="received", actor=lab_tech).count() == 1
    )
    assert TubeEvent.objects.filter(tube__barcode="RV-0001", to_status="received").count() == 1
    nothing = c.post("/testing/lab/receive/", {"barcodes": "RV-0404"})
    assert nothing.status_code == 422 and "RV-0404</textarea>" in nothing.content.decode()


def test_station_photo_reads_a_code128_tube_label(pooled_session, sampler):
    import numpy as np
    import zxingcpp
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageOps

    label = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode("HK-2021-0042", zxingcpp.BarcodeFormat.Code128), scale=3
    )
    image = ImageOps.expand(Image.fromarray(np.array(label)), border=30, fill=255)
    data = io.BytesIO()
    image.save(data, format="PNG")
    c = _login(sampler)
    url = f"/testing/sessions/{pooled_session.pk}/station/photo/"
    r = c.post(url, {"photo": SimpleUploadedFile("label.png", data.getvalue(), content_type="image/png")})
    assert r.status_code == 200 and r.json()["codes"] == ["HK-2021-0042"]
    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, format="PNG")
    r = c.post(url, {"photo": SimpleUploadedFile("blank.png", blank.getvalue(), content_type="image/png")})
    assert r.status_code == 422 and r.json()["codes"] == []
    assert c.post(url, {}).status_code == 422
