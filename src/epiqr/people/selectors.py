"""Reads of the person registry, always narrowed to what the user may see."""

import uuid

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from epiqr.accounts.selectors import jurisdiction_filter, user_in_jurisdiction
from epiqr.core.errors import Forbidden, Invalid, NotFound
from epiqr.core.permissions import Role
from epiqr.core.text import fold
from epiqr.geo.models import Commune

from .models import Person
from .phones import PhoneError, normalise_phone


def person_list_visible_to(*, user, query: str = "") -> QuerySet[Person]:
    """People in the user's jurisdiction matching a name (with or without diacritics), phone or ID number."""
    qs = jurisdiction_filter(Person.objects.select_related("commune"), user=user, commune_path="commune")
    return person_search(qs, query=query)


def person_search(qs: QuerySet[Person], *, query: str) -> QuerySet[Person]:
    text = (query or "").strip()
    if not text:
        return qs
    compact = "".join(c for c in text if c not in " .-")
    if compact.isdigit() and len(compact) in (9, 12):
        return qs.filter(documents__number=compact).distinct()
    if len(compact) == 15 and compact[:2].isalpha() and compact[2:].isdigit():
        return qs.filter(documents__number=compact[5:].upper()).distinct()
    if compact.lstrip("+").isdigit():
        try:
            phone = normalise_phone(text)
        except PhoneError:
            return qs.filter(phone__contains=compact) if len(compact) >= 4 else qs.none()
        return qs.filter(Q(phone=phone) | Q(documents__number=compact)).distinct()
    for word in fold(text).split():
        qs = qs.filter(name_folded__contains=word)
    return qs


def person_get_visible(*, user, public_id) -> Person:
    """One person by public id, or NotFound when unknown or outside the user's jurisdiction."""
    try:
        return person_list_visible_to(user=user).prefetch_related("documents").get(public_id=public_id)
    except (Person.DoesNotExist, ValueError) as exc:
        raise NotFound(_("This person is not registered in your jurisdiction."), code="not_found") from exc


def people_on_device(*, public_ids: list[str]) -> list[Person]:
    """The people a citizen's device remembers, in the device's order."""
    valid = []
    for value in public_ids:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    found = {str(p.public_id): p for p in Person.objects.filter(public_id__in=valid)}
    return [found[v] for v in valid if v in found]


def commune_for_registration(*, user, code: int | None) -> Commune | None:
    """The commune a new person is registered in: the given one if in the user's jurisdiction, else theirs."""
    if code is None:
        return user.commune
    commune = Commune.objects.filter(pk=code).first()
    if commune is None:
        raise Invalid(_("There is no commune with code %(code)s.") % {"code": code}, field="commune_code")
    if not user_in_jurisdiction(user=user, commune_id=commune.pk, province_id=commune.province_id):
        raise Forbidden(_("This commune is outside your jurisdiction."), field="commune_code")
    return commune


def communes_for_user(*, user) -> QuerySet[Commune]:
    """Communes a user may register people in (choices of the person form)."""
    qs = Commune.objects.select_related("province").order_by("name")
    if user.is_superuser or user.role == Role.ADMIN:
        return qs
    if user.commune_id:
        return qs.filter(pk=user.commune_id)
    if user.province_id:
        return qs.filter(province_id=user.province_id)
    return qs.none()
