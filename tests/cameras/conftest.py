import pytest

from epiqr.core.permissions import Role
from tests.checkpoints.conftest import (  # noqa: F401
    application,
    approved,
    authority,
    checkpoint,
    chot,
    org_user,
    organisation,
)


@pytest.fixture
def officer(make_user, commune):
    return make_user(Role.COMMUNE_OFFICER, commune=commune, email="xa@example.vn")


def make_camera(commune, **fields):
    from epiqr.cameras.models import Camera

    data = {"code": fields.pop("code", "cam-1"), "name": "Camera thử", "commune": commune}
    data.update(fields)
    return Camera.objects.create(**data)


__all__ = ["application"]
