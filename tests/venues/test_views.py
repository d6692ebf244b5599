"""Venue pages as a shop owner and an officer use them."""

import io
import re

import pytest
from django.test import Client
from openpyxl import Workbook

from epiqr.accounts.models import User
from epiqr.core.permissions import Role
from epiqr.core.qr import read_bytes
from epiqr.venues.models import Venue
from epiqr.venues.selectors import venue_from_token


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


SIGNUP = {
    "name": "Tạp hoá Cô Ba",
    "sector": "retail",
    "address": "3 Ngõ Trạm",
    "commune": "Phường Hoàn Kiếm, Thành phố Hà Nội",
    "phone": "0912345678",
    "capacity": "10",
    "full_name": "Nguyễn Thị Ba",
    "owner_phone": "0987654321",
    "username": "coba",
    "password": "rat-kho-doan-123",
}


@pytest.mark.django_db
class TestSignup:
    def test_page_is_public_and_in_vietnamese(self, geo):
        response = Client().get("/venues/register/")
        assert response.status_code == 200
        assert "Register your venue" in response.text or "Đăng ký" in response.text

    def test_shop_owner_signs_up_and_lands_on_their_venue(self, geo):
        client = Client()
        response = client.post("/venues/register/", SIGNUP)
        assert response.status_code == 302, response.text
        venue = Venue.objects.get()
        assert response["Location"] == f"/venues/{venue.pk}/"
        assert venue.owner.username == "coba" and venue.commune.name == "Phường Hoàn Kiếm"
        page = client.get(response["Location"])  # logged in as the new owner
        assert page.status_code == 200 and "Tạp hoá Cô Ba" in page.text

    def test_commune_typed_without_diacritics_is_accepted(self, geo):
        response = Client().post("/venues/register/", {**SIGNUP, "commune": "hoan kiem"})
        assert response.status_code == 302
        assert Venue.objects.get().commune_id == 70

    @pytest.mark.parametrize(
        ("change", "message_part"),
        [
            ({"commune": "Phường Không Tồn Tại"}, "Phường Không Tồn Tại"),
            ({"phone": "123"}, "123"),
            ({"password": "short"}, ""),
            ({"name": ""}, ""),
            ({"sector": "event"}, ""),
        ],
    )
    def test_mistakes_are_shown_on_the_form_and_nothing_is_stored(self, geo, change, message_part):
        response = Client().post("/venues/register/", {**SIGNUP, **change})
        assert response.status_code == 200
        assert 'class="errorlist"' in response.text or 'class="error"' in response.text
        assert message_part in response.text
        assert "Tạp hoá Cô Ba" in response.text or change.get("name") == ""  # typed values kept
        assert not Venue.objects.exists() and not User.objects.filter(username="coba").exists()

    def test_commune_suggestions(self, geo):
        response = Client().get("/venues/communes/?commune=hoan kiem")
        assert 'value="Phường Hoàn Kiếm, Thành phố Hà Nội"' in response.text


@pytest.mark.django_db
class TestOwnerPages:
    def test_my_venues_lists_only_mine(self, register, owner, make_user):
        register(owner=owner)
        register(name="Quán của người khác", owner=make_user(Role.VENUE_OWNER))
        page = client_for(owner).get("/venues/")
        assert "Cà phê Hồ Gươm" in page.text and "Quán của người khác" not in page.text

    def test_detail_and_poster_downloads(self, venue, owner):
        client = client_for(owner)
        page = client.get(f"/venues/{venue.pk}/")
        assert page.status_code == 200 and "<svg" in page.text
        pdf = client.get(f"/venues/{venue.pk}/poster.pdf?size=A5")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        png = client.get(f"/venues/{venue.pk}/poster.png")
        (url,) = read_bytes(png.content)
        assert venue_from_token(token=url.split("/v/")[1]) == venue
        assert client.get(f"/venues/{venue.pk}/poster.pdf?size=B4").status_code == 400

    def test_other_owner_gets_404(self, venue, make_user):
        stranger = client_for(make_user(Role.VENUE_OWNER))
        assert stranger.get(f"/venues/{venue.pk}/").status_code == 404
        assert stranger.get(f"/venues/{venue.pk}/poster.pdf").status_code == 404
        assert stranger.post(f"/venues/{venue.pk}/revoke/").status_code == 404

    def test_revoke_asks_then_invalidates_old_posters(self, venue, owner):
        client = client_for(owner)
        confirm = client.get(f"/venues/{venue.pk}/revoke/")
        assert confirm.status_code == 200 and "<form" in confirm.text
        venue.refresh_from_db()
        assert venue.token_generation == 1  # GET changes nothing
        response = client.post(f"/venues/{venue.pk}/revoke/")
        assert response.status_code == 302
        venue.refresh_from_db()
        assert venue.token_generation == 2

    def test_close_and_reopen(self, venue, owner):
        from epiqr.core.errors import Invalid
        from epiqr.venues.selectors import venue_url

        token = venue_url(venue=venue).split("/v/")[1]
        client = client_for(owner)
        assert client.post(f"/venues/{venue.pk}/active/", {"active": "0"}).status_code == 302
        with pytest.raises(Invalid) as exc:
            venue_from_token(token=token)
        assert exc.value.code == "venue_inactive"
        assert "Mở lại" in client.get(f"/venues/{venue.pk}/").text  # the detail page offers to reopen
        client.post(f"/venues/{venue.pk}/active/", {"active": "1"})
        assert venue_from_token(token=token) == venue

    def test_staff_can_print_but_not_revoke_or_edit(self, venue, make_user):
        staff = client_for(make_user(Role.VENUE_STAFF, org_kind="venue", org_id=venue.pk))
        assert staff.get(f"/venues/{venue.pk}/poster.png").status_code == 200
        assert staff.post(f"/venues/{venue.pk}/revoke/").status_code == 403
        assert staff.get(f"/venues/{venue.pk}/edit/").status_code == 403
        assert staff.post(f"/venues/{venue.pk}/active/", {"active": "0"}).status_code == 403

    def test_edit(self, venue, owner):
        client = client_for(owner)
        data = {**SIGNUP, "name": "Cà phê Hồ Gươm mới", "commune": str(venue.commune_id)}
        assert client.post(f"/venues/{venue.pk}/edit/", data).status_code == 302
        venue.refresh_from_db()
        assert venue.name == "Cà phê Hồ Gươm mới"

    def test_anonymous_is_sent_to_login(self, venue):
        response = Client().get(f"/venues/{venue.pk}/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
class TestOfficerPages:
    @pytest.fixture
    def officer(self, make_user):
        from epiqr.geo.models import Commune

        return make_user(Role.COMMUNE_OFFICER, commune=Commune.objects.get(pk=70))

    def test_officer_registers_in_jurisdiction_only(self, officer):
        client = client_for(officer)
        data = {
            k: v for k, v in SIGNUP.items() if k not in ("full_name", "owner_phone", "username", "password")
        }
        assert client.post("/venues/new/", data).status_code == 302
        response = client.post("/venues/new/", {**data, "name": "Quán khác", "commune": "Phường Cửa Nam"})
        assert response.status_code == 200 and Venue.objects.count() == 1

    def test_import_page_reports_rows_and_imports_nothing_on_error(
        self, officer, django_capture_on_commit_callbacks
    ):
        book = Workbook()
        sheet = book.active
        sheet.append(["Tên địa điểm", "Loại hình", "Địa chỉ", "Xã/phường"])
        sheet.append(["Quán Một", "food", "1 Hàng Bè", "Phường Hoàn Kiếm"])
        sheet.append(["Quán Hai", "food", "2 Hàng Bè", "Phường Cửa Nam"])
        out = io.BytesIO()
        book.save(out)
        client = client_for(officer)
        upload = io.BytesIO(out.getvalue())
        upload.name = "venues.xlsx"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/venues/import/", {"file": upload})
        assert response.status_code == 302 and response["Location"].startswith("/jobs/")
        job_page = client.get(response["Location"])  # the job's page: its per-row report
        assert "Quán Hai" in job_page.text and Venue.objects.count() == 0
        template = client.get("/venues/import/template.xlsx")
        assert template.status_code == 200 and template.getvalue()[:2] == b"PK"

    def test_owner_cannot_import(self, owner):
        assert client_for(owner).get("/venues/import/").status_code == 403

    def test_batch_posters_for_a_commune(self, officer, register, django_capture_on_commit_callbacks):
        for n in range(3):
            register(name=f"Quán {n}", commune_id=70)
        client = client_for(officer)
        page = client.get("/venues/posters/?commune=70&sector=&size=A5&check=1")
        assert page.status_code == 200 and "3" in page.text
        with django_capture_on_commit_callbacks(execute=True):
            started = client.get("/venues/posters/?commune=70&sector=food&size=A5&download=1")
        assert started.status_code == 302  # drawn as a job: its page offers the PDF
        job_page = client.get(started["Location"]).content.decode()
        file_url = re.search(r'href="(/jobs/\d+/files/\d+/)"', job_page).group(1)
        pdf = client.get(file_url)
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        import pypdfium2 as pdfium

        assert len(pdfium.PdfDocument(pdf.content)) == 3
