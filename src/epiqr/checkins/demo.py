"""Demo check-ins: a few days of believable visits (regulars, opening hours, busy venues) and declarations."""

from datetime import timedelta

from epiqr.core.timeutil import local_today, now, start_of_local_day

from .models import SYMPTOMS, CheckIn, DeclarationKind, HealthDeclaration, Method
from .services import venue_counts_rollup

DAYS = 5
BASE_CHECKINS = 20_000
MAX_CHECKINS = 30_000
# Local hour weights 6:00-22:00: a morning peak (markets, cafés) and an evening peak (eateries).
HOUR_WEIGHTS = {
    6: 3,
    7: 6,
    8: 6,
    9: 4,
    10: 3,
    11: 5,
    12: 6,
    13: 3,
    14: 2,
    15: 2,
    16: 3,
    17: 5,
    18: 7,
    19: 7,
    20: 5,
    21: 3,
}
METHODS = [Method.SELF] * 8 + [Method.STAFF] * 2
# Opening hours (local, first and last hour a visit may start) of sectors that keep office hours;
# the others take visits from 6:00 to 21:59.
OPENING_HOURS = {"school": (6, 16), "workplace": (7, 17), "health": (6, 19), "religious": (6, 19)}


def _hour_choices(sector: str) -> tuple[list[int], list[int]]:
    first, last = OPENING_HOURS.get(sector, (6, 21))
    hours = [h for h in HOUR_WEIGHTS if first <= h <= last]
    return hours, [HOUR_WEIGHTS[h] for h in hours]


def populate(world: dict) -> None:
    rng = world["rng"]
    venues = [v for v in world.get("venues", []) if v.is_active and not v.starts_at]
    people = list(world.get("people", []))
    if not venues or not people:
        return
    owned = [v for v in venues if v.owner_id]
    # Heavy-tailed popularity, capped: uncapped, one venue drew most of the city's visits.
    popularity = [min(rng.paretovariate(1.2), 15.0) * (8 if v in owned else 1) for v in venues]
    habits = {p.pk: rng.choices(venues, popularity, k=3) for p in people}
    total = min(MAX_CHECKINS, int(BASE_CHECKINS * world.get("scale", 1.0)))
    by_sector = {sector: _hour_choices(sector) for sector in {str(v.sector) for v in venues}}
    current = now()
    today = local_today()
    rows: list[CheckIn] = []
    seen: set[tuple] = set()
    while len(rows) < total:
        person = rng.choice(people)
        venue = rng.choice(habits[person.pk]) if rng.random() < 0.7 else rng.choices(venues, popularity)[0]
        day = today - timedelta(days=rng.randrange(DAYS))
        hours, hour_weights = by_sector[str(venue.sector)]
        at = start_of_local_day(day) + timedelta(
            hours=rng.choices(hours, hour_weights)[0], minutes=rng.randrange(60), seconds=rng.randrange(60)
        )
        if at > current or (venue.pk, person.pk, at.date(), at.hour) in seen:
            continue
        seen.add((venue.pk, person.pk, at.date(), at.hour))
        stay = timedelta(minutes=rng.randint(10, 120))
        rows.append(
            CheckIn(
                venue=venue,
                person=person,
                checked_in_at=at,
                checked_out_at=at + stay if rng.random() < 0.3 and at + stay < current else None,
                method=rng.choice(METHODS),
                has_symptoms=rng.random() < 0.02,
            )
        )
    CheckIn.objects.bulk_create(rows, batch_size=2000)
    for i in range(1, DAYS):
        venue_counts_rollup(day=today - timedelta(days=i))
    venue_counts_rollup(day=today)
    _declarations(world, rng, people)


def _declarations(world: dict, rng, people: list) -> None:
    home = world.get("home_commune")
    communes = world.get("communes") or ([home] if home else [])
    if not communes:
        return
    symptoms = list(SYMPTOMS)
    rows = []
    with_phone = [p for p in people if p.phone]
    local = [p for p in with_phone if home and p.commune_id == home.pk]  # the demo commune officer's people
    others = [p for p in with_phone if p not in local]
    chosen = rng.sample(local, min(40, len(local))) + rng.sample(others, min(20, len(others)))
    for person in chosen:
        flagged = rng.random() < 0.25
        rows.append(
            HealthDeclaration(
                kind=DeclarationKind.DOMESTIC,
                person=person,
                full_name=person.full_name,
                birth_year=person.birth_year or 1980,
                sex=person.sex,
                nationality="Việt Nam",
                phone=person.phone,
                commune_id=person.commune_id or (home or rng.choice(communes)).pk,
                address=person.address or "Số 1 Phố Demo",
                visited=rng.choice(["", "", "Bắc Ninh", "TP Hồ Chí Minh", "Đà Nẵng"]),
                symptoms=rng.sample(symptoms, rng.randint(1, 2)) if flagged else [],
                exposures=["contact_symptoms"] if flagged and rng.random() < 0.3 else [],
                flagged=flagged,
            )
        )
    HealthDeclaration.objects.bulk_create(rows)
