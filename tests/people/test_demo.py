import random
import time

import pytest

from epiqr.people import demo
from epiqr.people.idnumber import id_number_check
from epiqr.people.models import DocumentKind, IdentityDocument, Person

pytestmark = pytest.mark.django_db


def test_demo_people_are_believable_consistent_and_fast(geo):
    communes = list(geo.communes.order_by("code"))
    world = {"rng": random.Random(7), "scale": 0.5, "communes": communes}
    started = time.perf_counter()
    demo.populate(world)
    elapsed = time.perf_counter() - started

    assert len(world["people"]) == Person.objects.count() == 1500
    assert all(p.pk for p in world["people"])
    assert elapsed < 10, f"demo people took {elapsed:.1f}s"

    cards = IdentityDocument.objects.filter(kind=DocumentKind.CCCD).select_related("person")
    assert cards.count() > 1000
    for card in cards:
        id_number_check(card.number, birth_year=card.person.birth_year, sex=card.person.sex)
    centre = set(demo.CENTRE)
    in_centre = Person.objects.filter(commune__name__in=centre).count()
    assert in_centre > 0.6 * 1500
    assert Person.objects.filter(commune__name="Phường Hoàn Kiếm").count() > 300
    assert Person.objects.filter(name_folded__startswith="nguyen ").count() > 300
    assert Person.objects.filter(phone="").count() < 600
