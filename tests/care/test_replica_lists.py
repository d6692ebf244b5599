"""Care's heavy list reads may be served by the streaming replica (core.replica, issue 17): the F0 patient
list (page and API) and the bed capacity of the facilities. The pages that follow a form (home, a
facility's page, a patient's page) stay on the primary.

PostgreSQL with a real standby (the `replica` fixture); the SQLite half skips them."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from epiqr.core import replica as routing

ON_BOTH = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def warm(api):
    """A token's first use in five minutes records when it was used: a write, after which that request
    reads the primary (its own write). Use it once, as any client in service has."""
    assert api.get("/api/v1/accounts/me").status_code == 200
    return api


def on_standby(client, url):
    """GET `url` as a new request; the statements the standby answered."""
    routing.unit_of_work_start()
    with CaptureQueriesContext(connections["replica"]) as seen:
        answer = client.get(url)
    assert answer.status_code == 200, answer.content[:300]
    return answer, [q["sql"] for q in seen.captured_queries]


@ON_BOTH
def test_the_patient_list_and_the_capacity_read_on_the_standby(
    replica, care, new_patient, client, api_client
):
    patient = new_patient(full_name="Hà Thị Thử", rr=22, spo2=95)
    replica.caught_up()
    client.force_login(care.officer)
    page, sql = on_standby(client, "/care/patients/")
    assert [p.pk for p in page.context["page"].items] == [patient.pk]
    assert any("care_patient" in s for s in sql)
    api = warm(api_client(care.officer))
    body, sql = on_standby(api, "/api/v1/care/patients")
    assert [p["id"] for p in body.json()["items"]] == [patient.pk]
    assert any("care_patient" in s for s in sql)
    body, sql = on_standby(api, "/api/v1/care/capacity")
    assert body.json() and any("care_bedpool" in s or "care_facility" in s for s in sql)


@ON_BOTH
def test_a_patients_own_page_after_a_change_stays_on_the_primary(replica, care, new_patient, client):
    patient = new_patient(full_name="Hà Văn Thử")
    replica.caught_up()
    client.force_login(care.officer)
    routing.unit_of_work_start()
    with CaptureQueriesContext(connections["replica"]) as seen:
        assert client.get(f"/care/patients/{patient.pk}/").status_code == 200
        assert client.get("/care/").status_code == 200
    assert not any("care_patient" in q["sql"] for q in seen.captured_queries)
