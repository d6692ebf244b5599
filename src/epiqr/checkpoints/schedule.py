"""Weekdays and hours of a permit as people write them in a form or a spreadsheet (pure, no Django).

Weekdays are a bit mask (bit 0 Monday ... bit 6 Sunday). Vietnamese calls Monday "thứ 2" (T2) up to
Saturday "thứ 7" (T7) and Sunday "chủ nhật" (CN); these read the same: "T2-T6", "2-6", "thứ 2 - thứ 6",
"T2,T4,T6", "T7, CN", "cả tuần", "hàng ngày", and English "Mon-Fri", "Sat,Sun", "every day".
Hours: "06:00-22:00", "6h-22h", "6:30 - 17", "22:00-06:00" (over midnight), "cả ngày"/"all day".
"""

from __future__ import annotations

import re
import unicodedata

ALL_WEEK = 0b1111111
_EVERY_DAY = {"", "ca tuan", "hang ngay", "tat ca", "moi ngay", "every day", "all", "all week", "daily", "*"}
_ALL_DAY = {"", "ca ngay", "24/24", "24h", "all day", "0-24", "00:00-24:00", "0h-24h"}
_NAMES = {
    "cn": 6,
    "chu nhat": 6,
    "sun": 6,
    "sunday": 6,
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
}
_THU = re.compile(r"^(?:thu|t)\s*([2-7])$")
_TIME = re.compile(r"^(\d{1,2})(?:\s*[:hg]\s*(\d{2})?)?\s*$")
SHORT_VI = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


class ScheduleError(ValueError):
    """What was written cannot be read as weekdays or hours (the message says what to write)."""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text.lower()).strip()


def _day(token: str) -> int:
    token = token.strip().rstrip(".")
    if token in _NAMES:
        return _NAMES[token]
    match = _THU.match(token)
    if match:
        return int(match.group(1)) - 2
    if token in {"2", "3", "4", "5", "6", "7"}:
        return int(token) - 2
    if token == "8":  # some write Sunday as the eighth day
        return 6
    raise ScheduleError(token)


def weekdays_parse(text: str) -> int:
    """The bit mask of weekdays written in `text`; ScheduleError when any part cannot be read."""
    folded = _fold(text)
    if folded in _EVERY_DAY:
        return ALL_WEEK
    mask = 0
    for part in re.split(r"\s*[,;/+&]\s*|\s+va\s+|\s+and\s+", folded):
        if not part:
            continue
        ends = re.split(r"\s*(?:-|–|den|to)\s*", part)
        try:
            if len(ends) == 1:
                mask |= 1 << _day(ends[0])
            elif len(ends) == 2:
                first, last = _day(ends[0]), _day(ends[1])
                day = first
                while True:
                    mask |= 1 << day
                    if day == last:
                        break
                    day = (day + 1) % 7
            else:
                raise ScheduleError(part)
        except ScheduleError as exc:
            raise ScheduleError(f'"{text}"') from exc
    if not mask:
        raise ScheduleError(f'"{text}"')
    return mask


def weekdays_text(mask: int) -> str:
    """T2-T6, T7, CN... as Vietnamese papers print them ("cả tuần" for every day)."""
    if mask & ALL_WEEK == ALL_WEEK:
        return "T2-CN"
    days = [d for d in range(7) if mask >> d & 1]
    runs: list[list[int]] = []
    for d in days:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = [
        SHORT_VI[r[0]]
        if len(r) == 1
        else f"{SHORT_VI[r[0]]}-{SHORT_VI[r[-1]]}"
        if len(r) > 2
        else f"{SHORT_VI[r[0]]}, {SHORT_VI[r[1]]}"
        for r in runs
    ]
    return ", ".join(parts)


def _minute(token: str) -> int:
    match = _TIME.match(token.strip())
    if not match:
        raise ScheduleError(token)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise ScheduleError(token)
    return hour * 60 + minute


def hours_parse(text: str) -> tuple[int, int]:
    """(start, end) minutes of the day; (0, 1440) for all day; start > end goes over midnight."""
    folded = _fold(text).replace(" ", "")
    if folded in {x.replace(" ", "") for x in _ALL_DAY}:
        return 0, 1440
    ends = re.split(r"-|–|den|to", folded)
    if len(ends) != 2:
        raise ScheduleError(f'"{text}"')
    try:
        start, end = _minute(ends[0]), _minute(ends[1])
    except ScheduleError as exc:
        raise ScheduleError(f'"{text}"') from exc
    if start == 1440:
        start = 0
    if start == end:
        raise ScheduleError(f'"{text}"')
    return start, end


def hours_text(start: int, end: int) -> str:
    if (start, end) in ((0, 1440), (0, 0)):
        return "00:00-24:00"
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
