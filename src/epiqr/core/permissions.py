"""Roles and the registry of named capabilities.

Each domain declares its capabilities in its own `permissions.py` with `capability(...)`, naming the
roles that hold it. Views and API handlers check a capability by name; lists are then narrowed to the
user's scope by the domain's selectors (see `accounts.selectors`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class Role:
    CITIZEN = "citizen"
    VENUE_OWNER = "venue_owner"
    VENUE_STAFF = "venue_staff"
    COMMUNE_OFFICER = "commune_officer"
    PROVINCE_OFFICER = "province_officer"
    SAMPLER = "sampler"
    LAB_TECH = "lab_tech"
    VACCINATOR = "vaccinator"
    FACILITY_COORDINATOR = "facility_coordinator"
    CHECKPOINT_OFFICER = "checkpoint_officer"
    HOTLINE_OPERATOR = "hotline_operator"
    ADMIN = "admin"

    CHOICES = [
        (CITIZEN, _("Người dân")),
        (VENUE_OWNER, _("Chủ địa điểm")),
        (VENUE_STAFF, _("Nhân viên địa điểm")),
        (COMMUNE_OFFICER, _("Cán bộ y tế xã/phường")),
        (PROVINCE_OFFICER, _("Cán bộ y tế tỉnh/thành")),
        (SAMPLER, _("Kỹ thuật viên lấy mẫu")),
        (LAB_TECH, _("Kỹ thuật viên xét nghiệm")),
        (VACCINATOR, _("Nhân viên tiêm chủng")),
        (FACILITY_COORDINATOR, _("Điều phối cơ sở điều trị")),
        (CHECKPOINT_OFFICER, _("Cán bộ chốt kiểm soát")),
        (HOTLINE_OPERATOR, _("Tổng đài viên 1022")),
        (ADMIN, _("Quản trị hệ thống")),
    ]
    OFFICERS = (COMMUNE_OFFICER, PROVINCE_OFFICER)


@dataclass(frozen=True)
class Capability:
    name: str
    description: str
    roles: frozenset[str]


REGISTRY: dict[str, Capability] = {}


def capability(name: str, description: str, roles: tuple[str, ...] | list[str]) -> str:
    """Declare a capability; administrators hold every capability."""
    REGISTRY[name] = Capability(name, description, frozenset(roles) | {Role.ADMIN})
    return name


def has_capability(user, name: str) -> bool:
    if name not in REGISTRY:
        raise KeyError(f"unknown capability {name!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.role in REGISTRY[name].roles


def capabilities_of(role: str) -> list[str]:
    return sorted(c.name for c in REGISTRY.values() if role in c.roles)


def check_capability(user, name: str) -> None:
    if not has_capability(user, name):
        raise PermissionDenied(f"missing capability {name}")


def requires(name: str) -> Callable:
    """View decorator: 403 unless the logged-in user holds the capability."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            check_capability(request.user, name)
            return view(request, *args, **kwargs)

        wrapper.required_capability = name  # type: ignore[attr-defined]
        return wrapper

    return decorate
