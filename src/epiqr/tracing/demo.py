"""Demo tracing: the demo's F0 cases, runs for them with some contacts already followed up, messages in
the outbox.

The F0s are chosen here, where who met whom is known: three among the demo people, so that tracing
finds a believable number of contacts (tens, not a third of the town), an F2 list of a few hundred and a
cluster. The demo's check-ins crowd a few popular venues, so most people met hundreds of others; the F0s
are picked among those whose visits were at quieter places and times, estimated from one read of the
recent check-ins; the F0 traced to F2 is confirmed by a few real F2 traces of the best candidates."""

import bisect
from collections import defaultdict
from datetime import timedelta

from epiqr.cases.services import case_open
from epiqr.core.timeutil import local_today, now, start_of_local_day

from . import engine
from .models import FollowUp, RunStatus
from .selectors import CheckinStore, policy_engine, policy_get
from .services import contact_transition, run_create, run_notify

F1_RANGE = (8, 80)  # what a commune team can call in a day
F2_RANGE = (20, 300)  # the F0 traced to F2: F1 + F2 stays a few hundred
F2_MIN_F1 = 2
F2_TRIALS = 8


def cases_open(world: dict) -> None:
    """world["cases"]: the demo's F0s, chosen among the demo people by who met whom."""
    people = list(world.get("people", []))
    home = world.get("home_commune")
    if not people:
        return
    today = local_today()
    since, until = start_of_local_day(today - timedelta(days=3)), now()
    window = timedelta(minutes=policy_engine(policy_get(name="vn-window-60")).window_minutes)
    visits = CheckinStore().visits_of([engine.Period(p.pk, since, until) for p in people])
    starts: dict[int, list] = defaultdict(list)
    for v in sorted(visits, key=lambda v: (v.start, v.checkin_id)):
        starts[v.venue_id].append((v.start, v.person_id))
    # Each person's visits with who checked in within the window there (the vn-window-60 rule).
    seen: dict[int, list[tuple]] = defaultdict(list)
    for v in visits:
        row = starts[v.venue_id]
        lo = bisect.bisect_left(row, (v.start - window, -1))
        hi = bisect.bisect_right(row, (v.start + window, float("inf")))
        others = [(max(at, v.start), pid) for at, pid in row[lo:hi] if pid != v.person_id]
        seen[v.person_id].append((v.start, v.venue_id, others))

    def f1(pid: int) -> dict[int, object]:
        """Who the person met, each at the earliest moment of exposure."""
        first: dict[int, object] = {}
        for _start, _venue, others in seen[pid]:
            for at, other in others:
                if other not in first or at < first[other]:
                    first[other] = at
        return first

    def f2_size(pid: int, met: dict) -> int:
        """F1 + F2: the F1s' contacts at their visits from the moment they were exposed on."""
        found = set(met)
        for other, exposed in met.items():
            for start, _venue, others in seen[other]:
                if start >= exposed:
                    found.update(q for _at, q in others)
        return len(found - {pid})

    everyone = {p.pk: p for p in people}
    met = {pid: f1(pid) for pid in everyone}
    venues = {pid: {venue for _s, venue, _o in seen[pid]} for pid in everyone}
    local = {p.pk for p in people if home is None or p.commune_id == home.pk} or set(everyone)

    def fits(pid: int, low: int) -> bool:
        return len(venues[pid]) >= 2 and low <= len(met[pid]) <= F1_RANGE[1]

    eligible = sorted(
        (pid for pid in local if fits(pid, F1_RANGE[0])), key=lambda pid: (len(met[pid]), pid)
    ) or sorted((pid for pid in local if met[pid]), key=lambda pid: (len(met[pid]), pid))  # small demo
    if not eligible:
        return
    # The F0 traced to F2: the smallest F1 + F2 list with some F2 in it, preferably of the home commune
    # (F2 grows with the F1s' later visits: in this dense demo town most F2 lists reach half of it).
    reach = {pid: f2_size(pid, met[pid]) for pid in everyone if fits(pid, F2_MIN_F1)}
    ranked = sorted(
        reach, key=lambda pid: (not F2_RANGE[0] <= reach[pid] <= F2_RANGE[1], pid not in local, reach[pid])
    )
    first = _first_with_f2(ranked[:F2_TRIALS] or eligible[:1], since, until)
    # A second F0 who visited one of the first one's venues: the clusters page has something to show.
    rest = [pid for pid in eligible if pid != first and pid not in met[first]]
    shared = [pid for pid in rest if venues[pid] & venues[first]]
    second = (shared or rest or [None])[-1]
    third = next((pid for pid in rest[len(rest) // 2 :] if pid != second), None)
    officer = world.get("users", {}).get("demo-xa")
    cases = [
        case_open(
            person=everyone[first], confirmed_on=today, onset_on=today - timedelta(days=1), actor=officer
        )
    ]
    if second is not None:
        cases.append(
            case_open(
                person=everyone[second],
                confirmed_on=today,
                sample_on=today - timedelta(days=1),
                actor=officer,
            )
        )
    if third is not None:  # a lab-confirmed case: traced automatically, waiting for review
        cases.append(
            case_open(
                person=everyone[third], confirmed_on=today, sample_on=today - timedelta(days=1), source="lab"
            )
        )
    world["cases"] = cases
    world["logins"].append(
        (
            "demo-xa",
            world["password"],
            "F0 cases, tracing runs and the cases of the day: /cases/, /tracing/, /tracing/triage/",
        )
    )


def _first_with_f2(candidates: list[int], since, until) -> int:
    """The first candidate whose real F2 trace has F2 contacts and stays within F2_RANGE (the estimate
    ignores who is already a case), else the one with the shortest list that has F2 at all."""
    policy = policy_engine(policy_get(name="vn-window-60"))
    best, best_key = candidates[0], None
    for pid in candidates:
        result = engine.trace(
            periods=[engine.Period(pid, since, until)],
            store=CheckinStore(),
            policy=policy,
            degree=2,
            until=until,
        )
        has_f2, total = bool(result.by_degree(2)), len(result.contacts)
        if has_f2 and total <= F2_RANGE[1]:
            return pid
        key = (not has_f2, total)
        if best_key is None or key < best_key:
            best, best_key = pid, key
    return best


def populate(world: dict) -> None:
    cases_open(world)
    cases = world.get("cases") or []
    officer = world.get("users", {}).get("demo-xa")
    rng = world["rng"]
    for i, case in enumerate(cases):
        if case.source == "lab" or case.tracing_runs.exists():
            continue  # a lab case is traced for review by tracing's flows once the demo is committed
        run = run_create(case=case, policy_name="vn-window-60", degree=2 if i == 0 else 1, actor=officer)
        steps = [
            [FollowUp.REACHED],
            [FollowUp.UNREACHABLE],
            [FollowUp.REACHED, FollowUp.QUARANTINED],
            [FollowUp.REACHED, FollowUp.TESTED, FollowUp.NEGATIVE],
            [FollowUp.REACHED, FollowUp.TESTED],
        ]
        # Follow-up under way where the demo officer sees it: contacts of their commune first, F1 first.
        mine = run.contacts.filter(commune_id=getattr(officer, "commune_id", None)).order_by("degree", "pk")
        for contact in list(mine or run.contacts.order_by("degree", "pk"))[: rng.randint(3, 8)]:
            for step in rng.choice(steps):
                contact = contact_transition(contact=contact, to=step, actor=officer, note="demo")
        if i == 0 and officer is not None:
            run_notify(run=run, actor=officer, channel="sms")
        if run.status == RunStatus.REVIEW:
            continue
    world["logins"].append(("demo-tinh", world["password"], "clusters of the province: /tracing/clusters/"))
