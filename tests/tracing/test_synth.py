"""`epiqr synth`: a reproducible world with skewed venues and daily peaks, written into the real tables."""

from collections import Counter

import pytest
from django.core.management import call_command

from epiqr.checkins.models import CheckIn
from epiqr.core.timeutil import local
from epiqr.people.models import Person
from epiqr.venues.models import Venue

pytestmark = pytest.mark.django_db


def world_rows(v0, p0):
    return [
        (c.venue_id - v0, c.person_id - p0, c.checked_in_at, c.checked_out_at)
        for c in CheckIn.objects.filter(venue_id__gte=v0, venue_id__lt=v0 + 40).order_by("id")
    ]


def test_same_seed_same_world_with_skew_and_peaks(geo):
    call_command(
        "synth", "--venues", "40", "--people", "300", "--checkins", "4000", "--days", "3", "--seed", "5"
    )
    v0, p0 = Venue.objects.order_by("pk").first().pk, Person.objects.order_by("pk").first().pk
    first = world_rows(v0, p0)
    assert len(first) == 4000 and Venue.objects.count() == 40 and Person.objects.count() == 300
    per_venue = Counter(r[0] for r in first).most_common()
    assert per_venue[0][1] > 3 * per_venue[-1][1]  # popular venues are much busier than quiet ones
    hours = Counter(local(r[2]).hour for r in first)
    assert hours[12] > 5 * hours[3]  # lunch peak, quiet night
    days = {local(r[2]).date() for r in first}
    assert len(days) == 3
    assert all(r[3] is None or r[3] > r[2] for r in first)
    from epiqr.venues.codes import check_char

    code = Venue.objects.first().code
    assert code.startswith("SY") and check_char(code[2:8]) == code[8]

    call_command(
        "synth", "--venues", "40", "--people", "300", "--checkins", "4000", "--days", "3", "--seed", "5"
    )
    v1 = Venue.objects.order_by("pk")[40].pk
    p1 = Person.objects.order_by("pk")[300].pk
    assert world_rows(v1, p1) == first
