"""The population registry behind an adapter: who holds this ID number, and are they to be stopped?

A checkpoint looks up the ID number read from a card (or the person of an EpiQR personal QR) for the
name, date of birth and residence, and, where the registry knows it, a status that shows red at the
checkpoint with its reason: an active case (F0 under isolation) or an F1 contact in quarantine.

The interface, for an adapter to a national registry (the national population database, VNeID):

    class PopulationRegistry(Protocol):
        name: str                                    # shown to the officer ("EpiQR", "CSDLQG về dân cư")
        def lookup(self, id_number: str, *, at: datetime) -> RegistryRecord | None: ...
        def lookup_person(self, person_public_id: str, *, at: datetime) -> RegistryRecord | None: ...

- `id_number`: a 12-digit CCCD, a 9-digit CMND or a passport number, upper case, no spaces.
- `lookup_person`: the person of an EpiQR personal QR (an adapter without EpiQR's people returns None).
- None: nobody holds that number (the checkpoint says "not in the registry", which is not red).
- Must answer within a second or raise RegistryUnavailable (the checkpoint then says the registry cannot
  be reached and decides on the permit alone); never raise anything else.
- `statuses` lists only what must show red; an adapter that cannot know the health status leaves it
  empty and sets `knows_status=False`, and the checkpoint says so instead of showing green.

Adapters: `own` (the default: EpiQR's person registry, the cases' active cases read through their
selector, and the quarantine domain's quarantines as this domain's read model `QuarantineFlag`, kept by
flows.py from `quarantine_started` / `quarantine_ended`: red for the days the policy set, no fixed count), `fake` (tests: records given in code). Choose with the
setting EPIQR_POPULATION_REGISTRY ("own", "fake", or the dotted path of a class taking no arguments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from django.db.models import Q
from django.utils.translation import gettext as _

from epiqr.cases.selectors import person_active_case
from epiqr.core.timeutil import local
from epiqr.people.selectors import people_by_id, person_by_id_number, person_ids_by_public_id

from .models import QuarantineFlag


class RegistryUnavailable(Exception):
    """The registry could not answer in time."""


@dataclass(frozen=True)
class RegistryStatus:
    code: str  # "active_case" or "f1_quarantine"
    label: str  # for the officer
    since: date | None = None


@dataclass(frozen=True)
class RegistryRecord:
    id_number: str
    full_name: str
    birth_date: date | None = None
    birth_year: int | None = None
    residence: str = ""
    commune_code: int | None = None
    statuses: tuple[RegistryStatus, ...] = ()
    knows_status: bool = True
    person_id: int | None = field(default=None, compare=False)  # EpiQR's own registry only

    @property
    def red(self) -> bool:
        return bool(self.statuses)


class PopulationRegistry(Protocol):
    name: str

    def lookup(self, id_number: str, *, at: datetime) -> RegistryRecord | None: ...

    def lookup_person(self, person_public_id: str, *, at: datetime) -> RegistryRecord | None: ...


def status_labels() -> dict[str, str]:
    return {
        "active_case": _("Active case (F0) under isolation"),
        "f1_quarantine": _("F1 contact in quarantine"),
    }


def quarantine_since(*, person_id: int, at: datetime) -> date | None:
    """The first day of the person's quarantine in force on `at`'s day (Vietnam time), or None: a flag
    whose days (start to end, the policy's) cover the day and that did not end on or before it."""
    day = local(at).date()
    return (
        QuarantineFlag.objects.filter(person_id=person_id, start__lte=day, end__gte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .order_by("-start")
        .values_list("start", flat=True)
        .first()
    )


class OwnRegistry:
    """EpiQR's own person registry, with the cases' facts (their selector) and the quarantines (the
    read model kept from the quarantine domain's events)."""

    name = "EpiQR"

    def _record(self, person, id_number: str, at: datetime) -> RegistryRecord:
        labels = status_labels()
        statuses = []
        case = person_active_case(person_id=person.pk)
        if case is not None:
            statuses.append(RegistryStatus("active_case", labels["active_case"], case.confirmed_on))
        quarantined = quarantine_since(person_id=person.pk, at=at)
        if quarantined is not None:
            statuses.append(RegistryStatus("f1_quarantine", labels["f1_quarantine"], quarantined))
        commune = person.commune
        residence = ", ".join(x for x in (person.address, str(commune) if commune else "") if x)
        return RegistryRecord(
            id_number=id_number,
            full_name=person.full_name,
            birth_date=person.birth_date,
            birth_year=person.birth_year,
            residence=residence,
            commune_code=person.commune_id,
            statuses=tuple(statuses),
            person_id=person.pk,
        )

    def lookup(self, id_number: str, *, at: datetime) -> RegistryRecord | None:
        person = person_by_id_number(number=id_number)
        return None if person is None else self._record(person, id_number, at)

    def lookup_person(self, person_public_id: str, *, at: datetime) -> RegistryRecord | None:
        import uuid

        try:
            key = uuid.UUID(str(person_public_id))
        except ValueError:
            return None
        found = person_ids_by_public_id(public_ids={key})
        people = people_by_id(person_ids=list(found.values()))
        if not people:
            return None
        person = people[0]
        number = next(
            (d.number for d in person.documents.all() if d.kind in ("cccd", "cmnd", "passport")), ""
        )
        return self._record(person, number, at)


class FakeRegistry:
    """Records given in code (tests, demos of an outside registry). `unavailable` makes it time out."""

    name = "fake"
    records: dict[str, RegistryRecord] = {}
    unavailable = False

    def lookup(self, id_number: str, *, at: datetime) -> RegistryRecord | None:
        if self.unavailable:
            raise RegistryUnavailable("fake registry set unavailable")
        return self.records.get(id_number)

    def lookup_person(self, person_public_id: str, *, at: datetime) -> RegistryRecord | None:
        return None


def registry() -> PopulationRegistry:
    """The configured adapter (EPIQR_POPULATION_REGISTRY)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    choice = getattr(settings, "EPIQR_POPULATION_REGISTRY", "own") or "own"
    if choice == "own":
        return OwnRegistry()
    if choice == "fake":
        return FakeRegistry()
    return import_string(choice)()
