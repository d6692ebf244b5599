"""COVID-19 vaccine products and their schedules, as versioned data chosen by date (no Django import).

Products carry the EU DCC value-set codes a certificate needs:
- `vp` (vaccine or prophylaxis, SNOMED CT), `mp` (medicinal product), `ma` (marketing authorisation
  holder or manufacturer): from the eHealth Network value sets, repository
  ehn-dcc-development/ehn-dcc-valuesets (vaccine-prophylaxis.json 2023-01-25,
  vaccine-medicinal-product.json, vaccine-mah-manf.json 2022-01-26, and the per-product choices of
  vaccine-encoding-instructions.json 2023-05-05).
- `tg` (disease targeted) is always 840539006 (COVID-19, disease-agent-targeted.json).

Schedules changed over the epidemic; each `SchedulePolicy` names the Ministry of Health document it
follows and the day it took effect, and `policy_for(day)` picks the one in force. The intervals are the
documents' minimum and recommended intervals between doses; a dose before the minimum needs an explicit
override with a reason at the station.

Contract: `next_dose(policy, product, previous, on)` says which dose is next (number, primary or
booster), the earliest and the recommended day for it, and whether `on` is too early. It never raises on
any history: an empty history is dose 1, due now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

TG_COVID19 = "840539006"
VP_MRNA = "1119349007"  # SARS-CoV-2 mRNA vaccine
VP_VECTOR = "29061000087103"  # COVID-19 non-replicating viral vector vaccine
VP_INACTIVATED = "1157024006"  # Inactivated whole SARS-CoV-2 antigen vaccine
VP_PROTEIN = "1162643001"  # SARS-CoV-2 recombinant spike protein antigen vaccine
VP_COVID19 = "28531000087107"  # COVID-19 vaccine (no finer type)


@dataclass(frozen=True)
class Product:
    code: str  # EpiQR's short code, used in rows and the API
    name: str  # trade name as written on the vial box
    vp: str
    mp: str
    ma: str
    manufacturer: str
    primary_doses: int


PRODUCTS: dict[str, Product] = {
    p.code: p
    for p in [
        Product(
            "AZ", "AstraZeneca (Vaxzevria)", VP_VECTOR, "EU/1/21/1529", "ORG-100001699", "AstraZeneca AB", 2
        ),
        Product(
            "PFIZER",
            "Pfizer-BioNTech (Comirnaty)",
            VP_MRNA,
            "EU/1/20/1528",
            "ORG-100030215",
            "Biontech Manufacturing GmbH",
            2,
        ),
        Product(
            "MODERNA",
            "Moderna (Spikevax)",
            VP_MRNA,
            "EU/1/20/1507",
            "ORG-100031184",
            "Moderna Biotech Spain S.L.",
            2,
        ),
        Product(
            "VEROCELL",
            "Sinopharm Vero Cell (BBIBP-CorV)",
            VP_INACTIVATED,
            "BBIBP-CorV",
            "ORG-100020693",
            "China Sinopharm International Corp.",
            2,
        ),
        Product(
            "SPUTNIKV",
            "Sputnik V (Gam-COVID-Vac)",
            VP_VECTOR,
            "Sputnik-V",
            "Gamaleya-Research-Institute",
            "Gamaleya Research Institute",
            2,
        ),
        Product(
            "ABDALA",
            "Abdala (CIGB-66)",
            VP_COVID19,
            "Abdala",
            "CIGB",
            "Center for Genetic Engineering and Biotechnology",
            3,
        ),
        Product(
            "HAYATVAX",
            "Hayat-Vax",
            VP_INACTIVATED,
            "Hayat-Vax",
            "ORG-100023050",
            "Gulf Pharmaceutical Industries",
            2,
        ),
        Product(
            "JANSSEN",
            "Janssen (Jcovden)",
            VP_VECTOR,
            "EU/1/20/1525",
            "ORG-100001417",
            "Janssen-Cilag International",
            1,
        ),
    ]
}


@dataclass(frozen=True)
class Interval:
    minimum_days: int
    recommended_days: int


@dataclass(frozen=True)
class SchedulePolicy:
    name: str
    effective: date
    source: str
    # product code -> intervals between primary doses (dose 2 after 1, dose 3 after 2, ...)
    primary: dict[str, tuple[Interval, ...]]
    booster_after_primary: Interval | None  # first booster, counted from the last primary dose
    booster_after_booster: Interval | None  # each further booster, from the previous one


_PRIMARY_2021 = {
    "AZ": (Interval(56, 84),),  # 8 to 12 weeks
    "PFIZER": (Interval(21, 21),),
    "MODERNA": (Interval(28, 28),),
    "VEROCELL": (Interval(21, 28),),
    "SPUTNIKV": (Interval(21, 21),),
    "ABDALA": (Interval(14, 14), Interval(14, 14)),  # days 0, 14, 28
    "HAYATVAX": (Interval(21, 21),),
    "JANSSEN": (),
}

POLICIES: tuple[SchedulePolicy, ...] = (
    SchedulePolicy(
        name="vn-2021-08-primary",
        effective=date(2021, 8, 10),
        source="Bộ Y tế, QĐ 3802/QĐ-BYT (10/8/2021): hướng dẫn tạm thời sử dụng vắc xin phòng COVID-19",
        primary=_PRIMARY_2021,
        booster_after_primary=None,
        booster_after_booster=None,
    ),
    SchedulePolicy(
        name="vn-2021-11-booster",
        effective=date(2021, 11, 30),
        source="Bộ Y tế, công văn 10225/BYT-DP (30/11/2021): mũi bổ sung và mũi nhắc lại, ít nhất 3 tháng sau mũi cuối",
        primary=_PRIMARY_2021,
        booster_after_primary=Interval(90, 90),
        booster_after_booster=None,
    ),
    SchedulePolicy(
        name="vn-2022-05-second-booster",
        effective=date(2022, 5, 25),
        source="Bộ Y tế, công văn 2690/BYT-DP (25/5/2022): mũi nhắc lại lần 2, ít nhất 4 tháng sau mũi nhắc lại lần 1",
        primary=_PRIMARY_2021,
        booster_after_primary=Interval(90, 90),
        booster_after_booster=Interval(120, 120),
    ),
)


def policy_for(day: date) -> SchedulePolicy:
    """The schedule in force on `day` (the first one before it was written applies to earlier days)."""
    chosen = POLICIES[0]
    for p in POLICIES:
        if p.effective <= day:
            chosen = p
    return chosen


def policy_named(name: str) -> SchedulePolicy:
    for p in POLICIES:
        if p.name == name:
            return p
    raise KeyError(name)


@dataclass(frozen=True)
class PriorDose:
    day: date
    product: str


@dataclass(frozen=True)
class DoseAdvice:
    number: int  # the dose number this would be (1 = first)
    booster: bool
    earliest: date | None  # None: no further dose is in the schedule yet
    recommended: date | None
    too_early: bool
    series_doses: int  # DCC `sd`: doses in the series this dose belongs to
    primary_product: str | None


@dataclass(frozen=True)
class Step:
    """What the dose after `count` earlier ones is, under a policy: its number, whether it is a booster,
    the gap it needs after the last dose (None: no further dose in this schedule) and the DCC `sd`."""

    number: int
    booster: bool
    gap: Interval | None
    series_doses: int


def primary_doses_of(product: str | None) -> int:
    """The primary series of a product (2 for a product this table does not know)."""
    return PRODUCTS[product].primary_doses if product in PRODUCTS else 2


def step_after(policy: SchedulePolicy, first: str, count: int) -> Step:
    """The dose after `count` >= 1 earlier doses whose first was of `first` (the product that sets the
    primary series): primary doses keep the first product's intervals (28 days for a product without
    any), the first booster follows the last primary dose, each further booster the previous one."""
    number = count + 1
    primary = primary_doses_of(first)
    if number <= primary:
        intervals = policy.primary.get(first, ())
        gap: Interval | None = intervals[number - 2] if number - 2 < len(intervals) else Interval(28, 28)
        return Step(number, False, gap, primary)
    if number == primary + 1:
        return Step(number, True, policy.booster_after_primary, number)
    return Step(number, True, policy.booster_after_booster, number)


def next_dose(policy: SchedulePolicy, product: str, previous: list[PriorDose], on: date) -> DoseAdvice:
    """Which dose `product` given on `on` would be after `previous`, and whether it is too early."""
    history = sorted(previous, key=lambda d: d.day)
    if not history:
        primary_doses = PRODUCTS[product].primary_doses if product in PRODUCTS else 1
        return DoseAdvice(1, False, on, on, False, primary_doses, product)
    first = history[0].product
    step = step_after(policy, first, len(history))
    if step.gap is None:
        return DoseAdvice(step.number, step.booster, None, None, True, step.series_doses, first)
    last = history[-1].day
    earliest = last + timedelta(days=step.gap.minimum_days)
    recommended = last + timedelta(days=step.gap.recommended_days)
    return DoseAdvice(
        step.number, step.booster, earliest, recommended, on < earliest, step.series_doses, first
    )


def primary_complete(previous: list[PriorDose]) -> bool:
    if not previous:
        return False
    first = min(previous, key=lambda d: d.day).product
    return len(previous) >= (PRODUCTS[first].primary_doses if first in PRODUCTS else 2)
