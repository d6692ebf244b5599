"""Fixtures for venue tests: a registered venue and the people who look at it."""

import pytest

from epiqr.core.permissions import Role


@pytest.fixture
def register(commune):
    """register(**overrides) -> Venue through the real service, defaults to a café in `commune`."""
    from epiqr.venues.models import Sector
    from epiqr.venues.services import venue_register

    def make(**overrides):
        fields = {
            "name": "Cà phê Hồ Gươm",
            "sector": Sector.FOOD,
            "address": "12 Phố Hàng Bạc",
            "commune_id": commune.code,
            "phone": "0912 345 678",
            "capacity": 40,
        }
        fields.update(overrides)
        return venue_register(**fields)

    return make


@pytest.fixture
def owner(make_user):
    return make_user(Role.VENUE_OWNER)


@pytest.fixture
def venue(register, owner):
    return register(owner=owner)
