"""The scan station's cached venue facts decide scope exactly as venue_list_visible_to does."""

import pytest

from epiqr.accounts.models import OrgKind
from epiqr.core.permissions import Role
from epiqr.venues import selectors
from epiqr.venues.selectors import venue_facts_by_code, venue_facts_visible_to, venue_list_visible_to
from tests.factories import VenueFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    selectors._venue_facts.clear()
    yield
    selectors._venue_facts.clear()


def test_facts_scope_agrees_with_the_venue_list_for_every_kind_of_user(
    make_user, commune, other_commune, geo
):
    from epiqr.geo.models import Commune

    far = Commune.objects.exclude(province_id=commune.province_id).first()
    owner = make_user(Role.VENUE_OWNER)
    venues = [
        VenueFactory(commune=commune, owner=owner),
        VenueFactory(commune=other_commune, owner=make_user(Role.VENUE_OWNER)),
        VenueFactory(commune=far, owner=None),
    ]
    staff = make_user(Role.VENUE_STAFF, org_kind=OrgKind.VENUE, org_id=venues[1].pk)
    gone = make_user(Role.VENUE_OWNER, is_active=False)
    users = [
        make_user(Role.ADMIN),
        make_user(Role.COMMUNE_OFFICER, commune=commune),
        make_user(Role.PROVINCE_OFFICER, province=commune.province),
        make_user(Role.PROVINCE_OFFICER, province=far.province),
        make_user(Role.COMMUNE_OFFICER),  # no jurisdiction: sees nothing
        owner,
        staff,
        gone,
        make_user(Role.CITIZEN),
    ]
    for user in users:
        visible = set(venue_list_visible_to(user=user).values_list("pk", flat=True))
        for venue in venues:
            facts = venue_facts_by_code(code=venue.code)
            assert venue_facts_visible_to(user=user, facts=facts) == (venue.pk in visible), (user.role, venue)
    assert any(venue_facts_visible_to(user=u, facts=venue_facts_by_code(code=venues[2].code)) for u in users)


def test_facts_name_the_venue_and_unknown_codes_are_none(commune, make_user):
    venue = VenueFactory(commune=commune, owner=make_user(Role.VENUE_OWNER), is_active=False)
    facts = venue_facts_by_code(code=venue.code)
    assert (facts.id, facts.commune_id, facts.province_id, facts.owner_id, facts.is_active) == (
        venue.pk,
        commune.pk,
        commune.province_id,
        venue.owner_id,
        False,
    )
    assert venue_facts_by_code(code="ZZZZZZZZ") is None


def test_facts_are_reread_after_the_bound(commune, make_user, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(selectors, "_clock", lambda: clock[0])
    venue = VenueFactory(commune=commune, owner=make_user(Role.VENUE_OWNER))
    assert venue_facts_by_code(code=venue.code).is_active
    type(venue).objects.filter(pk=venue.pk).update(is_active=False)
    clock[0] += selectors.VENUE_FACTS_SECONDS - 1
    assert venue_facts_by_code(code=venue.code).is_active  # within the documented bound
    clock[0] += 2
    assert not venue_facts_by_code(code=venue.code).is_active
