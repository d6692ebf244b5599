"""The personal health status: a versioned policy over facts from cases, tracing and testing, shown to the
proven citizen and used by venues that refuse a red status at the door."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from epiqr.core.permissions import Role
from epiqr.core.timeutil import now
from epiqr.vaccination import status
from epiqr.vaccination.schedules import PriorDose
from tests.factories import VenueFactory, give_phone

AT = datetime(2021, 12, 1, 10, 0, tzinfo=UTC)
POLICY = status.policy_for(AT.date())


def colour(**facts) -> str:
    return status.status(POLICY, status.Facts(**facts), AT).colour


def test_every_rule_cites_a_source_and_a_day():
    for policy in status.POLICIES:
        for rule in policy.rules:
            assert ("NQ-CP" in rule.source or "BYT" in rule.source) and rule.effective >= date(2021, 1, 1)


def test_the_colours_of_the_narrated_people():
    """Minh had two Pfizer doses in October: green from 14 days after the second, for a year. His
    mother had one: yellow. His neighbour, never vaccinated, tested negative yesterday: yellow for 72
    hours, then grey. His colleague is an F1 in quarantine since Monday: red, whatever his doses."""
    two = (PriorDose(date(2021, 10, 1), "PFIZER"), PriorDose(date(2021, 10, 22), "PFIZER"))
    assert colour(doses=two) == "green"
    assert (
        status.status(POLICY, status.Facts(doses=two), datetime(2021, 11, 1, tzinfo=UTC)).colour == "yellow"
    )
    assert colour(doses=two[:1]) == "yellow"
    assert colour(negative_test_at=AT - timedelta(hours=30)) == "yellow"
    assert colour(negative_test_at=AT - timedelta(hours=80)) == "grey"
    assert colour(doses=two, quarantined_since=AT - timedelta(days=2)) == "red"
    assert colour(doses=two, quarantined_since=AT - timedelta(days=20)) == "green"  # quarantine over
    assert colour(active_case=True, doses=two) == "red"
    assert colour(recovered_from=date(2021, 9, 1)) == "green"
    assert colour(recovered_from=date(2021, 1, 1)) == "grey"  # more than 6 months ago
    assert colour() == "grey"
    late = status.status(POLICY, status.Facts(doses=two), datetime(2022, 11, 1, tzinfo=UTC))
    assert late.colour == "yellow"  # the last dose is more than 12 months old


def test_a_certificate_alone_gives_the_verifier_its_colour():
    full = [{"dn": 2, "sd": 2, "dt": "2021-10-22"}]
    assert status.status_of_certificate(POLICY, kind="v", entries=full, at=AT).colour == "green"
    assert (
        status.status_of_certificate(
            POLICY, kind="v", entries=[{"dn": 1, "sd": 2, "dt": "2021-10-22"}], at=AT
        ).colour
        == "yellow"
    )
    assert (
        status.status_of_certificate(POLICY, kind="r", entries=[{"fr": "2021-09-01"}], at=AT).colour
        == "green"
    )
    test = [{"tr": status.NOT_DETECTED, "sc": "2021-11-30T12:00:00Z"}]
    assert status.status_of_certificate(POLICY, kind="t", entries=test, at=AT).colour == "yellow"
    assert status.status_of_certificate(POLICY, kind="v", entries=[{"dt": "garbage"}], at=AT).colour == "grey"


@pytest.mark.django_db
def test_the_status_shows_on_the_personal_qr_page_of_the_proven_person(make_person, give_dose):
    person = make_person(full_name="Lạc Thị Hằng")
    give_dose(person, "PFIZER", days_ago=60)
    give_dose(person, "PFIZER", days_ago=30)
    phone = Client()
    give_phone(phone, person)
    page = phone.get("/people/my-qr/").content.decode()
    assert 'data-status-colour="green"' in page


@pytest.mark.django_db
def test_a_venue_that_refuses_red_turns_away_an_f1_in_quarantine(commune, make_user, make_person, qr):
    from epiqr.checkins.models import CheckIn
    from epiqr.checkins.services import checkin_scan
    from epiqr.tracing.models import Contact, FollowUp
    from epiqr.vaccination.services import door_rule_set
    from tests.tracing.bigrun import big_run

    owner = make_user(Role.VENUE_OWNER)
    strict, relaxed = VenueFactory(commune=commune, owner=owner), VenueFactory(commune=commune, owner=owner)
    f1 = make_person(full_name="Tô Văn Kiên")
    run = big_run(case=_case(make_person()), venue=strict, communes=[commune], f1=1, people=[f1])
    Contact.objects.filter(run=run, person=f1).update(
        status=FollowUp.QUARANTINED, status_changed_at=now() - timedelta(days=2)
    )
    door_rule_set(venue=strict, refuse_red=True, actor=owner)
    refused = checkin_scan(venue_id=strict.pk, payload=qr(f1), actor=owner)
    assert refused.status == "refused" and refused.reason_code == "health_status"
    assert "F1" in refused.reason and not CheckIn.objects.filter(venue=strict, person=f1).exists()
    assert checkin_scan(venue_id=relaxed.pk, payload=qr(f1), actor=owner).status == "ok"  # no rule there


@pytest.mark.django_db
def test_owners_set_the_rule_for_their_own_venues_only(client, commune, make_user):
    owner, other = make_user(Role.VENUE_OWNER), make_user(Role.VENUE_OWNER)
    mine, theirs = VenueFactory(commune=commune, owner=owner), VenueFactory(commune=commune, owner=other)
    client.force_login(owner)
    assert mine.name in client.get("/vaccination/door/").content.decode()
    client.post("/vaccination/door/", {"venue": mine.pk, "refuse_red": "on"})
    client.post("/vaccination/door/", {"venue": theirs.pk, "refuse_red": "on"})
    from epiqr.vaccination.models import DoorRule

    assert list(DoorRule.objects.values_list("venue_id", flat=True)) == [mine.pk]
    assert client.post("/vaccination/door/", {"venue": "99999999999999999999999"}).status_code == 302


def _case(person):
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    return case_open(person=person, confirmed_on=local_today())
