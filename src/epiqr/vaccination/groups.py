"""Priority groups for COVID-19 vaccination, as versioned lists chosen by date (no Django import).

Each `GroupList` names the document it follows and the day it took effect; `list_for(day)` picks the one
in force. A group's `code` is stable (rows keep it), its `number` is the document's own numbering (what an
invitation list from a ward office writes: "Nhóm 1", "1"), its `label` is the English text that the
interface translates (the Vietnamese catalogue holds the document's wording).

A list whose text could not be confirmed against the document is kept with `confirmed=False` and no
groups: it records the document, its date and what is known of it, and is never in force (`list_for`
skips it) so that no group is numbered from a guess.

Contract: `group_get(code)` finds a group of any list; `group_by_number(number, day)` the group with that
number in the list in force on `day`. Neither raises: an unknown code or number is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def _(text: str) -> str:
    """Marks a label for the translation catalogue; it is translated where it is shown."""
    return text


@dataclass(frozen=True)
class PriorityGroup:
    code: str
    number: int
    label: str


@dataclass(frozen=True)
class GroupList:
    name: str
    effective: date
    source: str
    groups: tuple[PriorityGroup, ...]
    confirmed: bool = True  # False: the document's list could not be checked; recorded, never in force


LISTS: tuple[GroupList, ...] = (
    GroupList(
        name="vn-nq21-2021",
        effective=date(2021, 2, 26),
        source="Chính phủ, Nghị quyết 21/NQ-CP (26/02/2021) về mua và sử dụng vắc xin phòng COVID-19, "
        "mục 2: 11 nhóm đối tượng ưu tiên tiêm chủng",
        groups=(
            PriorityGroup(
                "health_workers",
                1,
                _("People working in health facilities and the health sector (public and private)"),
            ),
            PriorityGroup(
                "epidemic_response",
                2,
                _(
                    "People taking part in epidemic prevention and control (steering committees, quarantine "
                    "areas, tracing, community COVID teams, volunteers, reporters)"
                ),
            ),
            PriorityGroup("army", 3, _("The armed forces")),
            PriorityGroup("police", 4, _("The police")),
            PriorityGroup(
                "diplomats_border",
                5,
                _("Diplomats posted abroad; customs and immigration officers"),
            ),
            PriorityGroup(
                "essential_services",
                6,
                _("Providers of essential services: aviation, transport, tourism, electricity, water"),
            ),
            PriorityGroup(
                "education_public_offices",
                7,
                _(
                    "Teachers, staff and students of schools and training institutions; staff of public "
                    "offices in frequent contact with many people"
                ),
            ),
            PriorityGroup("chronic_illness_over_65", 8, _("People with chronic illnesses; people over 65")),
            PriorityGroup("outbreak_areas", 9, _("People living in outbreak areas")),
            PriorityGroup("poor_social_policy", 10, _("The poor and beneficiaries of social policies")),
            PriorityGroup(
                "going_abroad",
                11,
                _(
                    "People sent abroad by the State or leaving to work or study abroad; foreign experts "
                    "working in Vietnam"
                ),
            ),
        ),
    ),
    GroupList(
        name="vn-qd3355-2021",
        effective=date(2021, 7, 8),
        source="Bộ Y tế, Quyết định 3355/QĐ-BYT (08/7/2021) ban hành Kế hoạch triển khai chiến dịch tiêm "
        "vắc xin phòng COVID-19 năm 2021-2022. NOT CONFIRMED: the press reports that it orders the vaccination "
        "in 16 groups of people and 4 groups of provinces (baodantoc.vn, July 2021) and that the Ministry's "
        "Department of Preventive Medicine added groups to it on 14/7/2021 (dantocmiennui.vn), but the "
        "decision's text and its list of groups could not be read from any source available to us, so no "
        "group of it is encoded (a wrong list would renumber every imported invitation list). Until its "
        "text is checked, Resolution 21/NQ-CP's 11 groups stay in force; encode the 16 groups from the "
        "decision's text as a confirmed list dated 08/7/2021.",
        groups=(),
        confirmed=False,
    ),
)


def list_for(day: date) -> GroupList:
    """The confirmed list in force on `day` (the first one applies to earlier days)."""
    chosen = LISTS[0]
    for group_list in LISTS:
        if group_list.confirmed and group_list.effective <= day:
            chosen = group_list
    return chosen


def group_get(code: str) -> PriorityGroup | None:
    for group_list in LISTS:
        for group in group_list.groups:
            if group.code == code:
                return group
    return None


def group_by_number(number: int, day: date) -> PriorityGroup | None:
    for group in list_for(day).groups:
        if group.number == number:
            return group
    return None
