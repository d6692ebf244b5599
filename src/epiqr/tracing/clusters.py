"""Beyond one case: the F0s' visits, clusters of cases at a venue and the public risky-venue feed (and a
citizen's own check against it). Which cases count comes from cases.selectors.case_list_counted."""

from datetime import datetime, timedelta

from django.core.cache import cache

from epiqr.accounts.models import User
from epiqr.cases.selectors import case_list_counted, case_newest_id, case_period
from epiqr.core.timeutil import iso_utc, now
from epiqr.venues.models import Venue

from . import engine
from .exposures import unpack, venue_filter
from .models import Contact
from .policies import policy_engine, policy_get
from .store import CheckinStore, checkins_of_person

PERIOD_FIELDS = (
    "id",
    "person_id",
    "confirmed_on",
    "onset_on",
    "sample_on",
    "isolated_at",
    "infectious_from_override",
    "infectious_until_override",
)


def f0_visits(
    *, since: datetime, until: datetime, user: User | None = None, people: bool = True
) -> list[tuple]:
    """(case, visit) for each check-in of the cases that count (cases.selectors.case_list_counted: not
    cancelled; of the user's jurisdiction, every one for None) inside their infectious periods, clipped to
    `since`-`until`: one query for the visits; only the cases whose period reaches `since` are read.
    `people=False`: the cases carry only what their period needs (the public feed: no names, and a
    country's cases read without their people and communes)."""
    cases = case_list_counted(user=user, infectious_after=since)
    if not people:
        cases = cases.select_related(None).only(*PERIOD_FIELDS)
    by_person = {}
    periods = []
    for case in cases:
        p = case_period(case=case)
        start, end = max(p.start, since), min(p.end, until)
        if start <= end:
            by_person[case.person_id] = case
            periods.append(engine.Period(case.person_id, start, end))
    return [(by_person[v.person_id], v) for v in CheckinStore().visits_of(periods)]


def cluster_list(*, user: User | None, days: int = 14, until: datetime | None = None) -> list[dict]:
    """Venues with two or more F0 visits within `days` days, with the cases and overlapping visitors (the
    cases of the user's jurisdiction; every case for None: the dashboards' map, which shows counts only)."""
    until = until or now()
    since = until - timedelta(days=days + 14)
    pairs = f0_visits(since=since, until=until, user=user)
    by_venue: dict[int, list] = {}
    for case, visit in pairs:
        by_venue.setdefault(visit.venue_id, []).append((case, visit))
    clusters = []
    span = timedelta(days=days)
    for venue_id, items in by_venue.items():
        items.sort(key=lambda cv: cv[1].start)
        best: list = []
        for i, (_c, first) in enumerate(items):  # the densest run of visits inside `days` days
            window = [cv for cv in items[i:] if cv[1].start - first.start <= span]
            if len({c.pk for c, _v in window}) > len({c.pk for c, _v in best}):
                best = window
        if len({c.pk for c, _v in best}) >= 2:
            clusters.append({"venue_id": venue_id, "items": best})
    venues = Venue.objects.in_bulk([c["venue_id"] for c in clusters])
    for c in clusters:
        c["venue"] = venues[c["venue_id"]]
        c["cases"] = list({case.pk: case for case, _v in c["items"]}.values())
        c["first"] = c["items"][0][1].start
        c["last"] = c["items"][-1][1].start
        c["visitors"] = _cluster_visitors(
            venue_id=c["venue_id"],
            case_ids=[case.pk for case in c["cases"]],
            source_ids={v.checkin_id for _c, v in c["items"]},
        )
    clusters.sort(key=lambda c: (-len(c["cases"]), -c["last"].timestamp()))
    return clusters


def _cluster_visitors(*, venue_id: int, case_ids: list[int], source_ids: set[int]) -> int:
    """How many people the stored runs of the cluster's cases found exposed at the venue by the cluster's
    visits (their F1s: exposures whose source is one of those check-ins; the F1s of their runs that met
    the venue are read, their packed exposures checked)."""
    met = Contact.objects.filter(
        run__case_id__in=case_ids, degree=1, venues_text__contains=venue_filter(venue_id)
    ).values_list("person_id", "exposure_data")
    return len(
        {
            person
            for person, data in met
            if any(e.venue_id == venue_id and e.source_checkin_id in source_ids for e in unpack(data))
        }
    )


FEED_SECONDS = 120  # how long the public feed of "now" is reused


def risky_venue_feed(*, days: int = 14, until: datetime | None = None) -> list[dict]:
    """Places and times where F0s were present: venue code, start, end, risk level. No personal data.

    Presence intervals of all F0s at a venue are merged; the level is "high" where two or more cases
    were present together, else "medium".

    The feed of now (no `until`) is the whole country's and public (phones poll it, every citizen's
    self-check reads it): it is computed at most once per FEED_SECONDS and per newest case, and reused in
    between (seconds of work at national volume). A new case shows at once; a cancelled or ended case and an
    edited period within FEED_SECONDS."""
    if until is not None:
        return _risky_venue_feed(days=days, until=until)
    key = f"tracing:feed:{days}:{case_newest_id()}"
    feed = cache.get(key)
    if feed is None:
        feed = _risky_venue_feed(days=days, until=now())
        cache.set(key, feed, FEED_SECONDS)
    return feed


def _risky_venue_feed(*, days: int, until: datetime) -> list[dict]:
    policy = policy_engine(policy_get(on=until.date()))
    pairs = f0_visits(since=until - timedelta(days=days), until=until, people=False)
    by_venue: dict[int, list[tuple[datetime, datetime, int]]] = {}
    for case, v in pairs:
        start, end = engine.presence(v, policy)
        by_venue.setdefault(v.venue_id, []).append((start, end, case.pk))
    codes = dict(Venue.objects.filter(pk__in=list(by_venue)).values_list("pk", "code"))
    entries = []
    for venue_id, items in by_venue.items():
        items.sort()
        cur_s, cur_e, cases = items[0][0], items[0][1], {items[0][2]}
        for s, e, c in items[1:] + [(None, None, None)]:
            if s is not None and s < cur_e:
                cur_e, cases = max(cur_e, e), cases | {c}
                continue
            entries.append(
                {
                    "venue_code": codes[venue_id],
                    "start": iso_utc(cur_s),
                    "end": iso_utc(cur_e),
                    "risk_level": "high" if len(cases) >= 2 else "medium",
                }
            )
            if s is not None:
                cur_s, cur_e, cases = s, e, {c}
    entries.sort(key=lambda x: (x["start"], x["venue_code"]))
    return entries


def self_check(*, people: list, own_checkin_ids: set[int], days: int) -> list[dict]:
    """For each person a citizen's phone checks in (`people.selectors.DevicePerson`): the visits of the
    last `days` days the phone may see (all of a person its holder proved, only the phone's own visits of
    the others) and which of them overlap an entry of the risky-venue feed."""

    since = now() - timedelta(days=days)
    feed = risky_venue_feed(days=days)
    risky: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for e in feed:
        risky.setdefault(e["venue_code"], []).append(
            (datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"]), e["risk_level"])
        )
    policy = policy_engine(policy_get(on=now().date()))
    out = []
    for person in people:
        visits = checkins_of_person(person_id=person.person_id, since=since)
        if not person.proven:
            visits = [v for v in visits if v.checkin_id in own_checkin_ids]
        venues = Venue.objects.in_bulk({v.venue_id for v in visits})
        rows = []
        for v in visits:
            venue = venues[v.venue_id]
            start, end = engine.presence(v, policy)
            hit = next((lvl for s, e, lvl in risky.get(venue.code, ()) if start < e and s < end), None)
            rows.append({"venue": venue, "start": start, "end": v.end, "risk": hit})
        out.append({"label": person.label, "visits": rows, "risky": sum(1 for r in rows if r["risk"])})
    return out
