"""Huế's question, as the province officer asks it: who has not put up their QR yet?"""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from epiqr.checkins.models import VenueDailyCount
from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today
from epiqr.dashboards.deployment import deadline_set, target_review, targets_import
from epiqr.dashboards.models import DeploymentTarget, MatchStatus
from epiqr.dashboards.selectors import call_list, progress_rows, targets_visible_to
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db


def sheet(*rows) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Tên đơn vị", "Địa chỉ", "Xã/phường", "Ngành", "Điện thoại", "Người liên hệ", "Mã số thuế"])
    w.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def campaign(province_officer, commune, other_commune):
    """Four units on the Health and Tourism lists; the pharmacy and the hotel registered, the hotel is
    scanned this week; a clinic's registered name is close but not sure; the guest house has not registered."""
    pharmacy = VenueFactory(name="Nhà thuốc Minh Châu", address="5 phố Huế", commune=commune, sector="health")
    hotel = VenueFactory(
        name="Khách sạn Sông Hương", address="3 Lê Lợi", commune=other_commune, sector="lodging"
    )
    VenueFactory(name="Phòng khám Đa khoa Tâm An", address="20 Hàng Bài", commune=commune, sector="health")
    VenueDailyCount.objects.create(venue=hotel, day=local_today() - timedelta(days=2), checkins=40, people=35)
    data = sheet(
        ["NHÀ THUỐC MINH CHÂU", "Số 5 phố Huế", str(commune.code), "Cơ sở y tế", "", "", "0101234567"],
        ["Phòng khám Tâm An", "22 Hàng Bài", str(commune.code), "health", "0243 826 1234", "Lê Thị Thu", ""],
        ["Khách sạn Sông Hương", "3 Lê Lợi", str(other_commune.code), "lodging", "", "", ""],
        [
            "Nhà nghỉ Hoa Mai",
            "9 Ngõ Thử",
            str(other_commune.code),
            "lodging",
            "0912 000 111",
            "Trần Văn Bình",
            "",
        ],
        ["Quán không ngành", "1 Phố Thử", str(commune.code), "ngành lạ", "", "", ""],
        ["", "2 Phố Thử", str(commune.code), "food", "", "", ""],
        ["Đơn vị tỉnh khác", "1 Phố Xa", "99999", "food", "", "", ""],
    )
    report = targets_import(actor=province_officer, blob=data, filename="danh-sach.csv")
    return report, pharmacy, hotel


def test_the_import_stores_usable_rows_and_reports_the_others_by_row(campaign):
    report, pharmacy, hotel = campaign
    assert report.stored == 4
    assert [r.line for r in report.refused] == [6, 7, 8] and report.read == 7
    reasons = {r.line: r.reason for r in report.refused}
    assert "ngành lạ" in reasons[6] and reasons[7] and "99999" in reasons[8]
    assert report.matched == 2 and report.review == 1
    by_name = {t.name: t for t in DeploymentTarget.objects.all()}
    assert (
        by_name["NHÀ THUỐC MINH CHÂU"].venue == pharmacy
        and by_name["NHÀ THUỐC MINH CHÂU"].tax_code == "0101234567"
    )
    assert (
        by_name["Nhà nghỉ Hoa Mai"].status == MatchStatus.UNMATCHED
        and by_name["Nhà nghỉ Hoa Mai"].phone == "0912000111"
    )


def test_progress_by_sector_counts_deployed_and_active(campaign, province_officer):
    rows = {r.key: r for r in progress_rows(targets=targets_visible_to(user=province_officer), by="sector")}
    assert (
        rows["health"].required,
        rows["health"].deployed,
        rows["health"].active,
        rows["health"].review,
    ) == (2, 1, 0, 1)
    assert (rows["lodging"].required, rows["lodging"].deployed, rows["lodging"].active) == (2, 1, 1)


def test_a_withdrawn_poster_is_not_deployed_any_more(campaign, province_officer):
    _report, pharmacy, _hotel = campaign
    pharmacy.is_active = False
    pharmacy.save()
    rows = {r.key: r for r in progress_rows(targets=targets_visible_to(user=province_officer), by="sector")}
    assert rows["health"].deployed == 0
    assert "NHÀ THUỐC MINH CHÂU" in {t.name for t in call_list(user=province_officer)}


def test_review_accept_counts_and_reject_never_proposes_that_venue_again(campaign, province_officer):
    clinic = DeploymentTarget.objects.get(name="Phòng khám Tâm An")
    assert clinic.status == MatchStatus.REVIEW
    target_review(actor=province_officer, target_id=clinic.pk, accept=False)
    clinic.refresh_from_db()
    assert clinic.status == MatchStatus.UNMATCHED and clinic.venue is None and clinic.rejected_venues
    names = {t.name for t in call_list(user=province_officer)}
    assert names == {"Phòng khám Tâm An", "Nhà nghỉ Hoa Mai"}


def test_a_commune_officer_sees_only_their_communes_units(campaign, make_user, other_commune):
    officer = make_user(Role.COMMUNE_OFFICER, commune=other_commune)
    assert {t.name for t in call_list(user=officer)} == {"Nhà nghỉ Hoa Mai"}
    c = Client()
    c.force_login(officer)
    assert c.get("/dashboards/deployment/").status_code == 200
    assert c.get("/dashboards/deployment/review/").status_code == 403
    clinic = DeploymentTarget.objects.get(name="Phòng khám Tâm An")
    assert (
        c.post("/dashboards/deployment/review/decide/", {"target": clinic.pk, "accept": "1"}).status_code
        == 403
    )


def test_the_call_list_downloads_neutralised_and_audited(campaign, province_officer):
    DeploymentTarget.objects.filter(name="Nhà nghỉ Hoa Mai").update(contact="=HYPERLINK(1)")
    c = Client()
    c.force_login(province_officer)
    page = c.get("/dashboards/deployment/calls/")
    assert page.status_code == 200 and page.context["count"] == 2
    response = c.get("/dashboards/deployment/calls/?sector=lodging&format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Nhà nghỉ Hoa Mai" in text and "Phòng khám" not in text
    assert "'=HYPERLINK(1)" in text or "=HYPERLINK(1)" not in text.replace("'=HYPERLINK(1)", "")
    assert AuditEvent.objects.filter(action="dashboards.calls_export").exists()


def test_the_progress_page_shows_the_deadline(campaign, province_officer):
    deadline_set(
        actor=province_officer, sector="health", agency="Sở Y tế", deadline=local_today() + timedelta(days=3)
    )
    c = Client()
    c.force_login(province_officer)
    page = c.get("/dashboards/deployment/")
    health = next(s for s in page.context["by_sector"] if s["row"].key == "health")
    assert health["agency"] == "Sở Y tế" and health["days_left"] == 3
    assert page.context["total"] == 4 and page.context["deployed"] == 2 and page.context["not_deployed"] == 2


def test_the_import_page_runs_a_job_with_a_per_row_report(
    province_officer, commune, django_capture_on_commit_callbacks
):
    c = Client()
    c.force_login(province_officer)
    upload = SimpleUploadedFile(
        "ds.csv",
        sheet(
            ["Quán A", "1 Phố", str(commune.code), "food", "", "", ""],
            ["", "", "", "", "", "", ""],
            ["Quán B", "", "nowhere", "food", "", "", ""],
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post("/dashboards/deployment/import/", {"file": upload})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    from epiqr.core.models import Job

    job = Job.objects.get()
    assert job.refused == 1 and DeploymentTarget.objects.count() == 1
