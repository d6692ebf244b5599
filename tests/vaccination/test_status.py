"""The personal health status: a versioned policy over facts from cases, quarantine and testing, shown to the
proven citizen and used by venues that refuse a red status at the door."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from epiqr.core.permissions import Role
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
    monday = date(2021, 11, 29)
    assert colour(doses=two, quarantine=(monday, monday + timedelta(days=13))) == "red"
    assert colour(doses=two, quarantine=(date(2021, 11, 10), date(2021, 11, 23))) == "green"  # over
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
