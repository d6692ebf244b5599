"""A venue's COVID-safety self-assessment for the safe-venue map (AntoanCovid). No Django import.

Contract: `grade(answers, checklist)` is a pure function of the owner's answers (one boolean per item of the
checklist, every item answered) giving the venue's status and the items not met; `checklist_for(day)`
chooses the checklist in force on a day. Checklists are versioned data: a new criteria set is a new
`Checklist` appended to `CHECKLISTS`, never an edit of one in use (assessments keep the id they were made
with).

The checklist in force, as encoded here: its subject is that of Quyết định 2225/QĐ-BCĐQG of 28/5/2020 (the
National Steering Committee's guidance on preventing COVID-19 and assessing the risk of transmission in
shopping malls, supermarkets, markets and restaurants). Its items and its grading are THIS DEPLOYMENT's,
not that decision's scoring table (which could not be confirmed here): `set_by="deployment"`, and the
pages say so.
- high risk: an essential item not met (QR code posted for check-in, masks, hand-washing);
- safe: every essential item met and at most `tolerated` of the others not met;
- at risk: otherwise.
A status is valid `valid_days` days from the day of the assessment (the day included); after that the
venue shows as not assessed until its owner assesses it again.
"""

from dataclasses import dataclass
from datetime import date, timedelta

SAFE = "safe"
AT_RISK = "at_risk"
HIGH_RISK = "high_risk"
STATUSES = (SAFE, AT_RISK, HIGH_RISK)


@dataclass(frozen=True)
class Item:
    key: str
    essential: bool


@dataclass(frozen=True)
class Checklist:
    id: str
    source: str
    effective_from: date
    items: tuple[Item, ...]
    tolerated: int  # non-essential items that may be unmet for "safe"
    valid_days: int
    set_by: str  # "deployment": items and grading chosen by this deployment


SELF_CHECK_2020 = Checklist(
    id="self-check-2020",
    source="Subject of QĐ 2225/QĐ-BCĐQG, 28/5/2020 (risk assessment in malls, supermarkets, markets, "
    "restaurants); items and grading set by this deployment",
    effective_from=date(2020, 5, 28),
    items=(
        Item("qr_posted", True),
        Item("masks", True),
        Item("hand_washing", True),
        Item("distancing", False),
        Item("ventilation", False),
        Item("cleaning", False),
        Item("staff_protected", False),
    ),
    tolerated=1,
    valid_days=14,
    set_by="deployment",
)

CHECKLISTS: tuple[Checklist, ...] = (SELF_CHECK_2020,)


def checklist_for(day: date, checklists: tuple[Checklist, ...] = CHECKLISTS) -> Checklist:
    """The checklist in force on `day`: the latest whose effective date is on or before it (the first one
    before every checklist)."""
    chosen = checklists[0]
    for checklist in sorted(checklists, key=lambda c: c.effective_from):
        if checklist.effective_from <= day:
            chosen = checklist
    return chosen


def checklist_by_id(checklist_id: str) -> Checklist | None:
    return next((c for c in CHECKLISTS if c.id == checklist_id), None)


@dataclass(frozen=True)
class Grade:
    status: str
    unmet: tuple[str, ...]  # item keys not met, in the checklist's order
    valid_until: date


class Unanswered(ValueError):
    """An item of the checklist without a yes or no, or an answer to no item of it."""

    def __init__(self, key: str, missing: bool):
        super().__init__(key)
        self.key = key
        self.missing = missing


def grade(answers: dict[str, bool], checklist: Checklist, *, on: date) -> Grade:
    """The status the answers give (see the module docstring). Raises Unanswered for an item left out or a
    key that is no item; answers must be booleans."""
    keys = [i.key for i in checklist.items]
    for key in answers:
        if key not in keys:
            raise Unanswered(key, missing=False)
    for key in keys:
        if not isinstance(answers.get(key), bool):
            raise Unanswered(key, missing=True)
    unmet = tuple(i.key for i in checklist.items if not answers[i.key])
    essential_unmet = [i for i in checklist.items if i.essential and i.key in unmet]
    if essential_unmet:
        status = HIGH_RISK
    elif len(unmet) <= checklist.tolerated:
        status = SAFE
    else:
        status = AT_RISK
    return Grade(status, unmet, on + timedelta(days=checklist.valid_days - 1))
