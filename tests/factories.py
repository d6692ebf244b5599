"""Factories for tests. Made-up people only: names from a fixed list, ID numbers generated valid-looking."""

import itertools
import time

import factory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from epiqr.accounts.models import User
from epiqr.core.permissions import Role, needs_second_factor
from epiqr.core.text import fold
from epiqr.people.models import Person
from epiqr.venues.models import Sector, Venue

PASSWORD = "test-pass-123"
_seq = itertools.count(1)


def user_factory(
    role: str = Role.COMMUNE_OFFICER, *, commune=None, province=None, password: str = PASSWORD, **extra
):
    """A staff user with a role and scope; a commune implies its province.

    A role that needs a second factor gets a confirmed authenticator app (see `otp_device`), so
    `client.force_login(user)` gives a verified session and `browser_login` can type its code."""
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
    if needs_second_factor(user):
        otp_device(user)
    return user


def otp_device(user) -> TOTPDevice:
    """The user's confirmed authenticator app, made if missing (tests only)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def otp_code(user) -> str:
    """The code the user's app shows now. Forgets the last code used first: a test may log the same
    user in twice within one 30-second step, which a real app could not."""
    device = otp_device(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


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


def citizen_phone(*proven, linked=(), kind: str = "otp"):
    """A citizen's phone whose holder proved `proven` people (and only typed the `linked` ones):
    returns (cookie name, cookie value, device). Tests give it to a Client or a browser context."""
    import secrets

    from django.core import signing

    from epiqr.core.device import COOKIE, SALT
    from epiqr.people.services import device_create, device_link, proof_grant

    key = secrets.token_urlsafe(32)
    device = device_create(key=key)
    for person in linked:
        device_link(device=device, person=person, label=person.full_name, phone=person.phone)
    for person in proven:
        proof_grant(device=device, person=person, kind=kind)
    return COOKIE, signing.get_cookie_signer(salt=COOKIE + SALT).sign(key), device


def give_phone(client, *proven, linked=()):
    """Put a citizen's phone (see citizen_phone) into a Django test client; returns the device."""
    name, value, device = citizen_phone(*proven, linked=linked)
    client.cookies[name] = value
    return device
