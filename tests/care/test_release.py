"""Release from isolation: the day by policy, the bilingual release paper whose QR (read back from the
rendered PDF at its printed size) opens the verifier with a signed code; forged, altered and revoked
papers refused; the citizen's own page behind the identity proof."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from epiqr.care import release_code, selectors, services
from epiqr.core.errors import Conflict
from epiqr.core.timeutil import local_today
from tests.codes import PHOTO_DPI, PRINTER_DPI, QR_ONLY, assert_codes, pdf_codes, pdf_images, symbol_width_mm
from tests.factories import give_phone


@pytest.fixture
def released(care, new_patient):
    p = new_patient(confirmed_on=local_today() - timedelta(days=9), full_name="Tống Thị Hoa", birth_year=1988)
    p = services.patient_home(patient=p, actor=care.officer)
    with pytest.raises(Conflict, match="xét nghiệm nhanh"):
        services.patient_release(patient=p, actor=care.officer)
    p = services.patient_test_negative(patient=p, actor=care.officer, on=local_today())
    return services.patient_release(patient=p, actor=care.officer)


def _code_of(pdf: bytes) -> str:
    [[url]] = pdf_codes(pdf, dpi=PRINTER_DPI, formats=QR_ONLY)
    return parse_qs(urlparse(url).query)["c"][0]


def test_the_paper_qr_reads_back_at_print_size_and_verifies(released, client):
    assert released.status == "recovered" and released.released_on == local_today()
    pdf = selectors.release_paper_pdf(patient=released)
    [[url]] = pdf_codes(pdf, dpi=PRINTER_DPI, formats=QR_ONLY)
    assert url.startswith("http") and "/care/verify/?c=" in url
    assert_codes(pdf_codes(pdf, dpi=PHOTO_DPI, formats=QR_ONLY), [[url]])  # a phone photo of the sheet
    assert 55 < symbol_width_mm(pdf_images(pdf, dpi=PRINTER_DPI)[0], dpi=PRINTER_DPI, text=url) < 65
    page = client.get(url[url.index("/care/verify/") :])
    html = page.content.decode()
    assert page.status_code == 200 and "Tống Thị Hoa" in html and local_today().strftime("%d/%m/%Y") in html


def test_an_altered_or_foreign_code_is_refused(released):
    text = _code_of(selectors.release_paper_pdf(patient=released))
    payload, kid, sig = text.split(".")
    forged = release_code._b64(release_code._unb64(payload).replace("Tống".encode(), "Tông".encode()))
    assert selectors.release_verify(text=f"{forged}.{kid}.{sig}").reason == "signature"
    assert (
        selectors.release_verify(text=f"{payload}.{release_code._b64(b'12345678')}.{sig}").reason
        == "unknown_key"
    )
    assert selectors.release_verify(text="rác").reason == "format"
    assert selectors.release_verify(text=text).valid


def test_a_revoked_paper_is_refused(released):
    from epiqr.core.services import revocation_add

    text = _code_of(selectors.release_paper_pdf(patient=released))
    revocation_add(purpose="release", identifier=released.release_code.hex, reason="Cấp nhầm", actor=None)
    assert selectors.release_verify(text=text).reason == "revoked"


def test_the_citizen_reports_from_her_phone_and_a_warning_reaches_the_team(
    care, new_patient, client, django_capture_on_commit_callbacks
):
    from epiqr.hotline.models import Ticket

    p = services.patient_home(
        patient=new_patient(full_name="Lò Thị Xuân", birth_year=1992), actor=care.officer
    )
    assert client.get("/care/my/").status_code == 302  # no proof: the proof flow
    give_phone(client, p.person)
    page = client.get("/care/my/").content.decode()
    assert "Lò Thị Xuân" in page and "/hotline/request/" in page
    bad = client.post("/care/my/", {"patient": p.pk, "slot": "am", "spo2": "chín bảy"})
    assert bad.status_code == 422 and 'value="chín bảy"' in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post("/care/my/", {"patient": p.pk, "slot": "am", "spo2": "94", "respiratory_rate": "22"})
    assert ok.status_code == 302
    report = p.reports.get()
    assert report.warning and not report.by_team
    assert Ticket.objects.get(person_id=p.person_id).warning_sign


def test_a_phone_cannot_report_for_someone_it_did_not_prove(care, new_patient, client):
    mine = new_patient(full_name="Hà Văn Một")
    theirs = services.patient_home(
        patient=new_patient(full_name="Hà Văn Hai", birth_year=1990), actor=care.officer
    )
    give_phone(client, mine.person)
    assert client.post("/care/my/", {"patient": theirs.pk, "slot": "am", "spo2": "98"}).status_code == 404
    assert not theirs.reports.exists()
    assert "Hà Văn Hai" not in client.get("/care/my/").content.decode()


def test_the_citizen_downloads_only_her_own_paper(released, client, new_patient):
    other = new_patient(full_name="Người Khác")
    give_phone(client, other.person)
    assert client.get(f"/care/my/{released.release_code}.pdf").status_code == 404
    give_phone(client, released.person)
    answer = client.get(f"/care/my/{released.release_code}.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
