"""Matching a deployment target (a unit a registry or an agency says must put up a QR code) to the
registered venues of its commune. No Django import.

Contract: `match(target, candidates)` compares the target with each venue of the same commune and gives
- MATCHED with the venue when one venue is clearly the same unit: the same phone number and a similar
  name, or a name and address similar enough (score >= SURE) with no other venue close behind;
- REVIEW with the best venue when the best score is plausible (>= MAYBE) but not sure, or two venues
  are both sure: an officer decides in the review queue;
- UNMATCHED otherwise (the unit has not registered: it is on the list to call).
Names and addresses are compared folded (no diacritics, lower case) with common words of unit kinds and
address prefixes removed, so "Nhà thuốc Minh Châu" matches "NHA THUOC MINH CHAU" and "Số 5 phố Huế"
matches "5 Hue".
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from epiqr.core.text import fold

MATCHED, REVIEW, UNMATCHED = "matched", "review", "unmatched"
SURE = 0.9
MAYBE = 0.55
NAME_WEIGHT = 0.7  # the rest is the address

_NOISE = re.compile(
    r"\b(cong ty|cty|tnhh|co phan|cp|ho kinh doanh|hkd|cua hang|so|duong|pho|ngo|ngach|hem|kiet|to|thon|"
    r"phuong|xa|p|q|tp|thanh pho)\b\.?"
)
_PUNCT = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def simplify(text: str) -> str:
    """Folded text without punctuation and the words every unit or address has."""
    t = _PUNCT.sub(" ", fold(text))
    return _SPACES.sub(" ", _NOISE.sub(" ", t)).strip()


def similarity(a: str, b: str) -> float:
    """0..1 likeness of two simplified texts (1 for equal; 0 when either is empty)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return SequenceMatcher(None, a, b).ratio()


@dataclass(frozen=True)
class Unit:
    """What matching compares: a target or a venue."""

    id: int
    name: str
    address: str = ""
    phone: str = ""  # already normalised by the caller


@dataclass(frozen=True)
class Match:
    outcome: str
    venue_id: int | None
    score: float


def score(target: Unit, venue: Unit) -> float:
    name = similarity(simplify(target.name), simplify(venue.name))
    a, b = simplify(target.address), simplify(venue.address)
    if not a or not b:
        return name  # nothing to compare the address with: the name alone
    return NAME_WEIGHT * name + (1 - NAME_WEIGHT) * similarity(a, b)


def match(target: Unit, candidates: list[Unit]) -> Match:
    if not candidates:
        return Match(UNMATCHED, None, 0.0)
    if target.phone:
        same_phone = [
            v
            for v in candidates
            if v.phone == target.phone and similarity(simplify(target.name), simplify(v.name)) >= MAYBE
        ]
        if len(same_phone) == 1:
            return Match(MATCHED, same_phone[0].id, 1.0)
    ranked = sorted(((score(target, v), v.id) for v in candidates), key=lambda p: (-p[0], p[1]))
    best, best_id = ranked[0]
    second = ranked[1][0] if len(ranked) > 1 else 0.0
    if best >= SURE and second < SURE:
        return Match(MATCHED, best_id, round(best, 3))
    if best >= MAYBE:
        return Match(REVIEW, best_id, round(best, 3))
    return Match(UNMATCHED, None, round(best, 3))
