"""Check-in fixtures: a venue with its owner, valid-looking made-up ID card payloads, device uploads."""

import itertools
import uuid

import pytest

from epiqr.core.permissions import Role

_serial = itertools.count(1000)
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Quốc Dũng", "Hoàng Thu Hà", "Vũ Đức Long"]


def cccd_payload(
    *, name: str | None = None, year: int = 1990, sex: str = "M", serial: int | None = None
) -> str:
    """A chip ID card QR (made-up person): number||Name|DDMMYYYY|Nam/Nữ|address|issue date."""
    from epiqr.people.idnumber import id_number_make

    serial = next(_serial) if serial is None else serial
    number = id_number_make(province_code="001", birth_year=year, sex=sex, serial=serial)
    name = name or NAMES[serial % len(NAMES)]
    return f"{number}||{name}|0101{year}|{'Nam' if sex == 'M' else 'Nữ'}|12 Phố Huế, Hà Nội|01012022"


@pytest.fixture
def owner(make_user, commune):
    return make_user(Role.VENUE_OWNER)


@pytest.fixture
def venue(commune, owner):
    from tests.factories import VenueFactory

    return VenueFactory(commune=commune, owner=owner, capacity=20)


@pytest.fixture
def other_venue(commune, make_user):
    from tests.factories import VenueFactory

    return VenueFactory(commune=commune, owner=make_user(Role.VENUE_OWNER))


@pytest.fixture
def venue_url():
    def build(v) -> str:
        from epiqr.venues.selectors import venue_url as url

        return "/" + url(venue=v).split("/", 3)[3]

    return build


@pytest.fixture
def owner_api(api_client, owner):
    return api_client(owner)


@pytest.fixture
def checkins():
    from epiqr.checkins.models import CheckIn

    return CheckIn.objects


@pytest.fixture
def new_id():
    return lambda: str(uuid.uuid4())


@pytest.fixture(autouse=True)
def _fresh_hot_path_caches():
    """The per-process caches of the scan path (token user, venue facts) start empty in every test."""
    from epiqr.accounts import services as accounts
    from epiqr.venues import selectors as venues

    accounts._token_cache.clear()
    venues._venue_facts.clear()
    yield
    accounts._token_cache.clear()
    venues._venue_facts.clear()


class FakeClock:
    """Stands in for time.monotonic in the hot-path caches: tests move it forward by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cache_clock(monkeypatch):
    from epiqr.accounts import services as accounts
    from epiqr.venues import selectors as venues

    clock = FakeClock()
    monkeypatch.setattr(accounts, "_clock", clock)
    monkeypatch.setattr(venues, "_clock", clock)
    return clock
