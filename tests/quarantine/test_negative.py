"""A contact whose follow-up turns "negative" (tracing: a test came back negative) keeps the quarantine
the policy set: none of the documents cited shortens it on a negative test, and the history says so. A
person the officer rules out (not a contact after all) has the quarantine ended at once, with the reason."""

import json
from datetime import timedelta

import pytest

from epiqr.core.errors import Invalid, NotFound
from epiqr.quarantine import policy, services
from epiqr.quarantine.models import History, Quarantine, Status
from epiqr.tracing.models import FollowUp
from epiqr.tracing.services import contact_transition


def test_no_policy_shortens_a_quarantine_on_a_negative_test():
    assert not any(p.negative_test_ends for p in policy.POLICIES)


def test_a_negative_test_keeps_the_14_days_and_says_so_in_the_history(
    qworld, settings, django_capture_on_commit_callbacks
):
    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"
    officer = qworld["officer"]
    with django_capture_on_commit_callbacks(execute=True):
        c = contact_transition(contact=qworld["binh"], to=FollowUp.REACHED, actor=officer)
        c = contact_transition(contact=c, to=FollowUp.QUARANTINED, actor=officer)
    q = Quarantine.objects.get(contact=qworld["binh"])
    assert q.end == q.last_exposure + timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        c = contact_transition(contact=c, to=FollowUp.TESTED, actor=officer)
        contact_transition(contact=c, to=FollowUp.NEGATIVE, actor=officer)
    q.refresh_from_db()
    assert (q.status, q.end) == (Status.ACTIVE, q.last_exposure + timedelta(days=14))
    note = History.objects.get(quarantine=q, kind="negative_test")
    assert q.end.strftime("%d/%m/%Y") in note.text and note.actor_id == officer.pk


def test_the_officer_rules_a_person_out_with_a_reason(qworld, settings, client):
    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"
    q = services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"])
    with pytest.raises(Invalid):
        services.quarantine_rule_out(quarantine=q, actor=qworld["officer"], reason="  ")
    with pytest.raises(NotFound):
        services.quarantine_rule_out(quarantine=q, actor=qworld["elsewhere"], reason="Nhầm người")
    assert Quarantine.objects.get(pk=q.pk).status == Status.ACTIVE
    client.force_login(qworld["officer"])
    refused = client.post(f"/quarantine/{q.pk}/act/", {"action": "rule_out", "reason": ""})
    assert refused.status_code == 422
    page = client.post(
        f"/quarantine/{q.pk}/act/",
        {"action": "rule_out", "reason": "Camera cho thấy không cùng thời điểm"},
        follow=True,
    )
    assert page.status_code == 200
    q.refresh_from_db()
    assert q.status == Status.ENDED
    note = History.objects.get(quarantine=q, kind="ruled_out")
    assert note.text == "Camera cho thấy không cùng thời điểm" and note.actor == qworld["officer"]
    assert "Camera cho thấy không cùng thời điểm" in page.content.decode()


def test_api_rule_out(qworld, settings, api_client):
    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-07-cv5599"
    q = services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"])
    url = f"/api/v1/quarantine/{q.pk}/actions"
    api = api_client(qworld["officer"])
    assert (
        api.post(url, json.dumps({"action": "rule_out"}), content_type="application/json").status_code == 422
    )
    done = api.post(
        url, json.dumps({"action": "rule_out", "reason": "Trùng tên"}), content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "ended"
