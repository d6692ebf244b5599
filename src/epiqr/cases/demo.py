"""Demo cases: three F0s among the demo people, chosen so that tracing finds contacts and a cluster."""

from collections import Counter
from datetime import timedelta

from epiqr.core.timeutil import local_today, now

from .services import case_open


def populate(world: dict) -> None:
    from epiqr.tracing import engine
    from epiqr.tracing.selectors import CheckinStore

    rng = world["rng"]
    people = list(world.get("people", []))
    home = world.get("home_commune")
    if not people:
        return
    today = local_today()
    since, until = now() - timedelta(days=3), now()
    pool = [p for p in people if home is None or p.commune_id == home.pk] or people
    sample = rng.sample(pool, min(400, len(pool)))
    visits = CheckinStore().visits_of([engine.Period(p.pk, since, until) for p in sample])
    per_person = Counter(v.person_id for v in visits)
    ranked = [pid for pid, n in per_person.most_common() if n >= 2]
    if not ranked:
        return
    by_id = {p.pk: p for p in sample}
    first = by_id[ranked[0]]
    venues_of_first = {v.venue_id for v in visits if v.person_id == first.pk}
    # A second F0 who visited one of the first one's venues: the clusters page has something to show.
    second = next(
        (
            by_id[pid]
            for pid in ranked[1:]
            if any(v.venue_id in venues_of_first for v in visits if v.person_id == pid)
        ),
        by_id[ranked[1]] if len(ranked) > 1 else None,
    )
    officer = world.get("users", {}).get("demo-xa")
    cases = [
        case_open(person=first, confirmed_on=today, onset_on=today - timedelta(days=1), opened_by=officer)
    ]
    if second is not None:
        cases.append(case_open(person=second, confirmed_on=today, sample_on=today, opened_by=officer))
    third = next((by_id[pid] for pid in ranked[2:] if by_id[pid] not in (first, second)), None)
    if third is not None:  # a lab-confirmed case: traced automatically, waiting for review
        cases.append(case_open(person=third, confirmed_on=today, sample_on=today, source="lab"))
    world["cases"] = cases
    world["logins"].append(("demo-xa", world["password"], "F0 cases and tracing runs: /cases/ and /tracing/"))
