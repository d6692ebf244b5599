"""Certificates: issued from the records, shown behind the identity proof as a QR and a bilingual PDF
that decode to the signed code, verified by anyone (page and API), refused once revoked or once their key
is withdrawn, still valid after a key rotation."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client

from epiqr.core import keyring
from epiqr.core.services import signing_key_rotate, signing_key_withdraw
from epiqr.core.timeutil import now
from epiqr.vaccination import services
from epiqr.vaccination.models import Certificate
from epiqr.vaccination.selectors import certificate_verify, trust_refresh
from tests.codes import (
    PHOTO_DPI,
    PRINTER_DPI,
    QR_ONLY,
    assert_codes,
    decode,
    element_codes,
    pdf_codes,
    pdf_images,
)
from tests.factories import give_phone
from tests.vaccination.independent import decode_and_verify, kid_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_trust():
    trust_refresh()
    yield
    trust_refresh()


@pytest.fixture
def vaccinated(make_person, give_dose):
    person = make_person(full_name="Đoàn Thị Ánh Tuyết", birth_date=date(1988, 4, 30))
    give_dose(person, "AZ", days_ago=200)
    give_dose(person, "AZ", days_ago=120)
    return person


def test_a_certificate_carries_the_latest_dose_and_verifies_independently(vaccinated, vaccinator):
    certificate = services.certificate_issue(person=vaccinated, actor=vaccinator)
    signer = keyring.signer("dcc")
    assert kid_of(certificate.code) == signer.kid
    claims = decode_and_verify(certificate.code, signer.public_key)
    hcert = claims[-260][1]
    assert hcert["nam"] == {"fn": "Đoàn", "fnt": "DOAN", "gn": "Thị Ánh Tuyết", "gnt": "THI<ANH<TUYET"}
    assert hcert["dob"] == "1988-04-30"
    [entry] = hcert["v"]
    assert (entry["dn"], entry["sd"], entry["mp"], entry["ma"], entry["co"]) == (
        2,
        2,
        "EU/1/21/1529",
        "ORG-100001699",
        "VN",
    )
    assert entry["ci"] == certificate.uvci and re.fullmatch(r"URN:UVCI:01:VN:[0-9A-F]{30}", entry["ci"])
    assert claims[4] - claims[6] == 365 * 86400
    # Shown again: the same certificate, not a new one per view.
    assert services.certificate_issue(person=vaccinated).pk == certificate.pk
    assert certificate_verify(code=certificate.code).valid


def test_no_dose_no_certificate(make_person):
    with pytest.raises(services.Invalid):
        services.certificate_issue(person=make_person())


def test_revoked_certificates_are_refused_by_the_verifier_and_published(
    vaccinated, make_user, commune, client
):
    from epiqr.core.permissions import Role

    certificate = services.certificate_issue(person=vaccinated)
    officer = make_user(Role.PROVINCE_OFFICER, province=commune.province)
    client.force_login(officer)
    r = client.post(
        f"/vaccination/certificates/{certificate.public_id}/revoke/", {"reason": "Nhập nhầm người"}
    )
    assert r.status_code == 302
    assert certificate_verify(code=certificate.code).reason == "revoked"
    listed = Client().get("/trust/dcc/revocations.json").json()["entries"]
    assert [e["digest"] for e in listed] == [keyring.identifier_digest(certificate.uvci)]
    # A new certificate is issued for the same dose after a revocation.
    again = services.certificate_issue(person=vaccinated)
    assert again.pk != certificate.pk and certificate_verify(code=again.code).valid


def test_rotation_keeps_old_certificates_valid_and_withdrawal_refuses_them(vaccinated):
    old = services.certificate_issue(person=vaccinated)
    signing_key_rotate(purpose="dcc", reason="test")
    trust_refresh()
    assert certificate_verify(code=old.code).valid
    signing_key_withdraw(kid=old.kid, reason="compromised in a test")
    trust_refresh()
    assert certificate_verify(code=old.code).reason == "withdrawn_key"


def test_the_citizen_page_needs_the_identity_proof(vaccinated):
    stranger = Client()
    r = stranger.get("/vaccination/my/")
    assert r.status_code == 302 and "/people/prove/" in r["Location"]
    typed_only = Client()
    give_phone(typed_only, linked=[vaccinated])  # typed her details at a venue: proves nothing
    assert typed_only.get("/vaccination/my/").status_code == 302
    own = Client()
    give_phone(own, vaccinated)
    page = own.get("/vaccination/my/").content.decode()
    certificate = Certificate.objects.get(person=vaccinated)
    assert "Đoàn Thị Ánh Tuyết" in page and certificate.uvci in page
    pdf = own.get(f"/vaccination/my/{certificate.public_id}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert typed_only.get(f"/vaccination/my/{certificate.public_id}.pdf").status_code == 302


def test_the_pdf_prints_a_code_that_reads_back_exactly(vaccinated):
    from epiqr.vaccination.documents import certificate_pdf

    certificate = services.certificate_issue(person=vaccinated)
    pdf = certificate_pdf(certificate=certificate)
    assert_codes(pdf_codes(pdf, dpi=PRINTER_DPI, formats=QR_ONLY), [[certificate.code]])
    assert_codes(pdf_codes(pdf, dpi=PHOTO_DPI, formats=QR_ONLY), [[certificate.code]])
    assert certificate_verify(code=decode(pdf_images(pdf, dpi=PHOTO_DPI)[0])[0]).valid


def test_the_verifier_page_and_api_say_why(vaccinated, client):
    certificate = services.certificate_issue(person=vaccinated)
    page = client.post("/vaccination/verify/", {"code": certificate.code}).content.decode()
    assert 'data-verdict="valid"' in page and "Đoàn" in page and "1988-04-30" in page
    tampered = certificate.code[:-6] + ("A" if certificate.code[-6] != "A" else "B") + certificate.code[-5:]
    page = client.post("/vaccination/verify/", {"code": tampered}).content.decode()
    assert 'data-verdict="valid"' not in page
    api = client.post(
        "/api/v1/vaccination/verify", {"code": certificate.code}, content_type="application/json"
    ).json()
    assert api["valid"] and api["reason"] == "valid" and api["entries"][0]["dn"] == 2
    api = client.post("/api/v1/vaccination/verify", {"code": "hello"}, content_type="application/json").json()
    assert (api["valid"], api["reason"]) == (False, "malformed")
    expired = certificate_verify(code=certificate.code, at=now() + timedelta(days=400))
    assert expired.reason == "expired"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_qr_on_the_phone_reads_back_and_verifies(
    browser, phone390_page, live_server, make_person, give_dose
):
    from tests.factories import citizen_phone

    person = make_person(full_name="Phí Văn Cường", birth_date=date(1975, 2, 1))
    give_dose(person, "PFIZER", days_ago=40)
    name, value, _device = citizen_phone(person)
    page = phone390_page
    host = live_server.url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies([{"name": name, "value": value, "domain": host, "path": "/"}])
    page.goto(f"{live_server.url}/vaccination/my/")
    assert page.locator(".dcc-qr svg").count() == 1, page.inner_text("main")[:800]
    certificate = Certificate.objects.get(person=person)
    assert_codes(element_codes(page.locator(".dcc-qr svg")), [certificate.code])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_verifier_works_offline_once_it_loaded_the_lists(
    browser, phone390_page, live_server, make_person, give_dose
):
    """A checkpoint officer opens the verifier with a network, then loses it: the page still checks
    codes itself (WebCrypto) and refuses a forged one."""
    person = make_person(full_name="Kha Thị Liên", birth_date=date(1979, 6, 7))
    give_dose(person, "PFIZER", days_ago=60)
    give_dose(person, "PFIZER", days_ago=30)
    code = services.certificate_issue(person=person).code
    page = phone390_page
    with page.expect_response(lambda r: "/trust/dcc/revocations.json" in r.url):
        page.goto(f"{live_server.url}/vaccination/verify/")
    page.wait_for_function("() => localStorage.getItem('epiqr.dcc.trust') !== null")
    page.context.set_offline(True)
    page.fill("[name=code]", code)
    page.click("button[type=submit].primary")
    page.wait_for_function(
        "() => document.querySelector('[data-offline-verdict]').getAttribute('data-verdict')"
    )
    assert page.get_attribute("[data-offline-verdict]", "data-verdict") == "valid"
    assert "Kha" in page.inner_text("[data-offline-verdict]")
    forged = code[:-8] + ("0" if code[-8] != "0" else "1") + code[-7:]
    page.fill("[name=code]", forged)
    page.click("button[type=submit].primary")
    page.wait_for_function(
        "() => document.querySelector('[data-offline-verdict]').getAttribute('data-verdict') !== 'valid'"
    )
    assert page.get_attribute("[data-offline-verdict]", "data-verdict") in ("bad_signature", "malformed")
    page.context.set_offline(False)
