"""Clinical classification of an F0 by severity, after Bộ Y tế QĐ 4689/QĐ-BYT (6/10/2021), "Hướng dẫn
chẩn đoán và điều trị COVID-19", section on clinical classification (adults). No Django import.

Contract: `classify(vitals)` never raises and returns an `Assessment` whose `level` is the most severe
level any criterion reaches, with at least one reason; a measurement that is missing is not guessed
(it is named as not measured, and the level comes from what was measured). Levels, mildest first:
asymptomatic, mild, moderate, severe, critical. The criteria as encoded:
- critical: respiratory rate > 30 or < 10 per minute, or a sign of respiratory failure, altered
  consciousness, cyanosis or shock;
- severe: respiratory rate > 25, SpO2 < 94% on room air, breathless at rest, use of accessory muscles;
- moderate: respiratory rate 20-25, SpO2 94-96%, breathless on exertion;
- mild: symptoms (fever, cough, sore throat, loss of smell or taste, tiredness) with none of the above;
- asymptomatic: no symptom and none of the above.

`need(level)` is the care the level asks for in the three-tier tower of QĐ 4111/QĐ-BYT (26/8/2021):
tier 1 for asymptomatic and mild F0s (normal bed), tier 2 for moderate ones (oxygen bed), tier 3 for
severe (oxygen) and critical (ICU) ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _(text: str) -> str:
    """Marks a message for the catalogue; it is translated where it is shown (gettext on the text)."""
    return text


SOURCE = "Bộ Y tế, QĐ 4689/QĐ-BYT (6/10/2021), Hướng dẫn chẩn đoán và điều trị COVID-19, phân loại mức độ"
TIERS_SOURCE = "Bộ Y tế, QĐ 4111/QĐ-BYT (26/8/2021), mô hình tháp 3 tầng điều trị người bệnh COVID-19"

ASYMPTOMATIC, MILD, MODERATE, SEVERE, CRITICAL = "asymptomatic", "mild", "moderate", "severe", "critical"
LEVELS = (ASYMPTOMATIC, MILD, MODERATE, SEVERE, CRITICAL)
RANK = {level: i for i, level in enumerate(LEVELS)}

# Signs a patient or a nurse reports, and the level each one alone reaches.
SIGNS: dict[str, tuple[str, str]] = {
    "fever": (MILD, _("fever")),
    "cough": (MILD, _("cough")),
    "sore_throat": (MILD, _("sore throat")),
    "smell_taste": (MILD, _("loss of smell or taste")),
    "tired": (MILD, _("tiredness")),
    "breathless_exertion": (MODERATE, _("breathless on exertion")),
    "chest_pain": (SEVERE, _("chest pain or tightness")),
    "breathless_rest": (SEVERE, _("breathless at rest")),
    "accessory_muscles": (SEVERE, _("using accessory muscles to breathe")),
    "confusion": (CRITICAL, _("confusion or drowsiness")),
    "cyanosis": (CRITICAL, _("blue lips or face")),
    "shock": (CRITICAL, _("signs of shock (cold hands, weak pulse)")),
}
# The signs that call for a doctor at once when an F0 at home reports them (QĐ 261/QĐ-BYT, "dấu hiệu
# cần liên hệ ngay với nhân viên y tế"): everything from moderate up.
WARNING_SIGNS = frozenset(code for code, (level, _label) in SIGNS.items() if RANK[level] >= RANK[MODERATE])


@dataclass(frozen=True)
class Vitals:
    respiratory_rate: int | None = None  # breaths per minute
    spo2: int | None = None  # %, on room air
    signs: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Reason:
    level: str
    text: str  # an English message id, %-formatted with params once translated
    params: tuple[tuple[str, object], ...] = ()

    def format(self, translate=lambda s: s) -> str:
        return translate(self.text) % dict(self.params)


@dataclass(frozen=True)
class Assessment:
    level: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Need:
    tier: int
    bed_kind: str  # "normal", "oxygen", "icu"


def _rr_level(rr: int) -> str:
    if rr > 30 or rr < 10:
        return CRITICAL
    if rr > 25:
        return SEVERE
    if rr >= 20:
        return MODERATE
    return ASYMPTOMATIC


def _spo2_level(spo2: int) -> str:
    if spo2 < 94:
        return SEVERE
    if spo2 <= 96:
        return MODERATE
    return ASYMPTOMATIC


def classify(vitals: Vitals) -> Assessment:
    """The level of the most severe criterion met, with the reasons that reached it (see module doc)."""
    reasons: list[Reason] = []
    if vitals.respiratory_rate is not None:
        level = _rr_level(vitals.respiratory_rate)
        reasons.append(
            Reason(level, _("respiratory rate %(rr)s per minute"), (("rr", vitals.respiratory_rate),))
        )
    else:
        reasons.append(Reason(ASYMPTOMATIC, _("respiratory rate not measured")))
    if vitals.spo2 is not None:
        reasons.append(Reason(_spo2_level(vitals.spo2), _("SpO2 %(spo2)s%%"), (("spo2", vitals.spo2),)))
    else:
        reasons.append(Reason(ASYMPTOMATIC, _("SpO2 not measured")))
    for code in sorted(vitals.signs):
        if code in SIGNS:
            level, label = SIGNS[code]
            reasons.append(Reason(level, label))
    top = max(RANK[r.level] for r in reasons)
    level = LEVELS[top]
    decisive = tuple(r for r in reasons if RANK[r.level] == top)
    if level == ASYMPTOMATIC:
        decisive = tuple(r for r in reasons if r.params) or (Reason(ASYMPTOMATIC, _("no symptom reported")),)
    return Assessment(level, decisive)


def need(level: str) -> Need:
    """The tier and bed kind a level asks for (QĐ 4111's tower; see the module doc)."""
    if level == CRITICAL:
        return Need(3, "icu")
    if level == SEVERE:
        return Need(3, "oxygen")
    if level == MODERATE:
        return Need(2, "oxygen")
    return Need(1, "normal")


def is_warning(vitals: Vitals, *, spo2_alert: int = 96) -> bool:
    """A self-report that must reach a doctor at once: a warning sign, SpO2 below `spo2_alert` (QĐ 261:
    SpO2 ≤ 95%), or a respiratory rate of 21 or more."""
    return bool(
        vitals.signs & WARNING_SIGNS
        or (vitals.spo2 is not None and vitals.spo2 < spo2_alert)
        or (vitals.respiratory_rate is not None and vitals.respiratory_rate > 20)
    )
