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
