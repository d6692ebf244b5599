"""Many coordinators accept routings for the last beds of one facility at the same moment, on PostgreSQL
with one connection per coordinator: each bed is taken once, the counts never go negative or past the
total, and every refusal says the bed is gone."""

import threading

import pytest
from django.db import connection

from epiqr.care import services
from epiqr.care.models import BedPool, Routing
from epiqr.core.errors import Conflict
from epiqr.core.permissions import Role

COORDINATORS = 12
FREE = 3


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_last_beds_go_once_each(require_postgres, care, new_patient, make_user):
    icu = care.facilities["t3"]
    BedPool.objects.filter(facility=icu, kind="icu").update(total=5, occupied=5 - FREE)
    coordinators = [
        make_user(Role.FACILITY_COORDINATOR, province=care.commune.province) for _ in range(COORDINATORS)
    ]
    for c in coordinators:
        icu.coordinators.add(c)
    routings = [
        Routing.objects.create(patient=new_patient(rr=34, spo2=84), facility=icu, tier=3, bed_kind="icu")
        for _ in range(COORDINATORS)
    ]
    barrier = threading.Barrier(COORDINATORS)
    accepted, refused, errors = [], [], []

    def accept(coordinator, routing):
        try:
            barrier.wait()
            services.routing_decide(routing_id=routing.pk, actor=coordinator, accept=True)
            accepted.append(routing.pk)
        except Conflict as exc:
            refused.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - any other failure is the test's to report
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=pair) for pair in zip(coordinators, routings, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(accepted) == FREE and refused == ["no_bed"] * (COORDINATORS - FREE)
    pool = BedPool.objects.get(facility=icu, kind="icu")
    assert (pool.occupied, pool.reserved, pool.free) == (5 - FREE, FREE, 0)
    assert sorted(Routing.objects.filter(status="accepted").values_list("pk", flat=True)) == sorted(accepted)

    # The patients arrive at once, and two discharges race the arrivals: never below zero.
    arrived, barrier2 = [], threading.Barrier(FREE)

    def admit(routing_id):
        try:
            barrier2.wait()
            r = Routing.objects.select_related("patient").get(pk=routing_id)
            services.patient_admit(patient=r.patient, actor=coordinators[0])
            arrived.append(routing_id)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=admit, args=(pk,)) for pk in accepted]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(arrived) == FREE
    pool.refresh_from_db()
    assert (pool.occupied, pool.reserved, pool.free) == (5, 0, 0)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_bulk_accepts_racing_for_the_last_beds_take_each_once(require_postgres, care, new_patient, make_user):
    """Four coordinators each accept all at once, at the same moment, while 12 proposals wait for the 5
    last ICU beds: 5 accepted in all, the 7 others reported lost and left proposed, never over the total."""
    icu = care.facilities["t3"]
    BedPool.objects.filter(facility=icu, kind="icu").update(total=8, occupied=3)
    coordinators = [make_user(Role.FACILITY_COORDINATOR, province=care.commune.province) for _ in range(4)]
    for c in coordinators:
        icu.coordinators.add(c)
    routings = [
        Routing.objects.create(patient=new_patient(rr=34, spo2=84), facility=icu, tier=3, bed_kind="icu")
        for _ in range(12)
    ]
    barrier = threading.Barrier(len(coordinators))
    accepted, lost, errors = [], [], []

    def accept_all(coordinator, mine):
        try:
            barrier.wait()
            done = services.routings_accept_bulk(
                facility_id=icu.pk, actor=coordinator, routing_ids=[r.pk for r in mine]
            )
            accepted.extend(done.accepted)
            lost.extend(i for i, _why in done.lost)
        except Exception as exc:  # noqa: BLE001 - any failure is the test's to report
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept_all, args=(c, routings[i * 3 : i * 3 + 3]))
        for i, c in enumerate(coordinators)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(accepted) == 5 and len(lost) == 7 and set(accepted).isdisjoint(lost)
    pool = BedPool.objects.get(facility=icu, kind="icu")
    assert (pool.occupied, pool.reserved, pool.free) == (3, 5, 0)
    assert Routing.objects.filter(status="accepted").count() == 5
    assert Routing.objects.filter(status="proposed").count() == 7
