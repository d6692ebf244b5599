"""Matching a unit on an agency's list to the registered venues of its commune."""

from hypothesis import given
from hypothesis import strategies as st

from epiqr.dashboards.matching import MATCHED, REVIEW, UNMATCHED, Unit, match, simplify


def test_the_same_pharmacy_typed_differently_is_matched():
    target = Unit(1, "NHÀ THUỐC MINH CHÂU", "Số 5 phố Huế")
    venues = [Unit(10, "Nhà thuốc Minh Châu", "5 Huế"), Unit(11, "Quán phở Thìn", "13 Lò Đúc")]
    assert match(target, venues).outcome == MATCHED and match(target, venues).venue_id == 10


def test_a_close_but_unsure_name_goes_to_review():
    target = Unit(1, "Cửa hàng tạp hoá Hương", "12 Hàng Bạc")
    venues = [Unit(10, "Tạp hoá Hương Lan", "14 Hàng Bạc")]
    m = match(target, venues)
    assert m.outcome == REVIEW and m.venue_id == 10


def test_two_sure_candidates_are_not_chosen_between_by_the_machine():
    target = Unit(1, "Trường Mầm non Hoa Sen", "")
    venues = [Unit(10, "Trường mầm non Hoa Sen", "Cơ sở 1"), Unit(11, "Trường Mầm Non Hoa Sen", "Cơ sở 2")]
    assert match(target, venues).outcome == REVIEW


def test_the_same_phone_and_a_similar_name_is_the_same_unit():
    target = Unit(1, "Khách sạn Sông Hương", "3 Lê Lợi", phone="0912345678")
    venues = [
        Unit(10, "KS Sông Hương", "03 Le Loi, Hue", phone="0912345678"),
        Unit(11, "Khách sạn Sông Hương 2", ""),
    ]
    assert match(target, venues).venue_id == 10


def test_a_unit_that_has_not_registered_is_unmatched():
    target = Unit(1, "Siêu thị Co.opmart Huế", "6 Trần Hưng Đạo")
    assert match(target, [Unit(10, "Quán cà phê Gác", "2 Chu Văn An")]).outcome == UNMATCHED
    assert match(target, []).outcome == UNMATCHED


def test_simplify_drops_unit_and_address_words():
    assert simplify("Công ty TNHH Minh Châu") == "minh chau"
    assert simplify("Số 5, phố Huế") == "5 hue"


names = st.text(alphabet="abcdeghiklmnopqrstuvxyàáảãạăâđêôơư ", min_size=1, max_size=30)


@given(names, names)
def test_a_venue_identical_to_the_target_is_always_found(name, address):
    if not simplify(name):
        return
    m = match(Unit(1, name, address), [Unit(7, name, address)])
    assert m.outcome == MATCHED and m.venue_id == 7


@given(names, st.lists(st.tuples(names, names), max_size=5))
def test_the_outcome_is_always_one_of_three_and_names_a_candidate(name, venues):
    units = [Unit(i, n, a) for i, (n, a) in enumerate(venues)]
    m = match(Unit(99, name, ""), units)
    assert m.outcome in (MATCHED, REVIEW, UNMATCHED)
    assert (m.venue_id is None) == (m.outcome == UNMATCHED)
    assert m.venue_id is None or m.venue_id in {u.id for u in units}
