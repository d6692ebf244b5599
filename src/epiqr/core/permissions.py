"""Roles and the registry of named capabilities.

Each domain declares its capabilities in its own `permissions.py` with `capability(...)`, naming the
roles that hold it. Views and API handlers check a capability by name; lists are then narrowed to the
user's scope by the domain's selectors (see `accounts.selectors`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
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
    ORGANISATION = "organisation"
    ADMIN = "admin"

    CHOICES = [
        (CITIZEN, _("Citizen")),
        (VENUE_OWNER, _("Venue owner")),
        (VENUE_STAFF, _("Venue staff")),
        (COMMUNE_OFFICER, _("Commune health officer")),
        (PROVINCE_OFFICER, _("Province health officer")),
        (SAMPLER, _("Sampling technician")),
        (LAB_TECH, _("Lab technician")),
        (VACCINATOR, _("Vaccinator")),
        (FACILITY_COORDINATOR, _("Facility coordinator")),
        (CHECKPOINT_OFFICER, _("Checkpoint officer")),
        (HOTLINE_OPERATOR, _("Hotline operator (1022)")),
        (ORGANISATION, _("Organisation applying for movement permits")),
        (ADMIN, _("Administrator")),
    ]
    OFFICERS = (COMMUNE_OFFICER, PROVINCE_OFFICER)


@dataclass(frozen=True)
class Capability:
    name: str
    description: str | Promise  # translatable: gettext_lazy("...")
    roles: frozenset[str]
    # Reads lists of people or their results: every role holding it must log in with a second factor.
    personal_data: bool = False


REGISTRY: dict[str, Capability] = {}


def capability(
    name: str, description: str | Promise, roles: tuple[str, ...] | list[str], *, personal_data: bool = False
) -> str:
    """Declare a capability; administrators hold every capability.

    `personal_data=True` marks a capability that reads people's records, contact lists or results:
    the roles holding it need a second factor at login (`roles_needing_second_factor`).
    """
    REGISTRY[name] = Capability(name, description, frozenset(roles) | {Role.ADMIN}, personal_data)
    return name


def roles_needing_second_factor() -> frozenset[str]:
    """Roles that hold at least one personal-data capability (administrators always do)."""
    return frozenset({Role.ADMIN}).union(*(c.roles for c in REGISTRY.values() if c.personal_data))


def needs_second_factor(user) -> bool:
    """A logged-in account that must prove a second factor: its role reads personal data, or it can
    open the Django admin (which shows every table)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.is_staff or user.role in roles_needing_second_factor())


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
