"""Registering venues: what a shop owner or officer may enter, and the codes they get."""

from datetime import datetime

import pytest

from epiqr.core.errors import Forbidden, Invalid
from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.venues import codes
from epiqr.venues.models import Sector, Venue
from epiqr.venues.services import (
    venue_clean,
    venue_codes_new,
    venue_owner_signup,
    venue_token_revoke,
    venue_update,
)


@pytest.mark.django_db
class TestRegister:
    def test_registered_venue_is_stored_normalised_with_a_readable_code(self, register, commune):
        venue = register(name="  Cà phê   Hồ Gươm ", phone="+84 912.345.678")
        venue.refresh_from_db()
        assert venue.name == "Cà phê Hồ Gươm"
        assert venue.name_folded == "ca phe ho guom"
        assert venue.phone == "0912345678"
        assert venue.commune == commune
        assert venue.agency in ("Department of Industry and Trade", "Sở Công Thương")
        assert len(venue.code) == 7
        assert not set(venue.code) & set("0O1IL")
        assert codes.code_is_well_formed(venue.code)

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"name": "   "}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"sector": "casino"}, "sector"),
            ({"address": ""}, "address"),
            ({"commune_id": None}, "commune"),
            ({"commune_id": 99999999}, "commune"),
            ({"phone": "12345"}, "phone"),
            ({"phone": "0912 345 678 999"}, "phone"),
            ({"capacity": 0}, "capacity"),
            ({"capacity": -5}, "capacity"),
            ({"capacity": 10**9}, "capacity"),
            ({"sector": Sector.EVENT}, "starts_at"),
            ({"starts_at": datetime(2026, 12, 1, 8)}, "starts_at"),
            (
                {
                    "sector": Sector.EVENT,
                    "starts_at": datetime(2026, 12, 1, 18),
                    "ends_at": datetime(2026, 12, 1, 8),
                },
                "ends_at",
            ),
            (
                {
                    "sector": Sector.EVENT,
                    "starts_at": datetime(2026, 12, 1, 8),
                    "ends_at": datetime(2026, 12, 1, 8),
                },
                "ends_at",
            ),
        ],
    )
    def test_bad_input_is_refused_naming_the_field(self, register, overrides, field):
        with pytest.raises(Invalid) as exc:
            register(**overrides)
        assert exc.value.field == field
        assert exc.value.message
        assert not Venue.objects.exists()

    def test_event_with_times_is_stored_in_utc(self, register):
        venue = register(
            name="Hội chợ Xuân 2027",
            sector=Sector.EVENT,
            starts_at=datetime(2027, 1, 20, 8, 0),  # naive = Vietnam time
            ends_at=datetime(2027, 1, 25, 22, 0),
        )
        venue.refresh_from_db()
        assert venue.starts_at.utcoffset().total_seconds() == 0
        assert venue.starts_at.hour == 1  # 08:00 in Hanoi is 01:00 UTC

    def test_same_name_and_address_twice_is_a_duplicate(self, register):
        register()
        with pytest.raises(Invalid) as exc:
            register(name="CA PHE HO GUOM", address="12 phố Hàng Bạc")
        assert exc.value.code == "duplicate"
        assert register(address="14 Phố Hàng Bạc").code  # another branch is fine

    def test_officer_registers_only_inside_jurisdiction(self, register, make_user, commune, other_commune):
        officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
        assert register(actor=officer).commune_id == commune.code
        with pytest.raises(Forbidden):
            register(name="Quán khác", commune_id=other_commune.code, actor=officer)

    def test_codes_are_unique_even_when_the_generator_repeats(self, register, monkeypatch):
        first = register()
        # The generator first draws the code already taken, then a fresh one: the taken one is skipped.
        fresh = "ABCDEF" + codes.check_char("ABCDEF")
        draws = iter([first.code, fresh])
        monkeypatch.setattr("epiqr.venues.services.code_make", lambda: next(draws))
        second = register(address="99 Phố Khác")
        assert second.code != first.code
        assert second.code == fresh

    def test_many_new_codes_are_distinct(self, db):
        many = venue_codes_new(2000)
        assert len(set(many)) == 2000 and all(codes.code_is_well_formed(c) for c in many)


class TestPhone:
    """A venue's phone goes through the one phone rule (people.phones), 2018 renumbering included."""

    def _phone(self, raw: str) -> str:
        return venue_clean(name="Quán", sector=Sector.FOOD, address="1 Phố Huế", commune_id=1, phone=raw)[
            "phone"
        ]

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("0912345678", "0912345678"),
            ("+84912345678", "0912345678"),
            ("84 912 345 678", "0912345678"),
            ("(024) 3825 1234", "02438251234"),
            ("0168 123 4567", "0381234567"),  # an 11-digit Viettel number from before 2018
            ("", ""),
        ],
    )
    def test_accepted_forms(self, raw, expected):
        assert self._phone(raw) == expected

    @pytest.mark.parametrize("raw", ["123", "09123456", "abc0912345678", "+1 202 555 0100", "0123456789"])
    def test_refused(self, raw):
        with pytest.raises(Invalid) as caught:
            self._phone(raw)
        assert caught.value.field == "phone"


@pytest.mark.django_db
class TestUpdateAndRevoke:
    def test_update_keeps_code_and_posters(self, venue, owner):
        code, generation = venue.code, venue.token_generation
        venue_update(venue=venue, actor=owner, name="Cà phê Hồ Gươm 2", capacity=60)
        venue.refresh_from_db()
        assert (venue.name, venue.capacity, venue.code, venue.token_generation) == (
            "Cà phê Hồ Gươm 2",
            60,
            code,
            generation,
        )

    def test_update_validates_like_register(self, venue, owner):
        with pytest.raises(Invalid):
            venue_update(venue=venue, actor=owner, name="")
        with pytest.raises(Invalid):
            venue_update(venue=venue, actor=owner, code="AAAAAAA")
        venue.refresh_from_db()
        assert venue.name == "Cà phê Hồ Gươm"

    def test_revoke_bumps_generation_and_is_audited(self, venue, owner):
        venue_token_revoke(venue=venue, actor=owner)
        venue_token_revoke(venue=venue, actor=owner)
        venue.refresh_from_db()
        assert venue.token_generation == 3
        events = AuditEvent.objects.filter(action="venue.token_revoke", target_id=str(venue.pk))
        assert events.count() == 2 and events.first().actor == owner


@pytest.mark.django_db
class TestOwnerSignup:
    def _venue(self, commune, **extra):
        return {
            "name": "Tạp hoá Cô Ba",
            "sector": Sector.RETAIL,
            "address": "3 Ngõ Trạm",
            "commune_id": commune.code,
            **extra,
        }

    def test_creates_owner_account_and_venue_together(self, commune):
        venue = venue_owner_signup(
            username="coba",
            password="rat-kho-doan-123",
            full_name="Nguyễn Thị Ba",
            owner_phone="0987654321",
            venue=self._venue(commune),
        )
        assert venue.owner.username == "coba"
        assert venue.owner.role == Role.VENUE_OWNER
        assert venue.owner.check_password("rat-kho-doan-123")

    def test_bad_venue_creates_no_account(self, commune):
        from epiqr.accounts.models import User

        with pytest.raises(Invalid):
            venue_owner_signup(
                username="coba",
                password="rat-kho-doan-123",
                full_name="Nguyễn Thị Ba",
                venue=self._venue(commune, phone="12"),
            )
        with pytest.raises(Invalid) as exc:
            venue_owner_signup(
                username="coba", password="short", full_name="Nguyễn Thị Ba", venue=self._venue(commune)
            )
        assert exc.value.field == "password"
        assert not User.objects.filter(username="coba").exists()
        assert not Venue.objects.exists()
