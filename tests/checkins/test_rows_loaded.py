"""core.rows.loaded (the scan's person and check-in): instances behave as rows loaded from the database."""

from django.db import connection

from epiqr.checkins import services
from epiqr.core import audit
from epiqr.core.rows import loaded
from epiqr.people.models import Person
from epiqr.people.selectors import person_for_scanned_document
from tests.factories import VenueFactory

from .conftest import cccd_payload


def test_a_scans_check_in_is_the_stored_row_with_nothing_left_to_load(venue, django_assert_num_queries):
    payload = cccd_payload()
    services.checkin_scan(venue_id=venue.pk, payload=payload)  # registers the person
    other = VenueFactory(commune=venue.commune, owner=venue.owner)
    out = services.checkin_scan(venue_id=other.pk, payload=payload)  # a known card: the one statement
    checkin = out.checkin
    stored = type(checkin).objects.get(pk=checkin.pk)
    with django_assert_num_queries(0):
        assert checkin.get_deferred_fields() == set()
        for field in stored._meta.concrete_fields:
            assert getattr(checkin, field.attname) == getattr(stored, field.attname), field.name
    assert out.person.pk == checkin.person_id


def test_fields_not_given_load_on_access_as_deferred_fields_do(venue):
    person = services.checkin_scan(venue_id=venue.pk, payload=cccd_payload()).person
    partial = loaded(Person, {"id": person.pk, "full_name": person.full_name}, using=connection.alias)
    assert "public_id" in partial.get_deferred_fields()
    assert partial.public_id == Person.objects.get(pk=person.pk).public_id


def test_a_person_loaded_this_way_inside_an_audited_read_is_recorded(venue, make_user):
    from epiqr.people.parsers import parse_payload

    payload = cccd_payload()
    person = services.checkin_scan(venue_id=venue.pk, payload=payload).person
    with audit.reading(actor=make_user("admin"), action="test.read") as read:
        found = person_for_scanned_document(doc=parse_payload(payload))
    assert found.pk == person.pk
    assert read.people == {person.pk}
