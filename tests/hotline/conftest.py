"""The hotline's test world: a 1022 centre for Hà Nội, a commune team and a medical team under it, an
operator at the centre, a commune officer in the commune team; and a clock the tests move."""

from dataclasses import dataclass
from datetime import datetime

import pytest

from epiqr.core.permissions import Role
from epiqr.core.timeutil import VN_TZ


class FakeClock:
    """`core.timeutil.now()` as the test sets it: `clock.at(...)`, `clock.advance(minutes=...)`."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def at(self, moment: datetime) -> datetime:
        self.current = moment
        return moment

    def advance(self, **delta) -> datetime:
        from datetime import timedelta

        self.current = self.current + timedelta(**delta)
        return self.current


@pytest.fixture
def clock(monkeypatch):
    """A fake clock for everything that asks core.timeutil.now() (the hotline's services and selectors),
    starting on a Friday morning in Hà Nội."""
    from epiqr.core import timeutil

    fake = FakeClock(datetime(2026, 12, 4, 8, 0, tzinfo=VN_TZ))
    monkeypatch.setattr(timeutil, "now", fake)
    return fake


@dataclass
class Hotline:
    centre: object
    commune_team: object
    medical: object
    other_team: object  # a commune team of another commune, under the same centre
    operator: object
    officer: object  # commune officer, member of commune_team
    medic: object  # facility coordinator, member of the medical team
    outsider: object  # commune officer of the other commune, member of other_team


@pytest.fixture
def hotline(db, geo, commune, other_commune, make_user):
    from epiqr.hotline.models import Team, TeamKind, TeamMember

    centre = Team.objects.create(
        name="Tổng đài 1022 Hà Nội", kind=TeamKind.CENTRE, province=geo, phone="1022"
    )
    commune_team = Team.objects.create(
        name=f"Ban chỉ đạo {commune.name}",
        kind=TeamKind.COMMUNE,
        province=geo,
        commune=commune,
        parent=centre,
    )
    medical = Team.objects.create(
        name=f"Trạm y tế lưu động {commune.name}", kind=TeamKind.MEDICAL, province=geo, commune=commune,
        parent=commune_team,
    )  # fmt: skip
    other_team = Team.objects.create(
        name=f"Ban chỉ đạo {other_commune.name}", kind=TeamKind.COMMUNE, province=geo, commune=other_commune,
        parent=centre,
    )  # fmt: skip
    operator = make_user(Role.HOTLINE_OPERATOR, province=geo, email="op@example.invalid")
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune, phone="0911000001")
    medic = make_user(Role.FACILITY_COORDINATOR, province=geo, phone="0911000002")
    outsider = make_user(Role.COMMUNE_OFFICER, commune=other_commune, phone="0911000003")
    TeamMember.objects.create(team=centre, user=operator, is_lead=True)
    TeamMember.objects.create(team=commune_team, user=officer)
    TeamMember.objects.create(team=medical, user=medic)
    TeamMember.objects.create(team=other_team, user=outsider)
    return Hotline(centre, commune_team, medical, other_team, operator, officer, medic, outsider)


@pytest.fixture
def file_call(hotline):
    """file_call(**filing fields) files a call as the operator (defaults: a food request in `commune`)."""
    from epiqr.hotline.services import Filing, ticket_file

    def make(actor=None, **fields):
        data = {
            "source": "call",
            "category": "supplies",
            "description": "Nhà 4 người cách ly, hết gạo và sữa cho trẻ nhỏ.",
            "phone": "0912345678",
            "caller_name": "Nguyễn Thị Thử",
            "commune_id": hotline.commune_team.commune_id,
        }
        data.update(fields)
        return ticket_file(filing=Filing(**data), actor=actor or hotline.operator)

    return make
