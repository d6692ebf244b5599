"""Reads of the vaccination domain, narrowed to the user's jurisdiction (the commune of the site)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epiqr.accounts.selectors import commune_filter, jurisdiction_filter
from epiqr.core.errors import NotFound
from epiqr.core.lists import Filter, FilterKind, ListSpec, Sort
from epiqr.core.timeutil import now

from .models import PRODUCT_CHOICES, Certificate, Dose, Lot, Session, Site


def site_list_visible_to(*, user) -> QuerySet[Site]:
    return jurisdiction_filter(Site.objects.select_related("commune"), user=user, commune_path="commune")


def session_list_visible_to(*, user) -> QuerySet[Session]:
    return jurisdiction_filter(
        Session.objects.select_related("site", "site__commune", "lot"),
        user=user,
        commune_path="site__commune",
    )


def session_get_visible(*, user, pk: int) -> Session:
    session = session_list_visible_to(user=user).filter(pk=pk).first()
    if session is None:
        raise NotFound(_("No such vaccination session in your area."), code="session_not_found")
    return session


def session_dose_counts(*, sessions) -> dict[int, int]:
    ids = [s.pk for s in sessions]
    rows = Dose.objects.filter(session_id__in=ids).values("session_id").annotate(n=Count("id")).order_by()
    found = {r["session_id"]: r["n"] for r in rows}
    return {i: found.get(i, 0) for i in ids}


SESSIONS = ListSpec(
    name="vaccination_sessions",
    filters=(
        Filter("product", gettext_lazy("Vaccine"), choices=PRODUCT_CHOICES),
        commune_filter(lookup="site__commune_id"),
        Filter("since", gettext_lazy("From day"), kind=FilterKind.DATE, lookup="day__gte"),
        Filter("until", gettext_lazy("Until day"), kind=FilterKind.DATE, lookup="day__lte"),
    ),
    sorts=(Sort("day", gettext_lazy("Day"), ("day", "id")),),
    default_sort="-day",
    model=Session,
)


# A timer past its end stays on the list (flagged "observation over") until someone ends it, for 2 hours.
OBSERVATION_GRACE = timedelta(hours=2)


def session_doses(*, session: Session) -> QuerySet[Dose]:
    return Dose.objects.filter(session=session).select_related("person", "lot").order_by("-given_at", "-id")


def observation_list(*, session: Session, at=None) -> list[Dose]:
    """Doses of the session still under post-vaccination observation (the timer list), oldest first."""
    at = at or now()
    return list(
        Dose.objects.filter(session=session, observe_until__isnull=False, observed_at__isnull=True)
        .filter(observe_until__gt=at - OBSERVATION_GRACE)
        .select_related("person")
        .order_by("observe_until", "id")
    )


def dose_list_for_person(*, person_id: int) -> list[Dose]:
    return list(Dose.objects.filter(person_id=person_id).select_related("site", "lot").order_by("given_at"))


def lot_list_usable(*, product: str, on: date) -> QuerySet[Lot]:
    return Lot.objects.filter(product=product, expires_on__gte=on).order_by("expires_on", "number")


def certificate_list_for_person(*, person_id: int) -> list[Certificate]:
    return list(Certificate.objects.filter(person_id=person_id).order_by("-issued_at"))


def dose_get_visible(*, user, pk: int) -> Dose:
    """A dose recorded at a session of the user's area (AEFI, observation)."""
    dose = (
        jurisdiction_filter(
            Dose.objects.select_related("session__site", "person"), user=user, commune_path="site__commune"
        )
        .filter(pk=pk)
        .first()
    )
    if dose is None:
        raise NotFound(_("No such dose in your area."), code="dose_not_found")
    return dose


# --- verification against the published trust list ----------------------------------------------------

TRUST_CACHE_SECONDS = 60  # a key rotation or withdrawal reaches every worker's verifier within a minute
_trust: dict = {"at": 0.0, "keys": {}, "withdrawn": set()}


def _trusted() -> dict:
    import base64
    import time

    from epiqr.core import keyring

    if time.monotonic() - _trust["at"] > TRUST_CACHE_SECONDS:
        _trust["keys"] = {k.kid: k.public_key for k in keyring.published_keys("dcc")}
        _trust["withdrawn"] = {base64.b64decode(kid) for kid in keyring.withdrawn_kids("dcc")}
        _trust["at"] = time.monotonic()
    return _trust


def trust_refresh() -> None:
    """Forget the cached trust list (after a rotation or a withdrawal in this process; tests)."""
    _trust["at"] = 0.0


def certificate_verify(*, code: str, at=None):
    """The verdict on a scanned `HC1:` code against EpiQR's own trust list and revocation list."""
    from epiqr.core import keyring

    from . import dcc

    trust = _trusted()
    return dcc.verify_code(
        code,
        keys=trust["keys"].get,
        withdrawn=lambda kid: kid in trust["withdrawn"],
        revoked=lambda identifier: keyring.is_revoked("dcc", identifier),
        at=at or now(),
    )


def certificate_get(*, public_id) -> Certificate | None:
    return Certificate.objects.filter(public_id=public_id).select_related("person", "dose").first()
