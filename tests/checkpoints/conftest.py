"""Fixtures of the checkpoints domain: an organisation and its account, the authority, a checkpoint."""

from datetime import time, timedelta

import pytest

from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today
from tests.people.payloads import cccd_number


@pytest.fixture
def organisation(commune):
    from epiqr.checkpoints.services import organisation_register

    return organisation_register(
        name="Công ty Vận tải Sông Hồng", tax_code="0101234567", commune_id=commune.code
    )


@pytest.fixture
def org_user(make_user, organisation):
    return make_user(Role.ORGANISATION, org_kind="organisation", org_id=organisation.pk)


@pytest.fixture
def authority(make_user, commune):
    return make_user(Role.COMMUNE_OFFICER, commune=commune)


@pytest.fixture
def checkpoint(commune, make_user):
    from epiqr.checkpoints.models import Checkpoint

    return Checkpoint.objects.create(
        code="cua-ngo-1",
        name="Chốt cửa ngõ số 1",
        kind="gateway",
        commune=commune,
        opens_at=time(6),
        closes_at=time(22),
    )


@pytest.fixture
def chot(make_user, checkpoint, geo):
    user = make_user(Role.CHECKPOINT_OFFICER, province=geo)
    checkpoint.officers.add(user)
    return user


def application(**over) -> dict:
    """A good application (as the form or a sheet gives it), with any field replaced."""
    data = {
        "id_number": cccd_number(born=1987, sex="F", serial=12345),
        "full_name": "Nguyễn Thị Thanh Hương",
        "phone": "0912 345 678",
        "email": "",
        "purpose": "1",
        "valid_from": local_today(),
        "valid_until": local_today() + timedelta(days=13),
        "weekdays": "cả tuần",
        "hours": "cả ngày",
        "area": "Hà Nội",
        "plate": "29A-123.45",
    }
    data.update(over)
    return data


@pytest.fixture
def approved(org_user, authority):
    """An approved permit: (permit, its QR text)."""
    from epiqr.checkpoints.services import permit_apply, permits_decide

    permit = permit_apply(actor=org_user, data=application())
    permits_decide(actor=authority, permit_ids=[permit.pk], approve=True)
    permit.refresh_from_db()
    return permit
