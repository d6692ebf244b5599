"""The quarantine lists are heavy reads the streaming replica may serve (core.replica, issue 17): the
commune team's list and the call log, as pages and through the API. The list the officer comes back to
after their own assignment reads the primary, so the change shows even when the standby is behind.

PostgreSQL with a real standby (the `replica` fixture); the SQLite half skips them."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from epiqr.core import replica as routing
from epiqr.quarantine import services
from epiqr.quarantine.models import Quarantine

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
def test_the_team_list_and_the_call_log_read_on_the_standby(replica, qworld, client, api_client):
    q = services.quarantine_place(contact_id=qworld["binh"].pk, actor=None, policy_name="vn-2021-07-cv5599")
    services.call_record(quarantine=q, actor=qworld["officer"], outcome="reached")
    replica.caught_up()
    client.force_login(qworld["officer"])
    page, sql = on_standby(client, "/quarantine/")
    assert [x.pk for x in page.context["page"].items] == [q.pk]
    assert any("quarantine_quarantine" in s for s in sql)
    page, sql = on_standby(client, "/quarantine/calls/")
    assert len(page.context["page"].items) == 1 and any("quarantine_call" in s for s in sql)
    api = warm(api_client(qworld["officer"]))
    body, sql = on_standby(api, "/api/v1/quarantine/")
    assert [x["id"] for x in body.json()["items"]] == [q.pk]
    assert any("quarantine_quarantine" in s for s in sql)
    body, sql = on_standby(api, "/api/v1/quarantine/calls")
    assert len(body.json()["items"]) == 1 and any("quarantine_call" in s for s in sql)


@ON_BOTH
def test_the_list_after_ones_own_assignment_reads_the_primary(replica, qworld, client, make_user, commune):
    """The standby is paused (it cannot have the assignment): the list the officer is sent back to still
    shows Lan as the assignee, because that page reads the primary."""
    lan = make_user("commune_officer", commune=commune, username="lan-doi-xa")
    q = services.quarantine_place(contact_id=qworld["binh"].pk, actor=None, policy_name="vn-2021-07-cv5599")
    replica.caught_up()
    client.force_login(qworld["officer"])
    replica.pause()
    routing.unit_of_work_start()
    done = client.post("/quarantine/assign/", {"quarantine": [q.pk], "assignee": lan.pk, "back": ""})
    assert done.status_code == 302
    assert Quarantine.objects.get(pk=q.pk).assignee_id == lan.pk
    routing.unit_of_work_start()  # the redirect is a new request that has written nothing
    with CaptureQueriesContext(connections["replica"]) as seen:
        back = client.get(done["Location"])
    assert [x.assignee_id for x in back.context["page"].items] == [lan.pk]
    assert not any("quarantine_quarantine" in s["sql"] for s in seen.captured_queries)
    # the next visit, with no change of its own to show, is served by the standby again
    replica.resume()
    replica.caught_up()
    again, sql = on_standby(client, "/quarantine/")
    assert [x.assignee_id for x in again.context["page"].items] == [lan.pk]
    assert any("quarantine_quarantine" in s for s in sql)
