"""Factories for tests. Made-up people only: names from a fixed list, ID numbers generated valid-looking."""

import itertools

import factory

from epiqr.accounts.models import User
from epiqr.core.permissions import Role
from epiqr.core.text import fold
from epiqr.people.models import Person
from epiqr.venues.models import Sector, Venue

PASSWORD = "test-pass-123"
_seq = itertools.count(1)


def user_factory(
    role: str = Role.COMMUNE_OFFICER, *, commune=None, province=None, password: str = PASSWORD, **extra
):
    """A staff user with a role and scope; a commune implies its province."""
    n = next(_seq)
    user = User(
        username=extra.pop("username", f"{role}{n}"),
        role=role,
        commune=commune,
        province=province or (commune.province if commune else None),
        is_superuser=role == Role.ADMIN,
        is_staff=role == Role.ADMIN,
        **extra,
    )
    user.set_password(password)
    user.save()
    return user


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Iterator(
        ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Quốc Dũng", "Hoàng Thu Hà"]
    )
    name_folded = factory.LazyAttribute(lambda o: fold(o.full_name))
    birth_year = 1990
    sex = "M"
    phone = factory.Sequence(lambda n: f"09{n:08d}")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"Quán cà phê Thử Nghiệm {n}")
    name_folded = factory.LazyAttribute(lambda o: fold(o.name))
    sector = Sector.FOOD
    address = "1 Phố Thử"
    capacity = 50
