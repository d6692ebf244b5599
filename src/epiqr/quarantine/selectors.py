"""Reads of the quarantine domain: the quarantines an officer may see (their area), the lists of a
commune team (in quarantine, due a test today, no diary today, symptoms), the call log, a quarantine's
days and its policy explained in words, and the chain of transmission for a case's page."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.models import User
from epiqr.accounts.selectors import commune_filter, jurisdiction_filter
from epiqr.core.errors import NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort
from epiqr.core.permissions import Role
from epiqr.core.text import fold
from epiqr.core.timeutil import local_today

from . import policy
from .models import Call, DiaryEntry, Outcome, Quarantine, Status, Symptom


def quarantine_list_visible_to(*, user: User) -> QuerySet[Quarantine]:
    """The quarantines of contacts living in the user's area (a commune officer's commune, a province
    officer's province)."""
    qs = Quarantine.objects.select_related("person", "commune", "source_case", "assignee")
    return jurisdiction_filter(qs, user=user, commune_path="commune")


def quarantine_get_visible_to(*, user: User, quarantine_id: int) -> Quarantine:
    q = quarantine_list_visible_to(user=user).filter(pk=quarantine_id).first()
    if q is None:
        raise NotFound(_("No such quarantine within your area."))
    return q


def due_test_q(day: date) -> Q:
    """Quarantines with a test due on `day`: the test days of every policy and regime as a condition on
    the last exposure (test day k is the exposure day + k), so the list needs no row per test day."""
    q = Q(pk__in=[])
    for p in policy.POLICIES:
        regimes = [p.standard] + ([p.reduced.regime] if p.reduced else [])
        for r in regimes:
            if r.test_days:
                q |= Q(
                    policy=p.name,
                    regime=r.code,
                    last_exposure__in=[day - timedelta(days=k) for k in r.test_days],
                )
    return q


def _followed_today(qs: QuerySet[Quarantine], today: date) -> QuerySet[Quarantine]:
    return qs.filter(status=Status.ACTIVE, start__lte=today, follow_until__gte=today)


def _todo(qs: QuerySet[Quarantine], value: str) -> QuerySet[Quarantine]:
    today = local_today()
    if value == "due_test":
        return _followed_today(qs, today).filter(due_test_q(today))
    if value == "no_diary":
        return _followed_today(qs, today).exclude(
            Exists(DiaryEntry.objects.filter(quarantine=OuterRef("pk"), day=today))
        )
    if value == "symptoms":
        return qs.filter(status=Status.ACTIVE, symptoms_at__isnull=False)
    if value == "in_quarantine":
        return qs.filter(status=Status.ACTIVE, start__lte=today, end__gte=today)
    return qs


def _search(qs: QuerySet[Quarantine], text: str) -> QuerySet[Quarantine]:
    digits = "".join(c for c in text if c.isdigit())
    if digits and len(digits) >= 4 and not any(c.isalpha() for c in text):
        return qs.filter(person__phone__contains=digits[-9:])
    for word in fold(text).split():
        qs = qs.filter(person__name_folded__contains=word)
    return qs


def team_of(*, user: User) -> list[User]:
    """The commune teams of the user's area: the active commune officers of its communes (those a
    quarantine can be assigned to), by name."""
    qs = User.objects.filter(role=Role.COMMUNE_OFFICER, is_active=True)
    return list(jurisdiction_filter(qs, user=user, commune_path="commune").order_by("username")[:500])


def _assignee_choices(user):
    if user is None:
        return []
    return [("none", gettext_lazy("Nobody yet"))] + [
        (str(u.pk), u.get_full_name() or u.username) for u in team_of(user=user)
    ]


def _by_assignee(qs: QuerySet[Quarantine], value: str) -> QuerySet[Quarantine]:
    return qs.filter(assignee__isnull=True) if value == "none" else qs.filter(assignee_id=int(value))


def _caller_choices(user):
    if user is None:
        return []
    people = {u.pk: u for u in team_of(user=user)}
    people.setdefault(user.pk, user)
    return [(str(pk), u.get_full_name() or u.username) for pk, u in sorted(people.items())]


TODO = (
    ("in_quarantine", gettext_lazy("In quarantine today")),
    ("due_test", gettext_lazy("Due a test today")),
    ("no_diary", gettext_lazy("No diary today")),
    ("symptoms", gettext_lazy("Reported symptoms")),
)

QUARANTINES = ListSpec(
    name="quarantines",
    filters=(
        Filter("q", gettext_lazy("Name or phone"), kind=FilterKind.TEXT, apply=_search, prominent=True,
               placeholder=gettext_lazy("e.g. tran thi binh")),
        Filter("todo", gettext_lazy("To do"), choices=TODO, apply=_todo),
        Filter("status", gettext_lazy("Status"), choices=Status.choices, default=Status.ACTIVE),
        Filter("assignee", gettext_lazy("Assigned to"), choices=_assignee_choices, apply=_by_assignee,
               help="an officer's user id (the team of your area), or none"),
        commune_filter(lookup="commune_id"),
    ),
    sorts=(
        Sort("start", gettext_lazy("First day"), ("start", "id")),
        Sort("follow_until", gettext_lazy("Followed until"), ("follow_until", "id")),
    ),
    default_sort="-start",
    page_size=50,
    model=Quarantine,
)  # fmt: skip


def call_list_visible_to(*, user: User) -> QuerySet[Call]:
    """The calls to contacts of the user's area, newest first (who called whom, when, what came of it)."""
    qs = Call.objects.select_related("quarantine__person", "quarantine__commune", "by")
    return jurisdiction_filter(qs, user=user, commune_path="quarantine__commune")


CALLS = ListSpec(
    name="quarantine_calls",
    filters=(
        Filter("outcome", gettext_lazy("Outcome"), choices=Outcome.choices),
        Filter("by", gettext_lazy("Called by"), choices=_caller_choices, lookup="by_id",
               help="the caller's user id (the team of your area, or yourself)"),
        Filter("quarantine", gettext_lazy("Quarantine"), kind=FilterKind.INT, minimum=1, lookup="quarantine_id",
               in_form=False, help="the id of one quarantine"),
        commune_filter(lookup="quarantine__commune_id"),
    ),
    sorts=(Sort("at", gettext_lazy("Time"), ("at", "id")),),
    default_sort="-at",
    page_size=50,
    model=Call,
)  # fmt: skip


@dataclass(frozen=True)
class Day:
    """One day of a quarantine's follow-up as its page shows it."""

    day: date
    number: int  # day 1 = the day after the last exposure
    in_quarantine: bool
    test_due: bool
    entry: DiaryEntry | None
    missed: bool  # a past day (or today, once over) with no diary
    symptoms: tuple[str, ...] = ()  # the labels of the symptoms reported


def quarantine_days(*, quarantine: Quarantine, today: date | None = None) -> list[Day]:
    """Every day from the first to the last followed, with its diary entry, test and whether it was
    missed (a past day with no entry; today is not missed yet)."""
    today = today or local_today()
    entries = {e.day: e for e in quarantine.diary.all()}
    tests = set(quarantine.test_days)
    days = []
    d = quarantine.start
    while d <= quarantine.follow_until:
        entry = entries.get(d)
        days.append(
            Day(
                day=d,
                number=(d - quarantine.last_exposure).days,
                in_quarantine=quarantine.end is not None and d <= quarantine.end,
                test_due=d.isoformat() in tests,
                entry=entry,
                missed=entry is None
                and d < today
                and (quarantine.ended_on is None or d < quarantine.ended_on),
                symptoms=tuple(symptom_labels(entry.symptoms)) if entry else (),
            )
        )
        d += timedelta(days=1)
    return days


def _day(value: str | None) -> str:
    return date_format(date.fromisoformat(value), "d/m/Y") if value else ""


def explain(quarantine: Quarantine) -> list[str]:
    """The policy's decision in words, one sentence per reason (policy.Reason codes)."""
    out = []
    p = policy.BY_NAME.get(quarantine.policy)
    for r in quarantine.reasons:
        v = r.get("values", {})
        code = r.get("code")
        if code == "policy":
            out.append(
                _("Policy in force: %(source)s (from %(day)s).")
                % {"source": p.source if p else v.get("name", ""), "day": _day(v.get("effective"))}
            )
        elif code == "vaccinated":
            out.append(
                _("Protected by vaccination: %(doses)s doses, the last on %(day)s (%(days)s days before).")
                % {"doses": v.get("doses"), "day": _day(v.get("last_dose")), "days": v.get("days")}
            )
        elif code == "recovered":
            out.append(
                _("Recovered from COVID-19 (confirmed %(day)s, within %(months)s months).")
                % {"day": _day(v.get("recovered_on")), "months": v.get("months")}
            )
        elif code == "not_protected":
            rule = (
                _("the whole primary series")
                if v.get("min_doses") is None
                else _("%(n)s doses") % {"n": v.get("min_doses")}
            )
            text = _(
                "Not counted as protected: the shorter quarantine needs %(rule)s, the last at least %(days)s days before"
            ) % {
                "rule": rule,
                "days": v.get("dose_min_days"),
            }
            if v.get("dose_max_months"):
                text += _(" and at most %(m)s months before") % {"m": v["dose_max_months"]}
            if v.get("recovered_months"):
                text += _(", or a recovery within %(m)s months") % {"m": v["recovered_months"]}
            out.append(text + ".")
        elif code == "quarantine":
            out.append(
                _("Quarantine %(days)s days from the last exposure: %(start)s to %(end)s.")
                % {"days": v.get("days"), "start": _day(v.get("start")), "end": _day(v.get("end"))}
            )
        elif code == "monitoring":
            out.append(
                _("Then self-monitoring %(days)s days, until %(until)s.")
                % {"days": v.get("days"), "until": _day(v.get("until"))}
            )
        elif code == "no_quarantine":
            out.append(
                _("No quarantine: self-monitoring %(days)s days from the last exposure, until %(until)s.")
                % {"days": v.get("monitor_days"), "until": _day(v.get("until"))}
            )
        elif code == "tests":
            days = v.get("days") or []
            out.append(
                _("Tests on %(days)s.") % {"days": ", ".join(_day(d) for d in days)}
                if days
                else _("No scheduled test: a test only if symptoms appear.")
            )
    return out


def symptom_labels(codes) -> list[str]:
    return [str(Symptom(c).label) for c in codes if c in Symptom.values]


def quarantines_of_people(*, person_ids: list[int]) -> list[Quarantine]:
    """The active quarantines of these people (a citizen's proven people, for their diary page)."""
    if not person_ids:
        return []
    today = local_today()
    return list(
        Quarantine.objects.filter(person_id__in=person_ids, status=Status.ACTIVE, start__lte=today)
        .select_related("person")
        .prefetch_related("diary")
        .order_by("start", "id")
    )


def chain_for_case(*, user: User, case_id: int) -> dict:
    """The chain of transmission around a case, for its page: the quarantine it came out of (the F0 who
    exposed this person) and the contacts it put in quarantine, those in the user's area."""
    came_from = (
        Quarantine.objects.filter(new_case_id=case_id)
        .select_related("source_case__person")
        .order_by("-id")
        .first()
    )
    contacts = quarantine_list_visible_to(user=user).filter(source_case_id=case_id).order_by("start", "id")
    return {
        "came_from": came_from,
        "contacts": list(contacts[:50]),
        "contact_count": contacts.count(),
        "became_cases": contacts.filter(status=Status.BECAME_CASE).count(),
    }
