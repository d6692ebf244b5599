"""Reads of care: facilities and patients in the user's scope, the beds routing reads, capacity for the
dashboards, eligibility and release explained."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.models import User
from epiqr.accounts.selectors import commune_filter, jurisdiction_filter
from epiqr.core import keyring
from epiqr.core.errors import NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort
from epiqr.core.permissions import Role
from epiqr.core.text import fold
from epiqr.core.timeutil import local_today
from epiqr.vaccination.selectors import prior_doses

from . import documents, policies, release_code, routing, severity
from .models import (
    BedPool,
    Facility,
    Patient,
    PatientStatus,
    Report,
    Routing,
    RoutingStatus,
    Setting,
    Severity,
)

RELEASE_PURPOSE = "release"
ACTIVE = (PatientStatus.CONFIRMED, PatientStatus.AT_HOME, PatientStatus.ADMITTED, PatientStatus.TRANSFERRED)


def facility_list_visible_to(*, user: User) -> QuerySet[Facility]:
    """A coordinator's own facilities (those naming them), else the facilities of the user's area."""
    qs = Facility.objects.select_related("commune__province")
    if user.role == Role.FACILITY_COORDINATOR and user.care_facilities.exists():
        return qs.filter(coordinators=user)
    return jurisdiction_filter(qs, user=user, commune_path="commune")


def facility_get_visible(*, user: User, facility_id: int) -> Facility:
    facility = facility_list_visible_to(user=user).filter(pk=facility_id).first()
    if facility is None:
        raise NotFound(_("No such facility in your area."))
    return facility


def beds_of(*, facility: Facility) -> list[BedPool]:
    """The facility's beds of each kind, in the order normal, oxygen, ICU."""
    order = {"normal": 0, "oxygen": 1, "icu": 2}
    return sorted(facility.beds.all(), key=lambda b: order.get(b.kind, 9))


def patient_list_visible_to(*, user: User) -> QuerySet[Patient]:
    """Patients living in the user's area, at one of the user's facilities, or proposed to one."""
    qs = Patient.objects.select_related("person", "facility", "commune")
    facilities = facility_list_visible_to(user=user).values("pk")
    at_ours = Q(facility__in=facilities) | Q(
        routings__status__in=(RoutingStatus.PROPOSED, RoutingStatus.ACCEPTED),
        routings__facility__in=facilities,
    )
    if user.role == Role.FACILITY_COORDINATOR:
        return qs.filter(at_ours).distinct()
    mine = jurisdiction_filter(Patient.objects.all(), user=user, commune_path="commune").values("pk")
    return qs.filter(Q(pk__in=mine) | at_ours).distinct()


def _patient_search(qs: QuerySet[Patient], text: str) -> QuerySet[Patient]:
    """A phone number (4 digits or more, no letters) or the words of a name, accents optional."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) >= 4 and not any(c.isalpha() for c in text):
        return qs.filter(person__phone__contains=digits[-9:])
    for word in fold(text).split():
        qs = qs.filter(person__name_folded__contains=word)
    return qs


def _facility_choices(user):
    if user is None:
        return []
    return list(facility_list_visible_to(user=user).order_by("name").values_list("pk", "name")[:500])


PATIENTS = ListSpec(
    name="care_patients",
    filters=(
        Filter("q", gettext_lazy("Name or phone"), kind=FilterKind.TEXT, apply=_patient_search, prominent=True,
               placeholder=gettext_lazy("e.g. nguyen van an")),
        Filter("status", gettext_lazy("Status"), choices=PatientStatus.choices, lookup="status"),
        Filter("severity", gettext_lazy("Severity"), choices=Severity.choices, lookup="severity"),
        Filter("setting", gettext_lazy("Care setting"), choices=Setting.choices, lookup="setting"),
        Filter("facility", gettext_lazy("Facility"), choices=_facility_choices, lookup="facility_id", api_type=int,
               help="a facility id, one of yours or of your area"),
        commune_filter(lookup="commune_id"),
    ),
    sorts=(Sort("created", gettext_lazy("Since"), ("created_at", "id")),),
    default_sort="-created",
    page_size=50,
    model=Patient,
)  # fmt: skip


def patient_get_visible(*, user: User, patient_id: int) -> Patient:
    patient = patient_list_visible_to(user=user).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(_("No such patient in your area."))
    return patient


def patient_for_case(*, case_id: int) -> Patient | None:
    return Patient.objects.select_related("person").filter(case_id=case_id).first()


def routing_list_for_facilities(*, user: User, status: str = RoutingStatus.PROPOSED) -> QuerySet[Routing]:
    """Routings to the user's facilities in this status (the coordinator's work), oldest first."""
    return (
        Routing.objects.filter(status=status, facility__in=facility_list_visible_to(user=user).values("pk"))
        .select_related("patient__person", "facility")
        .order_by("proposed_at", "id")
    )


def routing_list_escalated(*, user: User) -> QuerySet[Routing]:
    """Routings no facility could take, for patients of the user's area (the province finds a bed)."""
    return (
        Routing.objects.filter(status=RoutingStatus.ESCALATED, patient__status=PatientStatus.CONFIRMED)
        .filter(patient__in=patient_list_visible_to(user=user).values("pk"))
        .select_related("patient__person")
        .order_by("proposed_at", "id")
    )


def routing_get_visible(*, user: User, routing_id: int) -> Routing:
    facilities = facility_list_visible_to(user=user).values("pk")
    mine = (
        Q(facility__in=facilities)
        | Q(proposed_facility__in=facilities)
        | Q(patient__in=patient_list_visible_to(user=user).values("pk"))
    )
    found = Routing.objects.filter(mine, pk=routing_id).select_related("patient__person", "facility").first()
    if found is None:
        raise NotFound(_("No such routing in your area."))
    return found


def facility_beds(*, facilities: QuerySet[Facility] | None = None) -> list[routing.FacilityBeds]:
    """Every active facility's beds as routing reads them: free = total - occupied - reserved - open
    proposals not holding a reserved bed (a proposal holds its bed until it is decided, so two proposals
    never count one bed; a surge's proposals are in `reserved` already)."""
    facilities = Facility.objects.filter(is_active=True) if facilities is None else facilities
    pools: dict[int, dict[str, tuple[int, int]]] = {}
    for fid, kind, total, used in BedPool.objects.filter(facility__in=facilities).values_list(
        "facility_id", "kind", "total", F("occupied") + F("reserved")
    ):
        pools.setdefault(fid, {})[kind] = (total, total - used)
    proposed = (
        Routing.objects.filter(status=RoutingStatus.PROPOSED, holds_bed=False, facility__in=facilities)
        .values_list("facility_id", "bed_kind")
        .annotate(n=Count("id"))
    )
    for fid, kind, n in proposed:
        if kind in pools.get(fid, {}):
            total, free = pools[fid][kind]
            pools[fid][kind] = (total, free - n)
    return [
        routing.FacilityBeds(
            id=f.pk,
            tier=f.tier,
            lat=f.latitude,
            lon=f.longitude,
            total={k: t for k, (t, _free) in pools.get(f.pk, {}).items()},
            free={k: free for k, (_t, free) in pools.get(f.pk, {}).items()},
        )
        for f in facilities.only("pk", "tier", "latitude", "longitude")
    ]


def capacity_by_province_tier(*, user: User | None = None) -> list[dict]:
    """Beds per province, tier and kind: total, occupied, reserved, free (the dashboards' panel).
    `user` narrows to their area; None for the whole country."""
    qs = BedPool.objects.filter(facility__is_active=True)
    if user is not None:
        qs = qs.filter(facility__in=facility_list_visible_to(user=user).values("pk"))
    rows = (
        qs.values(
            "facility__commune__province_id", "facility__commune__province__name", "facility__tier", "kind"
        )
        .annotate(total_=Sum("total"), occupied_=Sum("occupied"), reserved_=Sum("reserved"))
        .order_by("facility__commune__province__name", "facility__tier", "kind")
    )
    return [
        {
            "province_id": r["facility__commune__province_id"],
            "province": r["facility__commune__province__name"],
            "tier": r["facility__tier"],
            "kind": r["kind"],
            "total": r["total_"],
            "occupied": r["occupied_"],
            "reserved": r["reserved_"],
            "free": r["total_"] - r["occupied_"] - r["reserved_"],
        }
        for r in rows
    ]


def patient_counts_by_setting(*, user: User | None = None) -> dict[str, int]:
    """Active patients by status (confirmed, at home, admitted, being transferred)."""
    qs = Patient.objects.filter(status__in=ACTIVE)
    if user is not None:
        qs = qs.filter(pk__in=patient_list_visible_to(user=user).values("pk"))
    return dict(qs.values_list("status").annotate(n=Count("id")).order_by())


def age_months(person, on: date) -> int | None:
    if person.birth_date:
        b = person.birth_date
        return (on.year - b.year) * 12 + on.month - b.month - (1 if on.day < b.day else 0)
    if person.birth_year:
        return (on.year - person.birth_year) * 12
    return None


def patient_facts(*, patient: Patient, on: date | None = None) -> policies.PatientFacts:
    """What the home-care policy reads of a patient (vaccine doses through the vaccination domain)."""
    on = on or local_today()
    return policies.PatientFacts(
        level=patient.severity,
        spo2=patient.spo2,
        respiratory_rate=patient.respiratory_rate,
        age_months=age_months(patient.person, on),
        comorbidities=frozenset(patient.comorbidities or ()),
        pregnant=patient.pregnant,
        doses=len(prior_doses(person_id=patient.person_id)),
    )


@dataclass(frozen=True)
class Explained:
    eligible: bool
    policy: str
    source: str
    reasons: list[str]


def home_eligibility(*, patient: Patient, on: date | None = None) -> Explained:
    """The home-care verdict under the policy in force, in the reader's language."""
    on = on or local_today()
    verdict = policies.home_eligibility(policies.home_policy_for(on), patient_facts(patient=patient, on=on))
    return Explained(verdict.eligible, verdict.policy, verdict.source, [_reason(r) for r in verdict.reasons])


def _reason(reason) -> str:
    params = {k: (_(v) if isinstance(v, str) and k in ("risk",) else v) for k, v in reason.params}
    if "level" in params:
        params["level"] = str(dict(severity_labels()).get(params["level"], params["level"]))
    return _(reason.text) % params


def severity_labels():
    return Severity.choices


def assessment_reasons(*, patient: Patient) -> list[str]:
    """Why the patient has their severity (the classification's decisive reasons, translated)."""
    a = severity.classify(vitals_of(patient))
    return [r.format(_) for r in a.reasons]


def vitals_of(patient: Patient) -> severity.Vitals:
    return severity.Vitals(
        respiratory_rate=patient.respiratory_rate, spo2=patient.spo2, signs=frozenset(patient.signs or ())
    )


@dataclass(frozen=True)
class ReleaseInfo:
    policy: str
    source: str
    earliest: date
    day: date | None


def release_info(*, patient: Patient) -> ReleaseInfo:
    """When the patient may leave isolation under the policy in force on their confirmation day."""
    confirmed = patient.case.confirmed_on
    policy = policies.release_policy_for(confirmed)
    return ReleaseInfo(
        policy.name,
        policy.source,
        policies.release_earliest(policy, confirmed),
        policies.release_day(policy, confirmed, patient.negative_test_on),
    )


def report_list(*, patient: Patient, limit: int = 14) -> list[Report]:
    return list(patient.reports.select_related("patient").order_by("-day", "-slot")[:limit])


def patient_by_release_code(*, code) -> Patient | None:
    return Patient.objects.select_related("person", "case").filter(release_code=code).first()


def warning_list(*, user: User) -> QuerySet[Report]:
    """Self-reports with a warning, of F0s still at home in the user's scope, newest first."""
    return (
        Report.objects.filter(
            warning=True, patient__status__in=(PatientStatus.AT_HOME, PatientStatus.CONFIRMED)
        )
        .filter(patient__in=patient_list_visible_to(user=user).values("pk"))
        .select_related("patient__person")
        .order_by("-day", "-slot", "-id")
    )


# --- the release paper and its verifier ---------------------------------------------------------------


def release_of(*, patient: Patient) -> release_code.Release | None:
    """What the release paper of a released patient carries (None before release)."""
    if patient.released_on is None or patient.release_code is None:
        return None
    return release_code.Release(
        id=patient.release_code.hex,
        name=patient.person.full_name,
        birth_year=patient.person.birth_year
        or (patient.person.birth_date.year if patient.person.birth_date else None),
        confirmed_on=patient.case.confirmed_on,
        released_on=patient.released_on,
        policy=policies.release_policy_for(patient.case.confirmed_on).name,
    )


def release_paper_pdf(*, patient: Patient) -> bytes | None:
    """The signed bilingual release paper (care.documents), None before release."""
    release = release_of(patient=patient)
    if release is None:
        return None
    s = keyring.signer(RELEASE_PURPOSE)
    text = release_code.encode(release, kid=s.kid, private_key=s.private_key)
    url = f"{settings.PUBLIC_BASE_URL}{reverse('care:verify')}?{urlencode({'c': text})}"
    last = (
        patient.history.filter(facility__isnull=False)
        .select_related("facility")
        .order_by("-at", "-id")
        .first()
    )
    facility = last.facility.name if last is not None and last.facility is not None else _("at home")
    commune = str(patient.commune) if patient.commune_id else "—"
    return documents.release_pdf(release=release, url=url, facility=facility, commune=commune)


def release_verify(*, text: str) -> release_code.Verdict:
    """A release code checked against the published keys and the revocation list."""
    keys = {k.kid: k.public_key for k in keyring.published_keys(RELEASE_PURPOSE)}
    return release_code.verify(
        text[:4000], keys=keys, revoked=lambda i: keyring.is_revoked(RELEASE_PURPOSE, i)
    )


def patients_of_citizen(*, person_ids: list[int]) -> list[Patient]:
    """The care records of the people a phone's holder proved, newest first."""
    return list(
        Patient.objects.filter(person_id__in=person_ids)
        .select_related("person", "case", "facility")
        .order_by("-case__confirmed_on", "-pk")
    )
