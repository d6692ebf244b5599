"""Lists per commune team: each contact placed in quarantine is given to a commune officer by round-robin
(the one following the fewest), re-assigned in bulk by an officer of the area (scope before the write),
"my list" and "my calls" for an officer, and the officer told of a silent diary is the assigned one."""

import json
from datetime import datetime, time, timedelta

import pytest

from epiqr.core import timeutil
from epiqr.core.errors import Invalid, NotFound
from epiqr.core.timeutil import VN_TZ
from epiqr.quarantine import services
from epiqr.quarantine.models import History, Quarantine


@pytest.fixture
def team(qworld, make_user, commune):
    """The commune's team: the world's officer and Lan (made up), who has an email."""
    return [qworld["officer"], make_user("commune_officer", commune=commune, email="lan@example.test")]


def place(qworld, key):
    return services.quarantine_place(contact_id=qworld[key].pk, actor=None, policy_name="vn-2021-07-cv5599")


def test_placed_contacts_go_round_robin_to_the_commune_team(qworld, team, other_commune, make_user):
    first, second = place(qworld, "binh"), place(qworld, "chi")
    assert {first.assignee_id, second.assignee_id} == {u.pk for u in team}
    assert (
        place(qworld, "dung").assignee is None
        or place(qworld, "dung").assignee.commune_id == other_commune.pk
    )


def test_bulk_assign_checks_scope_before_writing(qworld, team, client):
    a, b = place(qworld, "binh"), place(qworld, "chi")
    elsewhere = place(qworld, "dung")
    lan = team[1]
    with pytest.raises(NotFound):  # a quarantine of another commune among them: nothing written
        services.quarantines_assign(
            actor=qworld["officer"], quarantine_ids=[a.pk, elsewhere.pk], assignee_id=lan.pk
        )
    with pytest.raises(NotFound):  # the officer of another commune
        services.quarantines_assign(actor=qworld["elsewhere"], quarantine_ids=[a.pk], assignee_id=lan.pk)
    with pytest.raises(Invalid):  # an assignee who is not of the contact's commune
        services.quarantines_assign(
            actor=qworld["officer"], quarantine_ids=[a.pk], assignee_id=qworld["elsewhere"].pk
        )
    assert not History.objects.filter(kind="assigned").exists()
    client.force_login(qworld["officer"])
    done = client.post(
        "/quarantine/assign/", {"quarantine": [a.pk, b.pk], "assignee": lan.pk, "back": "status=active"}
    )
    assert done.status_code == 302 and done["Location"] == "/quarantine/?status=active"
    assert set(Quarantine.objects.filter(pk__in=[a.pk, b.pk]).values_list("assignee_id", flat=True)) == {
        lan.pk
    }
    assert History.objects.filter(kind="assigned", quarantine=a, actor=qworld["officer"]).exists()
    refused = client.post("/quarantine/assign/", {"quarantine": [elsewhere.pk], "assignee": "none"})
    assert refused.status_code == 404
    # "my list": Lan's contacts; "nobody yet" after un-assigning one
    client.post("/quarantine/assign/", {"quarantine": [b.pk], "assignee": "none"})
    mine = client.get(f"/quarantine/?assignee={lan.pk}")
    assert [q.pk for q in mine.context["page"].items] == [a.pk]
    assert [q.pk for q in client.get("/quarantine/?assignee=none").context["page"].items] == [b.pk]
    assert client.get(f"/quarantine/?assignee={qworld['elsewhere'].pk}").status_code == 400  # not of the area


def test_my_calls(qworld, team, client):
    a = place(qworld, "binh")
    services.call_record(quarantine=a, actor=team[0], outcome="reached")
    services.call_record(quarantine=a, actor=team[1], outcome="no_answer")
    client.force_login(team[1])
    calls = client.get(f"/quarantine/calls/?by={team[1].pk}").context["page"].items
    assert [c.by_id for c in calls] == [team[1].pk]


def test_api_assign(qworld, team, api_client):
    """The scenario behind tests/api/test_schemathesis.py RACES: 200 for one's own area, 404 otherwise."""
    a = place(qworld, "binh")
    elsewhere = place(qworld, "dung")
    api = api_client(qworld["officer"])
    ok = api.post(
        "/api/v1/quarantine/assign",
        json.dumps({"quarantine_ids": [a.pk], "assignee_id": team[1].pk}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json() == {"assigned": 1}
    far = api.post(
        "/api/v1/quarantine/assign",
        json.dumps({"quarantine_ids": [elsewhere.pk], "assignee_id": None}),
        content_type="application/json",
    )
    assert far.status_code == 404
    assert (
        api.get(f"/api/v1/quarantine/?assignee={team[1].pk}").json()["items"][0]["assignee_id"] == team[1].pk
    )


def test_a_silent_diary_tells_the_assigned_officer(qworld, team, monkeypatch, sent_messages):
    a = place(qworld, "binh")
    services.quarantines_assign(actor=qworld["officer"], quarantine_ids=[a.pk], assignee_id=team[1].pk)
    monkeypatch.setattr(
        timeutil, "now", lambda: datetime.combine(a.start + timedelta(days=2), time(0, 40), VN_TZ)
    )
    assert services.diaries_chase() == {"reminders": 2, "alerts": 1}
    told = [m.recipient for m in sent_messages if f"#{a.pk}" in m.body]
    assert told == ["lan@example.test"]
