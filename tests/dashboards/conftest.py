import itertools
from datetime import date, datetime, timedelta

import pytest

from epiqr.core.timeutil import aware

_barcodes = itertools.count(1)


def make_tube(*, commune, day: date, members: int, status: str = "resulted", result: str = ""):
    """A tube sampled in `commune` on `day` (made-up test data written straight to testing's tables)."""
    from epiqr.testing.models import SamplingSession, SamplingSite, Tube

    site, _ = SamplingSite.objects.get_or_create(name=f"Điểm lấy mẫu {commune.pk}", commune=commune)
    session, _ = SamplingSession.objects.get_or_create(site=site, day=day, team="Đội 1", kind="pcr")
    return Tube.objects.create(
        barcode=f"TD{next(_barcodes):08d}",
        session=session,
        status=status,
        member_count=members,
        result=result,
        opened_at=aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=8),
    )


@pytest.fixture
def province_officer(make_user, geo):
    from epiqr.core.permissions import Role

    return make_user(Role.PROVINCE_OFFICER, province=geo)
