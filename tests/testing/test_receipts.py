"""Batch receipts belong to their sender. Two labs may both call their batch `run-1`, two sampling
devices may both call theirs `lo-1`; the same sender's id sent again with the same content is answered
from the receipt, with other content refused (409). Two identical batches sent at the same moment
store once and both get the receipt's answer (PostgreSQL, threads with their own connections)."""

import threading
import time

import pytest
from django.db import connection

from epiqr.cases.models import Case
from epiqr.core import pgsql
from epiqr.core.permissions import Role
from epiqr.testing.models import BatchReceipt, LabResult, Tube, TubeMember, TubeStatus

pytestmark = pytest.mark.django_db

RESULTS = "/api/v1/testing/results"


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def pairing_url(session) -> str:
    return f"/api/v1/testing/sessions/{session.pk}/batch"


def test_two_labs_may_both_call_their_batch_run_1(
    api_client, filled_tube, lab_tech, make_user, geo, django_capture_on_commit_callbacks
):
    filled_tube("LAB-A001", n=1)
    tube_b = filled_tube("LAB-B001", n=1)
    other_lab = make_user(Role.LAB_TECH, province=geo)
    first = post(
        api_client(lab_tech),
        RESULTS,
        {"client_id": "run-1", "results": [{"barcode": "LAB-A001", "result": "negative"}]},
    )
    assert first.status_code == 200 and first.json()["accepted"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        second = post(
            api_client(other_lab),
            RESULTS,
            {"client_id": "run-1", "results": [{"barcode": "LAB-B001", "result": "positive"}]},
        )
    assert second.status_code == 200, second.content
    assert second.json()["replayed"] is False and second.json()["accepted"] == 1
    tube_b.refresh_from_db()
    assert tube_b.result == "positive"
    # the positive was not dropped: its person is a case now
    assert Case.objects.filter(person_id__in=tube_b.members.values("person_id")).exists()
    assert BatchReceipt.objects.filter(kind="results", client_id="run-1").count() == 2


def test_a_lab_retry_is_replayed_and_its_id_with_other_rows_refused(api_client, filled_tube, lab_tech):
    t1, t2 = filled_tube("LAB-C001", n=1), filled_tube("LAB-C002", n=1)
    client = api_client(lab_tech)
    rows = [{"barcode": t1.barcode, "result": "negative", "ct": 31.5}]
    assert post(client, RESULTS, {"client_id": "run-7", "results": rows}).json()["replayed"] is False
    again = post(client, RESULTS, {"client_id": "run-7", "results": rows})
    assert again.status_code == 200 and again.json()["replayed"] is True and again.json()["accepted"] == 1
    assert LabResult.objects.filter(tube=t1).count() == 1
    other = post(
        client, RESULTS, {"client_id": "run-7", "results": [{"barcode": t2.barcode, "result": "positive"}]}
    )
    assert other.status_code == 409
    assert other.json()["code"] == "client_id_reused" and "client_id" in other.json()["detail"]
    t2.refresh_from_db()
    assert t2.status == TubeStatus.CLOSED and not t2.result
    changed_ct = post(client, RESULTS, {"client_id": "run-7", "results": [{**rows[0], "ct": 20.0}]})
    assert changed_ct.status_code == 409


def test_two_devices_may_both_call_their_pairing_batch_lo_1(
    api_client, pooled_session, sampler, make_user, commune, make_person, qr
):
    other_device = make_user(Role.SAMPLER, commune=commune)
    a, b = make_person(), make_person()
    first = post(
        api_client(sampler),
        pairing_url(pooled_session),
        {"client_id": "lo-1", "tubes": [{"barcode": "PR-0001", "members": [qr(a)]}]},
    )
    second = post(
        api_client(other_device),
        pairing_url(pooled_session),
        {"client_id": "lo-1", "tubes": [{"barcode": "PR-0002", "members": [qr(b)]}]},
    )
    assert first.json()["accepted"] == second.json()["accepted"] == 1
    assert second.json()["replayed"] is False
    assert set(Tube.objects.filter(session=pooled_session).values_list("barcode", flat=True)) == {
        "PR-0001",
        "PR-0002",
    }


def test_a_pairing_retry_is_replayed_and_its_id_with_other_tubes_refused(
    api_client, pooled_session, sampler, make_person, qr
):
    client = api_client(sampler)
    a, b = make_person(), make_person()
    body = {"client_id": "lo-9", "tubes": [{"barcode": "PR-0101", "members": [qr(a)]}]}
    assert post(client, pairing_url(pooled_session), body).json()["replayed"] is False
    assert post(client, pairing_url(pooled_session), body).json() == {
        "accepted": 1,
        "people": 1,
        "rejected": [],
        "replayed": True,
    }
    other = post(
        client,
        pairing_url(pooled_session),
        {"client_id": "lo-9", "tubes": [{"barcode": "PR-0102", "members": [qr(b)]}]},
    )
    assert other.status_code == 409 and other.json()["code"] == "client_id_reused"
    assert not Tube.objects.filter(barcode="PR-0102").exists()


def test_a_long_client_id_fits_its_receipt(api_client, pooled_session, sampler, make_person, qr):
    """The receipt key carries the session id before the device's 64 characters."""
    body = {"client_id": "x" * 64, "tubes": [{"barcode": "PR-0201", "members": [qr(make_person())]}]}
    assert post(api_client(sampler), pairing_url(pooled_session), body).status_code == 200


def _race(send, n: int = 2) -> list:
    """Run `send(i)` in n threads released together; each thread closes its own connection."""
    barrier = threading.Barrier(n)
    answers: list = []
    errors: list = []

    def run(i):
        try:
            barrier.wait()
            answers.append(send(i))
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return answers


@pytest.fixture
def hold_open(monkeypatch):
    """hold_open(module, name): the first call of module.name sleeps inside its transaction after
    doing its work, so that a request sent at the same moment surely meets it half done."""

    def patch(module, name: str):
        real = getattr(module, name)
        calls = []

        def slow(*args, **kwargs):
            out = real(*args, **kwargs)
            calls.append(1)
            if len(calls) == 1:
                time.sleep(0.5)
            return out

        monkeypatch.setattr(module, name, slow)

    return patch


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("widen", [True, False], ids=["held-open", "plain"])
def test_two_identical_pairing_batches_at_the_same_moment(
    require_postgres, api_client, pooled_session, sampler, make_person, qr, hold_open, widen
):
    if widen:
        hold_open(pgsql, "rows_insert")
    people = [make_person() for _ in range(6)]
    body = {
        "client_id": "lo-42",
        "tubes": [
            {"barcode": f"CC-{i:04d}", "members": [qr(p) for p in people[2 * i : 2 * i + 2]]}
            for i in range(3)
        ],
    }
    clients = [api_client(sampler) for _ in range(2)]
    answers = _race(lambda i: post(clients[i], pairing_url(pooled_session), body))
    assert sorted(r.status_code for r in answers) == [200, 200], [r.content for r in answers]
    outs = [r.json() for r in answers]
    assert sorted(o["replayed"] for o in outs) == [False, True]
    assert all(o["accepted"] == 3 and o["people"] == 6 for o in outs)
    assert Tube.objects.filter(barcode__startswith="CC-").count() == 3
    assert TubeMember.objects.filter(tube__barcode__startswith="CC-").count() == 6


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_identical_result_batches_at_the_same_moment(
    require_postgres, api_client, filled_tube, lab_tech, hold_open
):
    hold_open(pgsql, "rows_insert")
    for i in range(3):
        filled_tube(f"RR-{i:04d}", n=2)
    body = {
        "client_id": "lis-5",
        "results": [{"barcode": f"RR-{i:04d}", "result": "negative"} for i in range(3)],
    }
    clients = [api_client(lab_tech) for _ in range(2)]
    answers = _race(lambda i: post(clients[i], RESULTS, body))
    assert sorted(r.status_code for r in answers) == [200, 200], [r.content for r in answers]
    outs = [r.json() for r in answers]
    assert sorted(o["replayed"] for o in outs) == [False, True] and all(o["accepted"] == 3 for o in outs)
    assert LabResult.objects.filter(tube__barcode__startswith="RR-").count() == 3
