"""Open data: what the public may download, and the small-count rule. No Django import.

Contract: `suppress(n)` returns the count as published: None ("fewer than SUPPRESS_BELOW", shown "<5") for
1 to SUPPRESS_BELOW - 1, the count itself otherwise (0 stays 0: nobody is singled out by an empty cell).
Every count of a published row goes through it; a published file holds no totals over communes or days, so
no suppressed cell can be recovered by subtracting the others (docs/security.md, "Open data").
"""

from dataclasses import dataclass
from datetime import date

# A count of 1 to 4 people in one commune on one day can point at someone the neighbours know (who was
# taken away by ambulance, whose house was sampled): the small-cell rule of public-health statistics
# offices (fewer than 5 is not published) is applied to every count of the open data.
SUPPRESS_BELOW = 5
SUPPRESSED_TEXT = "<5"
MAX_DAYS = 92  # one download covers at most a quarter
DEFAULT_DAYS = 28

COUNT_FIELDS = ("confirmed", "onset", "samples", "resulted", "positives")


def suppress(n: int) -> int | None:
    if n < 0:
        raise ValueError("a count is never negative")
    return None if 0 < n < SUPPRESS_BELOW else n


@dataclass(frozen=True)
class OpenRow:
    """One commune on one day as published: counts already suppressed (None), the level of that day."""

    day: date
    province_code: int
    province: str
    commune_code: int
    commune: str
    confirmed: int | None
    onset: int | None
    samples: int | None
    resulted: int | None
    positives: int | None
    level: int | None

    def as_json(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "province_code": self.province_code,
            "province": self.province,
            "commune_code": self.commune_code,
            "commune": self.commune,
            **{f: getattr(self, f) for f in COUNT_FIELDS},
            "level": self.level,
        }

    def as_cells(self) -> list:
        return [
            self.day.isoformat(),
            self.province_code,
            self.province,
            self.commune_code,
            self.commune,
            *[SUPPRESSED_TEXT if getattr(self, f) is None else getattr(self, f) for f in COUNT_FIELDS],
            "" if self.level is None else self.level,
        ]


HEADER = (
    "day",
    "province_code",
    "province",
    "commune_code",
    "commune",
    "cases_by_confirmation",
    "cases_by_onset",
    "people_sampled",
    "people_with_result",
    "positives",
    "epidemic_level",
)


def open_row(
    *,
    day: date,
    province_code: int,
    province: str,
    commune_code: int,
    commune: str,
    counts: tuple[int, int, int, int, int],
    level: int | None,
) -> OpenRow:
    """A commune-day with its raw counts suppressed for publication."""
    confirmed, onset, samples, resulted, positives = (suppress(n) for n in counts)
    return OpenRow(
        day,
        province_code,
        province,
        commune_code,
        commune,
        confirmed,
        onset,
        samples,
        resulted,
        positives,
        level,
    )


# --- Safe-venue statuses (AntoanCovid): the venues whose owner published a self-assessment in force.
# A venue is public by its poster (code, name, sector); nobody's data. Venues never assessed or whose
# assessment expired are left out (the map shows them as not assessed); events are never published.

VENUE_HEADER = (
    "province_code",
    "province",
    "commune_code",
    "commune",
    "venue_code",
    "venue",
    "sector",
    "sector_name",
    "safety_status",
    "safety_status_name",
    "valid_until",
)


@dataclass(frozen=True)
class OpenVenue:
    """A venue's self-assessed status as published: `status` safe / at_risk / high_risk, shown until
    `valid_until` (a local day, included)."""

    province_code: int
    province: str
    commune_code: int
    commune: str
    code: str
    name: str
    sector: str
    status: str
    valid_until: date

    def as_json(self, *, sector_name: str, status_name: str) -> dict:
        return {
            "province_code": self.province_code,
            "province": self.province,
            "commune_code": self.commune_code,
            "commune": self.commune,
            "venue_code": self.code,
            "venue": self.name,
            "sector": self.sector,
            "sector_name": sector_name,
            "safety_status": self.status,
            "safety_status_name": status_name,
            "valid_until": self.valid_until.isoformat(),
        }

    def as_cells(self, *, sector_name: str, status_name: str) -> list:
        return list(self.as_json(sector_name=sector_name, status_name=status_name).values())[:-1] + [
            self.valid_until
        ]
