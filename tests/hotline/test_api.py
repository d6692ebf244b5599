"""The hotline through its API, as a softphone integration would use it: an operator files a call and
works it; a move the status machine refuses is a 409 with its reason, and nothing changes."""

from epiqr.hotline.models import Status, Ticket


def test_an_operator_files_a_call_and_a_refused_move_changes_nothing(hotline, api_client, commune):
    client = api_client(hotline.operator)
    filed = client.post(
        "/api/v1/hotline/tickets",
        {
            "phone": "0912345678",
            "category": "supplies",
            "description": "Nhà 4 người hết gạo từ hôm qua",
            "commune_code": commune.code,
        },
        content_type="application/json",
    )
    assert filed.status_code == 201, filed.content
    ticket = Ticket.objects.get(pk=filed.json()["id"])
    assert ticket.phone == "0912345678"

    # Filed without a team, it waits in the intake queue: nobody can take it before a team is chosen.
    refused = client.post(
        f"/api/v1/hotline/tickets/{ticket.pk}/actions", {"action": "take"}, content_type="application/json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "bad_transition"
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.assignee_id is None


def test_a_note_added_through_the_api_is_answered_with_the_request(hotline, api_client, commune):
    """The 200 of POST /api/v1/hotline/tickets/{id}/actions (tests/api/test_schemathesis.py RACES: the
    grown API's fixed-seed fuzz no longer draws it)."""
    client = api_client(hotline.operator)
    filed = client.post(
        "/api/v1/hotline/tickets",
        {
            "phone": "0912345679",
            "category": "supplies",
            "description": "Cần gạo",
            "commune_code": commune.code,
        },
        content_type="application/json",
    )
    assert filed.status_code == 201, filed.content
    noted = client.post(
        f"/api/v1/hotline/tickets/{filed.json()['id']}/actions",
        {"action": "note", "text": "Đã gọi lại, hẹn giao chiều nay"},
        content_type="application/json",
    )
    assert noted.status_code == 200, noted.content
