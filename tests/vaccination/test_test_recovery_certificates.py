"""Test (`t`) and recovery (`r`) certificates: issued from what the testing and cases domains know (through
their selectors), decoded and verified by the independent decoder, shown behind the identity proof next
to the vaccination certificate, printed in the PDF, and read by the verifier with their own colour.

Narrated: Bùi Thị Hằng was swabbed this morning at the commune's health station (individual RT-PCR) and
the lab found nothing: her phone shows a test certificate valid 72 hours from the swab. Her brother
Quách Văn Lộc had COVID-19 last month (positive sample 31 days ago, now recovered): his phone shows a
recovery certificate valid from the 11th to the 180th day after that sample."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client

from epiqr.cases.models import Case, CaseStatus
from epiqr.cases.services import case_open
from epiqr.core import keyring
from epiqr.core.errors import Invalid
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local, local_today, now
from epiqr.testing import models as testing_models
from epiqr.testing import services as testing
from epiqr.vaccination import services
from epiqr.vaccination.documents import certificate_pdf, pdf_rows
from epiqr.vaccination.selectors import certificate_status, certificate_verify, trust_refresh
from tests.codes import PHOTO_DPI, QR_ONLY, assert_codes, pdf_codes
from tests.factories import give_phone
from tests.vaccination.independent import decode_and_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_trust():
    trust_refresh()
    yield
    trust_refresh()


@pytest.fixture
def swab(make_user, commune):
    """swab(person, result, kind): the person sampled today at a health station and the lab's result."""
    sampler = make_user(Role.SAMPLER, commune=commune)
    lab = make_user(Role.LAB_TECH, province=commune.province)
    site = testing.site_create(name="Trạm y tế xã Thử", commune_id=commune.pk, address="2 Phố Thử")
    made = iter(range(1, 100))

    def build(person, result="negative", kind=testing_models.TestKind.PCR_SINGLE):
        session = testing.session_create(
            site=site, team="Tổ lấy mẫu", day=local_today(), kind=kind, actor=sampler
        )
        tube = testing.tube_open(session=session, barcode=f"VT-{next(made):04d}", actor=sampler)
        testing.tube_member_add(tube=tube, person=person, actor=sampler)
        tube.refresh_from_db()
        tube = testing.tube_close(tube=tube, actor=sampler)
        testing.result_record(tube=tube, value=result, actor=lab)
        return tube

    return build


@pytest.fixture
def recovered(make_person):
    """recovered(days_ago): a person whose positive sample was `days_ago` days ago, now recovered."""

    def build(days_ago=31, **fields):
        person = make_person(**fields)
        sampled = local_today() - timedelta(days=days_ago)
        case = case_open(person=person, confirmed_on=sampled + timedelta(days=1), sample_on=sampled)
        # The cases domain has no recovery service yet (care discharges people): the test sets the state.
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.RECOVERED)
        return person

    return build


def test_a_negative_result_gives_a_test_certificate_valid_72_hours_from_the_swab(make_person, swab):
    hang = make_person(full_name="Bùi Thị Hằng", birth_date=date(1991, 3, 14))
    swab(hang)
    certificate = services.test_certificate_issue(person=hang)
    claims = decode_and_verify(certificate.code, keyring.signer("dcc").public_key)
    hcert = claims[-260][1]
    assert hcert["nam"]["fnt"] == "BUI" and hcert["nam"]["gnt"] == "THI<HANG" and hcert["dob"] == "1991-03-14"
    assert "v" not in hcert and "r" not in hcert
    [entry] = hcert["t"]
    assert (entry["tg"], entry["tt"], entry["tr"], entry["co"]) == (
        "840539006",
        "LP6464-4",
        "260415000",
        "VN",
    )
    assert entry["tc"] == "Trạm y tế xã Thử" and entry["ci"] == certificate.uvci
    sampled = datetime.fromisoformat(entry["sc"])
    assert sampled.tzinfo is not None and abs((now() - sampled).total_seconds()) < 120
    assert claims[4] == int((sampled + timedelta(hours=72)).timestamp())  # CWT expiry: 72 h after the swab
    # Shown again: the same certificate, not a new one per view.
    assert services.test_certificate_issue(person=hang).pk == certificate.pk
    verdict = certificate_verify(code=certificate.code)
    assert verdict.valid and verdict.kind == "t"
    assert certificate_status(verdict=verdict).colour == "yellow"
    assert certificate_verify(code=certificate.code, at=sampled + timedelta(hours=73)).reason == "expired"


def test_a_rapid_antigen_negative_is_stated_as_such(make_person, swab):
    person = make_person()
    swab(person, kind=testing_models.TestKind.ANTIGEN)
    entry = certificate_verify(code=services.test_certificate_issue(person=person).code).entries[0]
    assert entry["tt"] == "LP217198-3"


def test_no_test_certificate_without_a_negative_result(make_person, swab):
    nobody = make_person()
    with pytest.raises(Invalid) as exc:
        services.test_certificate_issue(person=nobody)
    assert exc.value.code == "no_test"
    positive = make_person()
    swab(positive, result="positive")
    with pytest.raises(Invalid):
        services.test_certificate_issue(person=positive)


def test_a_recovered_case_gives_a_recovery_certificate_from_day_11_to_day_180(recovered):
    loc = recovered(days_ago=31, full_name="Quách Văn Lộc", birth_date=date(1985, 8, 2))
    certificate = services.recovery_certificate_issue(person=loc)
    claims = decode_and_verify(certificate.code, keyring.signer("dcc").public_key)
    [entry] = claims[-260][1]["r"]
    first = local_today() - timedelta(days=31)
    assert entry["fr"] == first.isoformat()
    assert entry["df"] == (first + timedelta(days=11)).isoformat()
    assert entry["du"] == (first + timedelta(days=180)).isoformat()
    assert (entry["tg"], entry["co"], entry["ci"]) == ("840539006", "VN", certificate.uvci)
    assert local(certificate.expires_at).date() == first + timedelta(days=180)
    assert services.recovery_certificate_issue(person=loc).pk == certificate.pk
    verdict = certificate_verify(code=certificate.code)
    assert verdict.valid and verdict.kind == "r"
    assert certificate_status(verdict=verdict).colour == "green"


def test_no_recovery_certificate_outside_its_window_or_without_a_recovery(recovered, make_person):
    for days_ago in (5, 200):
        with pytest.raises(Invalid) as exc:
            services.recovery_certificate_issue(person=recovered(days_ago=days_ago))
        assert exc.value.code == "recovery_window"
    with pytest.raises(Invalid) as exc:
        services.recovery_certificate_issue(person=make_person())
    assert exc.value.code == "no_recovery"
    active = make_person()
    case_open(person=active, confirmed_on=local_today() - timedelta(days=20))  # still ill: no certificate
    with pytest.raises(Invalid):
        services.recovery_certificate_issue(person=active)


def test_the_citizen_sees_every_certificate_and_the_verifier_names_its_kind(
    recovered, swab, give_dose, client
):
    person = recovered(days_ago=40, full_name="Lò Thị Mai", birth_date=date(1990, 1, 9))
    give_dose(person, "PFIZER", days_ago=100)
    swab(person)
    own = Client()
    give_phone(own, person)
    page = own.get("/vaccination/my/").content.decode()
    for kind in ("v", "t", "r"):
        assert f'data-kind="{kind}"' in page
    test_cert = services.test_certificate_issue(person=person)
    recovery = services.recovery_certificate_issue(person=person)
    assert test_cert.uvci in page and recovery.uvci in page
    verdict_page = client.post("/vaccination/verify/", {"code": test_cert.code}).content.decode()
    assert 'data-verdict="valid"' in verdict_page and 'data-kind="t"' in verdict_page
    api = client.post(
        "/api/v1/vaccination/verify", {"code": recovery.code}, content_type="application/json"
    ).json()
    assert api["valid"] and api["kind"] == "r" and api["entries"][0]["fr"]


def test_the_pdfs_of_test_and_recovery_certificates_read_back(recovered, swab):
    person = recovered(days_ago=20, full_name="Ma Văn Sáng")
    swab(person)
    for certificate in (
        services.test_certificate_issue(person=person),
        services.recovery_certificate_issue(person=person),
    ):
        assert_codes(
            pdf_codes(certificate_pdf(certificate=certificate), dpi=PHOTO_DPI, formats=QR_ONLY),
            [[certificate.code]],
        )
        rows = {en: value for _vi, en, value in pdf_rows(certificate)}
        assert rows["Name"] == "Ma Văn Sáng" and rows["Certificate identifier"] == certificate.uvci
        if certificate.kind == "t":
            assert rows["Type of test"] == "RT-PCR" and rows["Testing centre"] == "Trạm y tế xã Thử"
        else:
            assert rows["First positive test"] == (local_today() - timedelta(days=20)).strftime("%d/%m/%Y")
