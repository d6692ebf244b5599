"""The infectious period of a case: a pure rule, no Django.

From `days_before` days (policy, default 2) before symptom onset, or before the positive sample date
when there were no symptoms, or before the confirmation date when neither is known; starting at local
midnight of that day. Until isolation, or the end of the confirmation day (local) when the isolation
time is not recorded (a confirmed case is isolated the day it is confirmed). An officer's override of
either end wins over the rule.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_DAYS_BEFORE = 2


@dataclass(frozen=True)
class InfectiousPeriod:
    start: datetime
    end: datetime
    basis: str  # "onset", "sample", "confirmation" or "override"


def infectious_period(
    *,
    confirmed_on: date,
    onset_on: date | None = None,
    sample_on: date | None = None,
    isolated_at: datetime | None = None,
    days_before: int = DEFAULT_DAYS_BEFORE,
    start_override: datetime | None = None,
    end_override: datetime | None = None,
) -> InfectiousPeriod:
    if onset_on is not None:
        anchor, basis = onset_on, "onset"
    elif sample_on is not None:
        anchor, basis = sample_on, "sample"
    else:
        anchor, basis = confirmed_on, "confirmation"
    start = datetime.combine(anchor - timedelta(days=days_before), time.min, tzinfo=VN_TZ)
    end = isolated_at or datetime.combine(confirmed_on + timedelta(days=1), time.min, tzinfo=VN_TZ)
    if start_override is not None or end_override is not None:
        basis = "override"
        start = start_override or start
        end = end_override or end
    return InfectiousPeriod(start=start, end=end, basis=basis)
