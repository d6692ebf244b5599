"""The exposure engine as stories, the CWA reference cases, and the edge cases of the contract."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from epiqr.tracing import engine
from epiqr.tracing.engine import Period, Policy, Visit
from epiqr.tracing.store import MemoryStore

VN = ZoneInfo("Asia/Ho_Chi_Minh")
WINDOW = Policy(name="vn-window-60", rule="window", window_minutes=60, high_risk_minutes=15)
OVERLAP = Policy(name="overlap-15", rule="overlap", min_overlap_minutes=15)
CWA = Policy(name="cwa-weighted", rule="cwa", transmission_risk_level=6)
CAFE, MARKET = 1, 2
F0, AN, BINH, CHAU, DUNG = 100, 1, 2, 3, 4


def t(hh: int, mm: int = 0, day: int = 20) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=VN)


def visit(cid, person, venue, start, end=None, sector="food"):
    return Visit(cid, person, venue, start, end, sector)


def run(visits, policy, *, degree=1, period=(t(0), t(23, 59)), cases=()):
    return engine.trace(
        periods=[Period(F0, *period)], store=MemoryStore(visits, cases=cases), policy=policy, degree=degree
    )


def ids(result, degree=None):
    return {c.person_id for c in result.contacts if degree is None or c.degree == degree}


# --- stories -----------------------------------------------------------------------------------


def test_an_and_binh_at_the_same_cafe_twenty_minutes_apart():
    """An (the F0) sat in the café from 10:00 to 10:40; Bình came at 10:20 and stayed half an hour."""
    visits = [visit(1, F0, CAFE, t(10), t(10, 40)), visit(2, BINH, CAFE, t(10, 20), t(10, 50))]
    for policy in (WINDOW, OVERLAP, CWA):
        result = run(visits, policy)
        assert ids(result) == {BINH}, policy.name
        (contact,) = result.contacts
        (exposure,) = contact.exposures
        assert exposure.venue_id == CAFE and exposure.source_checkin_id == 1 and exposure.checkin_id == 2
        assert exposure.overlap_minutes == 20
        assert contact.risk == engine.RISK_HIGH


def test_chau_came_ninety_minutes_later_and_is_no_contact_under_the_window_rule():
    visits = [visit(1, F0, CAFE, t(10), t(10, 30)), visit(2, CHAU, CAFE, t(11, 30), t(12))]
    assert ids(run(visits, WINDOW)) == set()


def test_window_rule_lists_a_brief_meeting_as_low_risk_while_overlap_rule_drops_it():
    """Dũng checked in 50 minutes after the F0 and the F0 had left 5 minutes after he came."""
    visits = [visit(1, F0, MARKET, t(8), t(8, 55)), visit(2, DUNG, MARKET, t(8, 50), t(9, 30))]
    (contact,) = run(visits, WINDOW).contacts
    assert contact.risk == engine.RISK_LOW and contact.overlap_minutes == 5
    assert ids(run(visits, OVERLAP)) == set()


def test_f2_is_found_through_an_f1_after_the_exposure_and_not_before():
    """Bình met the F0 at the café at 10:20, then went to the market at 12:00 where Châu was.
    Dũng was at the market with Bình at 08:00, before Bình's exposure: not an F2."""
    visits = [
        visit(1, F0, CAFE, t(10), t(10, 40)),
        visit(2, BINH, CAFE, t(10, 20), t(10, 50)),
        visit(3, BINH, MARKET, t(12), t(12, 40)),
        visit(4, CHAU, MARKET, t(12, 10), t(12, 50)),
        visit(5, BINH, MARKET, t(8), t(8, 30)),
        visit(6, DUNG, MARKET, t(8), t(8, 30)),
    ]
    result = run(visits, OVERLAP, degree=2)
    assert ids(result, 1) == {BINH} and ids(result, 2) == {CHAU}
    (chau,) = result.by_degree(2)
    assert chau.exposures[0].source_person_id == BINH
    assert ids(run(visits, OVERLAP, degree=1)) == {BINH}


def test_a_person_is_listed_once_at_the_lowest_degree_with_all_their_exposures():
    """Châu met the F0 twice (café and market) and also met Bình (F1) later: F1 with two exposures."""
    visits = [
        visit(1, F0, CAFE, t(10), t(10, 40)),
        visit(2, CHAU, CAFE, t(10, 5), t(10, 35)),
        visit(3, F0, MARKET, t(11), t(11, 30)),
        visit(4, CHAU, MARKET, t(11), t(11, 30)),
        visit(5, BINH, MARKET, t(11, 10), t(11, 40)),
        visit(6, BINH, CAFE, t(15), t(15, 30)),
        visit(7, CHAU, CAFE, t(15), t(15, 30)),
    ]
    result = run(visits, OVERLAP, degree=2)
    assert [c.person_id for c in result.contacts].count(CHAU) == 1
    chau = next(c for c in result.contacts if c.person_id == CHAU)
    assert chau.degree == 1 and {e.source_checkin_id for e in chau.exposures} == {1, 3}


# --- the CWA reference cases -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ((9, 30), (10, 12), 12),
        ((10, 45), (11, 12), 15),
        ((10, 0), (10, 13), 13),
        ((10, 15), (10, 17), 2),
        ((10, 30), (11, 0), 30),
        ((9, 0), (10, 0), 0),  # touching the warning's start
        ((11, 0), (11, 30), 0),  # touching the warning's end
    ],
)
def test_cwa_reference_overlaps(start, end, minutes):
    warning = (t(10), t(11))
    assert engine.cwa_overlap_minutes(warning, (t(*start), t(*end))) == minutes


def test_cwa_widens_the_warning_to_the_ten_minute_grid():
    warning = (t(10, 3), t(10, 48))  # counts as 10:00-10:50
    assert engine.cwa_overlap_minutes(warning, (t(10, 0), t(10, 50))) == 50


def test_cwa_drops_short_checkins_caps_at_thirty_minutes_and_weights_by_risk_level():
    visits = [
        visit(1, F0, CAFE, t(10), t(11)),
        visit(2, AN, CAFE, t(10, 15), t(10, 17)),  # 2 minutes: dropped
        visit(3, BINH, CAFE, t(10), t(11)),  # 60 minutes: counted 30
        visit(4, CHAU, CAFE, t(10, 52), t(11, 10)),  # 8 minutes of overlap, 18-minute check-in
    ]
    result = run(visits, CWA)
    assert ids(result) == {BINH, CHAU}
    binh = next(c for c in result.contacts if c.person_id == BINH)
    chau = next(c for c in result.contacts if c.person_id == CHAU)
    assert binh.exposures[0].overlap_minutes == 30 and binh.exposures[0].weighted_minutes == pytest.approx(36)
    assert chau.exposures[0].weighted_minutes == pytest.approx(8 * 1.2)
    assert binh.risk == engine.RISK_HIGH and chau.risk == engine.RISK_LOW
    low_trl = Policy(name="cwa-weighted", rule="cwa", transmission_risk_level=2)
    assert all(c.risk == engine.RISK_LOW for c in run(visits, low_trl).contacts)


# --- edge cases --------------------------------------------------------------------------------


def test_window_boundary_is_inclusive_to_the_second():
    visits = [
        visit(1, F0, CAFE, t(10)),
        visit(2, AN, CAFE, t(11)),
        visit(3, BINH, CAFE, t(9)),
        visit(4, CHAU, CAFE, t(11) + timedelta(seconds=1)),
    ]
    assert ids(run(visits, WINDOW)) == {AN, BINH}


def test_touching_intervals_are_no_overlap_and_fifteen_minutes_exactly_is():
    visits = [
        visit(1, F0, CAFE, t(10), t(10, 30)),
        visit(2, AN, CAFE, t(10, 30), t(11)),  # touches the end
        visit(3, BINH, CAFE, t(9, 30), t(10)),  # touches the start
        visit(4, CHAU, CAFE, t(10, 15), t(10, 45)),  # exactly 15 minutes
        visit(5, DUNG, CAFE, t(10, 16), t(10, 45)),  # 14 minutes
    ]
    assert ids(run(visits, OVERLAP)) == {CHAU}


def test_open_checkins_last_the_sector_dwell():
    policy = Policy(
        name="overlap-15", rule="overlap", default_dwell_minutes=60, dwell_by_sector={"retail": 20}
    )
    visits = [
        visit(1, F0, MARKET, t(10), None, "retail"),  # present 10:00-10:20
        visit(2, AN, MARKET, t(10, 5), None, "retail"),  # 10:05-10:25: 15 minutes
        visit(3, BINH, MARKET, t(10, 10), None, "retail"),  # 10:10-10:30: 10 minutes
        visit(4, CHAU, CAFE, t(10), None, "food"),
    ]
    assert ids(run(visits, policy)) == {AN}
    assert engine.presence(visits[3], policy) == (t(10), t(11))


def test_a_checkout_before_the_checkin_counts_as_open_and_long_stays_are_capped():
    policy = Policy(name="p", rule="overlap", max_presence_minutes=120)
    assert engine.presence(visit(1, AN, CAFE, t(10), t(9)), policy) == (t(10), t(11))
    assert engine.presence(visit(1, AN, CAFE, t(10), t(23)), policy) == (t(10), t(12))


def test_visits_crossing_midnight_match():
    visits = [
        visit(1, F0, CAFE, t(23, 30, day=20), t(0, 30, day=21)),
        visit(2, AN, CAFE, t(0, 0, day=21), t(1, 0, day=21)),
    ]
    result = run(visits, OVERLAP, period=(t(0, day=20), t(23, day=21)))
    assert ids(result) == {AN} and result.contacts[0].overlap_minutes == 30


def test_the_f0_checking_in_twice_at_one_venue_gives_one_exposure_per_visit():
    visits = [
        visit(1, F0, CAFE, t(8), t(8, 30)),
        visit(2, F0, CAFE, t(17), t(17, 30)),
        visit(3, AN, CAFE, t(8, 10), t(8, 40)),
        visit(4, AN, CAFE, t(17, 5), t(17, 50)),
        visit(5, BINH, CAFE, t(17, 5), t(17, 50)),
    ]
    result = run(visits, OVERLAP)
    an = next(c for c in result.contacts if c.person_id == AN)
    assert [e.source_checkin_id for e in an.exposures] == [1, 2]
    assert ids(result) == {AN, BINH}


def test_the_f0_is_never_their_own_contact_and_visits_outside_the_period_are_ignored():
    visits = [
        visit(1, F0, CAFE, t(10), t(10, 30)),
        visit(2, F0, CAFE, t(10, 10), t(10, 40)),  # a double scan
        visit(3, AN, CAFE, t(10, 10, day=19), t(11, day=19)),  # the day before the period
        visit(4, F0, CAFE, t(10, day=19), t(11, day=19)),
    ]
    result = run(visits, OVERLAP, period=(t(0), t(23)))
    assert result.contacts == [] and [v.checkin_id for v in result.index_visits] == [1, 2]


def test_people_already_cases_are_not_contacts_and_do_not_seed_f2():
    visits = [
        visit(1, F0, CAFE, t(10), t(10, 40)),
        visit(2, AN, CAFE, t(10), t(10, 40)),
        visit(3, AN, MARKET, t(12), t(12, 40)),
        visit(4, BINH, MARKET, t(12), t(12, 40)),
    ]
    result = run(visits, OVERLAP, degree=2, cases={AN})
    assert result.contacts == [] and result.skipped_cases == {AN}


def test_time_zones_are_compared_as_instants():
    """The scanner recorded An in UTC, the F0 in Vietnam time: 03:00Z is 10:00 in Hà Nội."""
    visits = [
        visit(1, F0, CAFE, t(10), t(10, 30)),
        visit(
            2, AN, CAFE, datetime(2026, 11, 20, 3, 0, tzinfo=UTC), datetime(2026, 11, 20, 3, 30, tzinfo=UTC)
        ),
        visit(3, BINH, CAFE, datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=9)))),
    ]
    result = run(visits, OVERLAP)
    assert ids(result) == {AN}
    with pytest.raises(ValueError):
        engine.presence(visit(9, AN, CAFE, datetime(2026, 11, 20, 10, 0)), OVERLAP)


def test_policy_round_trips_through_its_snapshot():
    snap = CWA.to_dict()
    assert Policy.from_dict(snap) == CWA
    assert Policy.from_dict({**snap, "effective_from": "2021-04-28"}).effective_from == date(2021, 4, 28)
    with pytest.raises(ValueError):
        Policy(name="x", rule="nonsense")


def test_merge_windows_joins_overlaps_per_venue():
    ws = [
        engine.Window(1, t(10), t(11)),
        engine.Window(1, t(10, 30), t(12)),
        engine.Window(1, t(13), t(14)),
        engine.Window(2, t(10), t(11)),
    ]
    merged = sorted(engine.merge_windows(ws), key=lambda w: (w.venue_id, w.lo))
    assert merged == [
        engine.Window(1, t(10), t(12)),
        engine.Window(1, t(13), t(14)),
        engine.Window(2, t(10), t(11)),
    ]
