"""Finding a venue from a scanned poster or a typed code, and who may see which venue."""

import pytest

from epiqr.core import signing
from epiqr.core.errors import Invalid, NotFound
from epiqr.core.permissions import Role
from epiqr.venues import selectors, tokens
from epiqr.venues.codes import code_display
from epiqr.venues.services import venue_token_revoke, venue_update


def _token(url: str) -> str:
    return url.rsplit("/v/", 1)[1]


@pytest.mark.django_db
class TestFromToken:
    def test_poster_url_opens_its_venue(self, venue, settings):
        url = selectors.venue_url(venue=venue)
        assert url.startswith(settings.PUBLIC_BASE_URL + "/v/")
        assert selectors.venue_from_token(token=_token(url)) == venue

    def test_forged_token_refused_before_any_database_read(self, venue, django_assert_num_queries):
        real = _token(selectors.venue_url(venue=venue))
        message, _dot, mac = real.rpartition(".")
        forged = [
            "1-1.AAAAAAAAAAAAAA",  # made up
            f"{int(message.split('-')[0], 36) + 1:x}-1.{mac}",  # another venue id, same signature
            real[:-2],  # truncated by a bad scan
            message,  # signature cut off
            "",
            "x" * 500,
            f"{message}.{'ă' * len(mac)}",  # mangled by a keyboard-wedge scanner
            "Đ-1.AAAAAAAAAAAAAA",
        ]
        for token in forged:
            with django_assert_num_queries(0), pytest.raises(Invalid) as exc:
                selectors.venue_from_token(token=token)
            assert exc.value.code == "token_invalid", token

    def test_token_signed_with_another_key_refused(self, venue, settings):
        settings.EPIQR_SIGNING_KEY = "someone-elses-key"
        other = tokens.token_make(venue_id=venue.pk, generation=venue.token_generation)
        settings.EPIQR_SIGNING_KEY = "epiqr-dev-signing-key-not-for-production"
        with pytest.raises(Invalid) as exc:
            selectors.venue_from_token(token=other)
        assert exc.value.code == "token_invalid"

    def test_revoked_poster_refused_and_new_one_works(self, venue, owner):
        old = _token(selectors.venue_url(venue=venue))
        venue_token_revoke(venue=venue, actor=owner)
        with pytest.raises(Invalid) as exc:
            selectors.venue_from_token(token=old)
        assert exc.value.code == "token_revoked"
        assert "mới" in exc.value.message or "new" in exc.value.message
        assert selectors.venue_from_token(token=_token(selectors.venue_url(venue=venue))) == venue

    def test_inactive_venue_refused(self, venue, owner):
        token = _token(selectors.venue_url(venue=venue))
        venue_update(venue=venue, actor=owner, is_active=False)
        with pytest.raises(Invalid) as exc:
            selectors.venue_from_token(token=token)
        assert exc.value.code == "venue_inactive"

    def test_rotating_code_expires(self, venue):
        at = 1_800_000_000.0
        url = selectors.venue_rotating_url(venue=venue, at=at)
        assert selectors.venue_from_token(token=_token(url), at=at + 60) == venue
        with pytest.raises(Invalid) as exc:
            selectors.venue_from_token(token=_token(url), at=at + 3 * tokens.ROTATION_SECONDS)
        assert exc.value.code == "token_expired"

    def test_token_purpose_separates_venue_and_other_codes(self, venue):
        personal_like = signing.sign("person", signing.encode_ints(venue.pk, 1))
        with pytest.raises(Invalid) as exc:
            selectors.venue_from_token(token=personal_like)
        assert exc.value.code == "token_invalid"


@pytest.mark.django_db
class TestByCode:
    def test_code_typed_loosely_finds_venue(self, venue):
        shown = code_display(venue.code)
        assert selectors.venue_by_code(code=f"  {shown.lower()} ") == venue
        assert selectors.venue_by_code(code=venue.code[:3] + " " + venue.code[3:]) == venue

    def test_one_mistyped_character_is_called_a_typo(self, venue, django_assert_num_queries):
        code = venue.code
        wrong = ("2" if code[2] != "2" else "3").join([code[:2], code[3:]])
        with django_assert_num_queries(0), pytest.raises(Invalid) as exc:
            selectors.venue_by_code(code=wrong)
        assert exc.value.code == "code_mistyped"

    def test_unknown_and_empty_codes(self, venue):
        with pytest.raises(NotFound):
            selectors.venue_by_code(code="ZZZZ99")
        with pytest.raises(Invalid) as exc:
            selectors.venue_by_code(code="  ")
        assert exc.value.code == "code_missing"


@pytest.mark.django_db
class TestScope:
    @pytest.fixture
    def world(self, register, make_user, commune, other_commune, geo):
        from epiqr.geo.models import Province

        owner_a = make_user(Role.VENUE_OWNER)
        owner_b = make_user(Role.VENUE_OWNER)
        far = Province.objects.exclude(pk=geo.pk).first().communes.first()
        here = register(name="Nhà thuốc Hàng Bạc", owner=owner_a)
        here_b = register(name="Tiệm bánh Hàng Đào", owner=owner_b)
        next_door = register(name="Trường THCS Trưng Vương", commune_id=other_commune.code, sector="school")
        elsewhere = register(name="Chợ Đông Ba", commune_id=far.code, sector="retail")
        return {
            "owner_a": owner_a,
            "here": here,
            "here_b": here_b,
            "next_door": next_door,
            "elsewhere": elsewhere,
            "far": far,
        }

    def _names(self, user):
        return {v.name for v in selectors.venue_list_visible_to(user=user)}

    def test_owner_sees_only_own_venues(self, world):
        assert self._names(world["owner_a"]) == {"Nhà thuốc Hàng Bạc"}
        with pytest.raises(NotFound):
            selectors.venue_get_visible(user=world["owner_a"], venue_id=world["here_b"].pk)

    def test_commune_officer_sees_only_their_commune(self, world, make_user, commune):
        officer = make_user(Role.COMMUNE_OFFICER, commune=commune)
        assert self._names(officer) == {"Nhà thuốc Hàng Bạc", "Tiệm bánh Hàng Đào"}
        with pytest.raises(NotFound):
            selectors.venue_get_visible(user=officer, venue_id=world["next_door"].pk)

    def test_province_officer_sees_province_admin_sees_all(self, world, make_user, geo):
        province_officer = make_user(Role.PROVINCE_OFFICER, province=geo)
        assert "Chợ Đông Ba" not in self._names(province_officer)
        assert "Trường THCS Trưng Vương" in self._names(province_officer)
        assert len(self._names(make_user(Role.ADMIN))) == 4

    def test_venue_staff_see_their_venue_only(self, world, make_user):
        staff = make_user(Role.VENUE_STAFF, org_kind="venue", org_id=world["here_b"].pk)
        assert self._names(staff) == {"Tiệm bánh Hàng Đào"}

    def test_other_roles_and_unscoped_see_nothing(self, world, make_user):
        assert self._names(make_user(Role.LAB_TECH)) == set()
        assert self._names(make_user(Role.COMMUNE_OFFICER)) == set()  # officer without a jurisdiction
