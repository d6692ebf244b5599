"""The venues API: scoped lists and reads, registration, posters and revocation over HTTP."""

import io

import pytest
from PIL import Image

from epiqr.core.permissions import Role
from epiqr.core.qr import read_bytes
from epiqr.venues.models import Venue
from epiqr.venues.selectors import venue_from_token

API = "/api/v1/venues"


@pytest.fixture
def officer(make_user, commune):
    return make_user(Role.COMMUNE_OFFICER, commune=commune)


@pytest.mark.django_db
class TestCreate:
    def test_officer_registers_in_their_commune(self, api_client, officer, commune):
        body = {
            "name": "Quán Bia Hơi Tạ Hiện",
            "sector": "food",
            "address": "2 Tạ Hiện",
            "commune_code": commune.code,
        }
        response = api_client(officer).post(API, body, content_type="application/json")
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["name"] == "Quán Bia Hơi Tạ Hiện" and data["commune_code"] == commune.code
        assert data["url"].split("/v/")[1]
        assert venue_from_token(token=data["url"].split("/v/")[1]).pk == data["id"]
        assert Venue.objects.get(pk=data["id"]).owner is None

    def test_owner_becomes_owner(self, api_client, owner, commune):
        body = {
            "name": "Tiệm Vàng Kim Thành",
            "sector": "retail",
            "address": "9 Hàng Bạc",
            "commune_code": commune.code,
        }
        response = api_client(owner).post(API, body, content_type="application/json")
        assert response.status_code == 201
        assert Venue.objects.get(pk=response.json()["id"]).owner == owner

    def test_bad_input_is_a_422_with_reason_and_field(self, api_client, officer, commune):
        body = {
            "name": "Quán A",
            "sector": "food",
            "address": "1 Phố",
            "commune_code": commune.code,
            "phone": "123",
        }
        response = api_client(officer).post(API, body, content_type="application/json")
        assert response.status_code == 422
        assert response.json()["field"] == "phone" and response.json()["detail"]
        response = api_client(officer).post(API, {"name": "x"}, content_type="application/json")
        assert response.status_code == 422
        assert not Venue.objects.exists()

    def test_officer_outside_jurisdiction_is_403(self, api_client, officer, other_commune):
        body = {"name": "Quán B", "sector": "food", "address": "1 Phố", "commune_code": other_commune.code}
        response = api_client(officer).post(API, body, content_type="application/json")
        assert response.status_code == 403
        assert not Venue.objects.exists()

    def test_roles_without_the_capability_are_refused(self, api_client, make_user, commune):
        body = {"name": "Quán C", "sector": "food", "address": "1 Phố", "commune_code": commune.code}
        assert (
            api_client(make_user(Role.LAB_TECH)).post(API, body, content_type="application/json").status_code
            == 403
        )
        assert self_client_anonymous_status(body) == 401


def self_client_anonymous_status(body):
    from django.test import Client

    return Client().post(API, body, content_type="application/json").status_code


@pytest.mark.django_db
class TestReadAndPosters:
    def test_list_is_scoped_and_paginated(self, api_client, register, owner, officer, other_commune):
        mine = register(owner=owner)
        register(name="Quán khác", address="2 Phố Khác")
        register(name="Quán bên cạnh", commune_id=other_commune.code)
        data = api_client(owner).get(API).json()
        assert [v["id"] for v in data["items"]] == [mine.pk] and data["count"] == 1
        data = api_client(officer).get(API + "?page=1").json()
        assert data["count"] == 2
        assert api_client(officer).get(API + "?q=quan khac").json()["count"] == 1
        assert api_client(officer).get(API + "?sector=school").json()["count"] == 0

    def test_get_outside_scope_is_404(self, api_client, register, owner, make_user):
        venue = register(owner=owner)
        assert api_client(owner).get(f"{API}/{venue.pk}").json()["code"] == venue.code
        stranger = make_user(Role.VENUE_OWNER)
        assert api_client(stranger).get(f"{API}/{venue.pk}").status_code == 404

    def test_poster_pdf_and_png(self, api_client, venue, owner):
        client = api_client(owner)
        pdf = client.get(f"{API}/{venue.pk}/poster.pdf?size=A5")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        png = client.get(f"{API}/{venue.pk}/poster.png")
        assert png.status_code == 200 and png["Content-Type"] == "image/png"
        Image.open(io.BytesIO(png.content)).verify()
        (url,) = read_bytes(png.content)
        assert venue_from_token(token=url.split("/v/")[1]) == venue
        assert client.get(f"{API}/{venue.pk}/poster.pdf?size=A3").status_code == 422

    def test_revoke_token(self, api_client, venue, owner, make_user, commune):
        client = api_client(owner)
        old_url = client.get(f"{API}/{venue.pk}").json()["url"]
        response = client.post(f"{API}/{venue.pk}/revoke-token")
        assert response.status_code == 200
        assert response.json()["url"] != old_url and response.json()["token_generation"] == 2
        # venue staff may see and print, not revoke
        staff = make_user(Role.VENUE_STAFF, org_kind="venue", org_id=venue.pk)
        assert api_client(staff).get(f"{API}/{venue.pk}/poster.png").status_code == 200
        assert api_client(staff).post(f"{API}/{venue.pk}/revoke-token").status_code == 403
        # the commune officer may revoke for a venue in their commune
        officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
        assert api_client(officer).post(f"{API}/{venue.pk}/revoke-token").json()["token_generation"] == 3
