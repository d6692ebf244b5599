"""A world for the whole-surface tests (Schemathesis over the API, hostile input on every page): the demo
data at a small scale, staff of several roles with API tokens, and the values a realistic client would
send (ids, barcodes, QR payloads). Built once per test module inside a transaction rolled back after it:
a module asks for it with the `demo_world` fixture (tests/conftest.py)."""

from contextlib import contextmanager

from django.db import transaction
from django.db.models import Q

# The roles every generated request is sent as: they see different parts of the world (jurisdiction,
# organisation) and hold different capabilities, so together they reach 2xx, 403 and 404 answers.
ROLES = (
    "admin",
    "demo-tinh",
    "demo-xa",
    "demo-chu-quan",
    "demo-nhan-vien",
    "demo-lay-mau",
    "demo-xet-nghiem",
    "demo-1022",
)


def build_world(scale: float = 0.05) -> dict:
    """The demo world plus what the API tests draw from; the caller owns the transaction."""
    from epiqr.accounts.models import User
    from epiqr.accounts.services import api_token_create
    from epiqr.cases.models import Case
    from epiqr.cases.services import case_cancel
    from epiqr.core.demo import demo_populate
    from epiqr.core.timeutil import local_today
    from epiqr.geo.models import Province
    from epiqr.geo.services import units_load
    from epiqr.people.models import DocumentKind, IdentityDocument, Person
    from epiqr.people.services import person_personal_qr
    from epiqr.testing.models import SamplingSession, Tube
    from epiqr.testing.services import tube_member_add, tube_open
    from epiqr.tracing.models import TracingRun
    from epiqr.vaccination.models import Session as VaccinationSession
    from epiqr.venues.models import Venue
    from tests.tracing.conftest import reseed_policies

    if not Province.objects.exists():
        units_load()
    reseed_policies()
    world = demo_populate(scale=scale, out=lambda line: None)
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    home = world["home_commune"]
    # Lists start with the values that reach the rarer answers (tests draw from their heads more often):
    # people who are cases already, the tube still open, the staff member's venue.
    cases = list(Person.objects.filter(cases__isnull=False).distinct().order_by("pk"))
    people = cases + list(Person.objects.filter(commune=home).exclude(pk__in=[p.pk for p in cases])[:30])
    # Beyond the demo: a tube still being filled today, and a case cancelled as opened by mistake.
    today = SamplingSession.objects.filter(day=local_today()).order_by("pk").first()
    tube = tube_open(session=today, barcode="FZ-OPEN-0001", actor=users["demo-lay-mau"])
    tube_member_add(tube=tube, person=Person.objects.filter(commune=home).last(), actor=users["demo-lay-mau"])
    case_cancel(case=Case.objects.order_by("-pk").first(), reason="Mở nhầm", actor=users["demo-xa"])
    staff_venue = Venue.objects.get(pk=users["demo-nhan-vien"].org_id)
    mine = Q(commune=home) | Q(owner=users["demo-chu-quan"])
    venues = [
        staff_venue,
        *Venue.objects.filter(mine).exclude(pk=staff_venue.pk).order_by("-owner_id", "pk")[:15],
    ]
    cards = IdentityDocument.objects.filter(person__in=people, kind=DocumentKind.CCCD).select_related(
        "person"
    )
    return {
        "demo": world,
        "users": users,
        "tokens": {name: api_token_create(user=u, name="api-tests") for name, u in users.items()},
        "known": {
            "case": list(Case.objects.order_by("pk").values_list("pk", flat=True)),
            "run": list(TracingRun.objects.order_by("pk").values_list("pk", flat=True)),
            "session": list(SamplingSession.objects.order_by("pk").values_list("pk", flat=True)),
            "open_session": [today.pk],
            # the demo's vaccination sessions, today's first (the station records only there)
            "vaccination_session": [
                pk
                for pk, _day in sorted(
                    VaccinationSession.objects.values_list("pk", "day"), key=lambda s: s[1] != local_today()
                )
            ],
            "barcode": sorted(
                Tube.objects.values_list("barcode", flat=True), key=lambda b: b != "FZ-OPEN-0001"
            ),
            "venue": [v.pk for v in venues],
            "venue_code": [v.code for v in venues],
            "person": [str(p.public_id) for p in people],
            "qr": [person_personal_qr(person=p) for p in people],
            "cccd": [(d.number, d.person.birth_year, d.person.sex) for d in cards],
            "commune": [home.pk],
            "province": [home.province_id],
        },
    }


def _analyze() -> None:
    """PostgreSQL: statistics of the world just built. Its rows are not committed, so autovacuum never
    counts them and the planner takes the tables for empty: the admin's changelists (select_related()
    over ten tables) were then planned as nested loops over whole tables and one page took minutes.
    ANALYZE inside the transaction sees the transaction's own rows."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@contextmanager
def world_for_module(django_db_blocker):
    """build_world() inside a transaction that is rolled back when the module is done."""
    from django.test import override_settings

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(EPIQR_NOTIFY_ADAPTERS={"sms": "fake", "email": "fake", "push": "fake"}):
                world = build_world()
            _analyze()
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
