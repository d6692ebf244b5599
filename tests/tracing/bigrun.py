"""A stored tracing run with many made-up contacts, written straight into the tables (the engine that finds
contacts is tested elsewhere; lists only need rows to page through)."""

from datetime import timedelta

from epiqr.core.text import fold
from epiqr.core.timeutil import now
from epiqr.people.models import Person
from epiqr.tracing import exposures
from epiqr.tracing.models import Contact, TracingRun

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Hà", "Khoa", "Lan", "Minh", "Ngọc", "Phúc")


def made_up_name(i: int) -> str:
    return f"{FAMILY[i % len(FAMILY)]} Thử {GIVEN[(i // len(FAMILY)) % len(GIVEN)]} {i:04d}"


def big_run(
    *, case, venue, communes, f1: int, f2: int = 0, status: str = "reviewed", people=None
) -> TracingRun:
    """A run of `case` with `f1` F1 and `f2` F2 contacts at `venue`, living in turn in each of `communes`
    (or the given `people`); every third contact is low risk; F2 number k was reached through F1 number
    k % f1."""
    at = now() - timedelta(days=1)
    run = TracingRun.objects.create(
        case=case,
        degree=2 if f2 else 1,
        period_start=at - timedelta(days=2),
        period_end=at,
        status=status,
        contact_count=f1 + f2,
        policy_snapshot={"name": "vn-window-60", "version": 1},
    )
    people = (
        list(people)
        if people is not None
        else Person.objects.bulk_create(
            [
                Person(
                    full_name=made_up_name(i),
                    name_folded=fold(made_up_name(i)),
                    phone=f"0988{i:06d}",
                    commune=communes[i % len(communes)],
                    birth_year=1980 + i % 30,
                )
                for i in range(f1 + f2)
            ]
        )
    )

    def packed(i, first, overlap, risk):
        return exposures.pack(
            [
                exposures.StoredExposure(
                    position=0,
                    venue_id=venue.pk,
                    checkin_id=10_000 + i,
                    start=first,
                    end=first + timedelta(minutes=30),
                    source_person_id=case.person_id if i < f1 else people[(i - f1) % f1].pk,
                    source_checkin_id=20_000 + (0 if i < f1 else (i - f1) % f1),
                    source_start=first,
                    source_end=first + timedelta(minutes=40),
                    overlap_minutes=overlap,
                    weighted_minutes=None,
                    risk=risk,
                )
            ]
        )

    Contact.objects.bulk_create(
        [
            Contact(
                run=run,
                person=p,
                degree=1 if i < f1 else 2,
                risk=risk,
                overlap_minutes=10 + i % 50,
                first_exposed_at=at - timedelta(minutes=i),
                commune=p.commune,
                exposure_data=packed(i, at - timedelta(minutes=i), 10 + i % 50, risk),
                venues_text=exposures.venues_text([venue.pk]),
            )
            for i, p in enumerate(people)
            for risk in ["low" if i % 3 == 2 else "high"]
        ]
    )
    return run
