"""The venue owner's COVID-safety self-assessment (the safe-venue map, AntoanCovid): the checklist graded as
data, written only by the venue's owner (another owner's venue is refused), with its validity, through the
owner's page and the API (the same selector and service); the public safe-venue map shows the status in
force."""

from datetime import date, timedelta

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from epiqr.core.errors import Forbidden, Invalid
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today
from epiqr.venues import safety
from epiqr.venues.models import SafetyAssessment
from epiqr.venues.selectors import safety_statuses
from epiqr.venues.services import venue_safety_assess
from tests.factories import PASSWORD

ALL_YES = {i.key: True for i in safety.SELF_CHECK_2020.items}
DAY = date(2026, 12, 4)


# --- the checklist as data (pure)


def test_every_measure_in_place_is_safe_for_14_days_the_day_included():
    g = safety.grade(ALL_YES, safety.SELF_CHECK_2020, on=DAY)
    assert (g.status, g.unmet, g.valid_until) == ("safe", (), date(2026, 12, 17))


def test_one_minor_measure_missing_is_still_safe_two_are_at_risk():
    one = {**ALL_YES, "ventilation": False}
    assert safety.grade(one, safety.SELF_CHECK_2020, on=DAY).status == "safe"
    two = {**one, "cleaning": False}
    g = safety.grade(two, safety.SELF_CHECK_2020, on=DAY)
    assert g.status == "at_risk" and g.unmet == ("ventilation", "cleaning")


def test_an_essential_measure_missing_is_high_risk_whatever_else():
    for key in ("qr_posted", "masks", "hand_washing"):
        assert safety.grade({**ALL_YES, key: False}, safety.SELF_CHECK_2020, on=DAY).status == "high_risk"


def test_every_item_must_be_answered_and_nothing_else():
    with pytest.raises(safety.Unanswered) as missing:
        safety.grade({k: v for k, v in ALL_YES.items() if k != "masks"}, safety.SELF_CHECK_2020, on=DAY)
    assert missing.value.key == "masks" and missing.value.missing
    with pytest.raises(safety.Unanswered) as unknown:
        safety.grade({**ALL_YES, "karaoke": True}, safety.SELF_CHECK_2020, on=DAY)
    assert unknown.value.key == "karaoke" and not unknown.value.missing
    with pytest.raises(safety.Unanswered):
        safety.grade({**ALL_YES, "masks": "yes"}, safety.SELF_CHECK_2020, on=DAY)


def test_the_checklist_is_chosen_by_date_and_says_whose_rules_they_are():
    later = safety.Checklist("later", "a later set", date(2021, 10, 1), (safety.Item("qr_posted", True),), 0, 7,
                             "deployment")  # fmt: skip
    both = (safety.SELF_CHECK_2020, later)
    assert safety.checklist_for(date(2021, 9, 30), both) is safety.SELF_CHECK_2020
    assert safety.checklist_for(date(2021, 10, 1), both) is later
    assert safety.SELF_CHECK_2020.set_by == "deployment" and "2225" in safety.SELF_CHECK_2020.source


@given(st.fixed_dictionaries({k: st.booleans() for k in ALL_YES}), st.sampled_from(sorted(ALL_YES)))
def test_putting_a_measure_in_place_never_makes_the_status_worse(answers, key):
    rank = {"safe": 0, "at_risk": 1, "high_risk": 2}
    before = safety.grade(answers, safety.SELF_CHECK_2020, on=DAY).status
    after = safety.grade({**answers, key: True}, safety.SELF_CHECK_2020, on=DAY).status
    assert rank[after] <= rank[before]


# --- the service: the owner only, stored with its validity


@pytest.mark.django_db
def test_the_owner_assesses_and_the_status_is_in_force_until_it_expires(venue, owner):
    row = venue_safety_assess(venue=venue, actor=owner, answers={**ALL_YES, "masks": False})
    assert row.status == "high_risk" and row.assessed_by == owner and row.checklist == "self-check-2020"
    today = local_today()
    assert row.valid_until == today + timedelta(days=13)
    assert safety_statuses(venue_ids=[venue.pk], on=today)[venue.pk].status == "high_risk"
    venue_safety_assess(venue=venue, actor=owner, answers=ALL_YES)  # masks handed out: the latest wins
    assert safety_statuses(venue_ids=[venue.pk], on=today)[venue.pk].status == "safe"
    assert safety_statuses(venue_ids=[venue.pk], on=today + timedelta(days=14)) == {}  # expired
    from epiqr.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="venue.safety_assess").count() == 2


@pytest.mark.django_db
def test_another_owner_an_officer_and_staff_cannot_assess(venue, make_user, commune):
    for user in (
        make_user(Role.VENUE_OWNER),
        make_user(Role.COMMUNE_OFFICER, commune=commune),
        make_user(Role.ADMIN),
    ):
        with pytest.raises(Forbidden):
            venue_safety_assess(venue=venue, actor=user, answers=ALL_YES)
    assert not SafetyAssessment.objects.exists()


@pytest.mark.django_db
def test_a_closed_venue_or_a_bad_answer_is_refused_with_the_item_named(venue, owner):
    with pytest.raises(Invalid) as bad:
        venue_safety_assess(venue=venue, actor=owner, answers={**ALL_YES, "masks": None})
    assert bad.value.field == "masks"
    venue.is_active = False
    venue.save()
    with pytest.raises(Invalid):
        venue_safety_assess(venue=venue, actor=owner, answers=ALL_YES)
    assert not SafetyAssessment.objects.exists()


# --- the owner's page and the API


def _login(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.mark.django_db
def test_the_owner_page_saves_and_another_owner_gets_a_404(venue, owner, make_user):
    c = _login(owner)
    form = c.get(f"/venues/{venue.pk}/safety/")
    assert form.status_code == 200 and "qr_posted" in form.content.decode()
    ticked = {k: "on" for k in ALL_YES if k != "distancing"}
    saved = c.post(f"/venues/{venue.pk}/safety/", ticked)
    assert saved.status_code == 302 and saved["Location"] == f"/venues/{venue.pk}/"
    row = SafetyAssessment.objects.get()
    assert row.status == "safe" and row.answers["distancing"] is False
    detail = c.get(f"/venues/{venue.pk}/").content.decode()
    assert 'id="safety"' in detail
    other = _login(make_user(Role.VENUE_OWNER))
    assert other.get(f"/venues/{venue.pk}/safety/").status_code == 404
    assert other.post(f"/venues/{venue.pk}/safety/", ticked).status_code == 404
    assert SafetyAssessment.objects.count() == 1


URL = "/api/v1/venues/{}/safety"


@pytest.mark.django_db
def test_the_api_gives_the_checklist_and_stores_the_owners_answers(venue, owner, api_client):
    mine = api_client(owner)
    mine.cookies["django_language"] = "en"  # the language the person chose (Vietnamese otherwise)
    blank = mine.get(URL.format(venue.pk))
    assert blank.status_code == 200, blank.content
    body = blank.json()
    assert body["assessment"] is None and body["checklist"]["id"] == "self-check-2020"
    assert [i["key"] for i in body["items"]] == list(ALL_YES)
    masks = next(i for i in body["items"] if i["key"] == "masks")
    assert masks == {
        "key": "masks",
        "label": "Staff and visitors wear masks",
        "help": "Essential. A reminder at the door; masks on hand for those who forgot.",
        "essential": True,
        "answer": None,
    }
    vi = api_client(owner).get(URL.format(venue.pk)).json()
    assert next(i for i in vi["items"] if i["key"] == "masks")["label"] == "Nhân viên và khách đeo khẩu trang"

    made = mine.post(
        URL.format(venue.pk),
        {**ALL_YES, "ventilation": False, "cleaning": False},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    got = made.json()["assessment"]
    assert got["status"] == "at_risk" and got["unmet"] == ["ventilation", "cleaning"] and got["in_force"]
    assert got["valid_until"] == (local_today() + timedelta(days=13)).isoformat()
    row = SafetyAssessment.objects.get()
    assert row.assessed_by == owner and row.answers == {**ALL_YES, "ventilation": False, "cleaning": False}
    # what the page and the map read is what the API stored
    assert safety_statuses(venue_ids=[venue.pk], on=local_today())[venue.pk].status == "at_risk"
    again = mine.get(URL.format(venue.pk)).json()
    assert again["assessment"]["status"] == "at_risk"
    assert {i["key"]: i["answer"] for i in again["items"]} == row.answers
    # expired: still the latest, no longer in force (the map shows the venue as not assessed)
    SafetyAssessment.objects.update(valid_until=local_today() - timedelta(days=1))
    assert mine.get(URL.format(venue.pk)).json()["assessment"]["in_force"] is False


@pytest.mark.django_db
def test_the_api_answers_others_as_the_page_does(venue, owner, make_user, commune, api_client):
    """Another owner: 404 (the venue is not in their scope); roles that cannot self-assess (officers of the
    venue's commune, staff, administrators): 403, as /venues/<id>/safety/ answers them. Nothing stored."""
    url = URL.format(venue.pk)
    stranger = make_user(Role.VENUE_OWNER)
    page = _login(stranger)
    assert page.get(f"/venues/{venue.pk}/safety/").status_code == 404
    assert api_client(stranger).get(url).status_code == 404
    assert api_client(stranger).post(url, ALL_YES, content_type="application/json").status_code == 404
    assert api_client(owner).get(URL.format(10**12)).status_code == 404
    for user in (
        make_user(Role.COMMUNE_OFFICER, commune=commune),
        make_user(Role.VENUE_STAFF, org_kind="venue", org_id=venue.pk),
        make_user(Role.ADMIN),
    ):
        assert _login(user).get(f"/venues/{venue.pk}/safety/").status_code == 403
        api = api_client(user)
        assert api.get(url).status_code == 403
        refused = api.post(url, ALL_YES, content_type="application/json")
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert not SafetyAssessment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ALL_YES, "masks": "yes"}, "masks"),
        ({**ALL_YES, "masks": "true"}, "masks"),
        ({**ALL_YES, "distancing": 1}, "distancing"),
        ({**ALL_YES, "distancing": 0}, "distancing"),
        ({**ALL_YES, "cleaning": None}, "cleaning"),
        ({**ALL_YES, "cleaning": [True]}, "cleaning"),
        ({k: v for k, v in ALL_YES.items() if k != "hand_washing"}, "hand_washing"),
        ({**ALL_YES, "karaoke": True}, "karaoke"),
    ],
)
def test_answers_are_json_booleans_for_exactly_the_checklists_items(venue, owner, api_client, body, field):
    answer = api_client(owner).post(URL.format(venue.pk), body, content_type="application/json")
    assert answer.status_code == 422, answer.content
    error = answer.json()
    assert error["field"] == field and field in error["detail"]
    assert not SafetyAssessment.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_no_object_or_a_closed_venue_is_a_422(venue, owner, api_client):
    mine = api_client(owner)
    for raw in ("[true]", "true", '"yes"', "null"):
        assert mine.post(URL.format(venue.pk), raw, content_type="application/json").status_code == 422
    venue.is_active = False
    venue.save()
    closed = mine.post(URL.format(venue.pk), ALL_YES, content_type="application/json")
    assert closed.status_code == 422 and closed.json()["code"] == "venue_inactive"
    assert not SafetyAssessment.objects.exists()


def test_the_apis_fields_are_the_items_of_the_checklist_in_force():
    """A new checklist (a new `safety.Checklist`) must bring its items to the API's input too."""
    from epiqr.venues.api import VenueSafetyIn

    assert list(VenueSafetyIn.model_fields) == [i.key for i in safety.checklist_for(local_today()).items]


@pytest.mark.django_db
def test_the_public_safe_venue_map_shows_the_status_in_force(venue, owner, commune, register):
    from django.core.cache import cache

    unassessed = register(name="Tiệm sách Cũ", address="3 Phố Hàng Gai")
    venue_safety_assess(venue=venue, actor=owner, answers={**ALL_YES, "hand_washing": False})
    cache.clear()
    page = Client().get("/dashboards/open/venues/", {"commune": commune.pk})
    assert page.status_code == 200
    by_code = {v["code"]: v for v in page.context["payload"]["venues"]}
    assert by_code[venue.code]["safety"] == "high_risk"
    assert by_code[venue.code]["safety_until"] == (local_today() + timedelta(days=13)).isoformat()
    assert by_code[unassessed.code]["safety"] == "" and by_code[unassessed.code]["safety_until"] is None
    cache.clear()
