"""Check-in client ids belong to their sender. A device's UUID names one scan of that device's account:
another account (or an imported file) may use the same UUID for its own scan, and both are stored; the
same account sending the same UUID again for the same scan gets "already stored", for another scan
(venue, person or time) a rejected item with code client_id_reused, and the stored scan stays as it was."""

import io
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from epiqr.checkins.models import CheckIn
from epiqr.checkins.services import checkins_import
from epiqr.core.permissions import Role
from tests.factories import PersonFactory, VenueFactory

from .conftest import cccd_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/checkins/batch"


def scan(venue, person, minutes_ago: int, client_id: str) -> dict:
    at = (timezone.now() - timedelta(minutes=minutes_ago)).replace(microsecond=0)
    return {
        "client_id": client_id,
        "venue": venue.code,
        "person": str(person.public_id),
        "scanned_at": at.isoformat(),
    }


def upload(client, items) -> list[dict]:
    r = client.post(URL, {"items": items}, content_type="application/json")
    assert r.status_code == 200, r.content
    return r.json()["items"]


def test_two_accounts_may_use_the_same_client_id(api_client, venue, owner, make_user, commune):
    other_owner = make_user(Role.VENUE_OWNER)
    other_venue = VenueFactory(commune=commune, owner=other_owner)
    same = str(uuid.uuid4())
    a, b = PersonFactory(), PersonFactory()
    first = upload(api_client(owner), [scan(venue, a, 30, same)])
    second = upload(api_client(other_owner), [scan(other_venue, b, 30, same)])
    assert first[0]["status"] == second[0]["status"] == "stored"
    assert CheckIn.objects.filter(person=b, venue=other_venue).exists()


def test_the_same_id_for_another_scan_is_rejected_and_the_first_scan_kept(
    owner_api, venue, other_venue, owner
):
    a, b = PersonFactory(), PersonFactory()
    same = str(uuid.uuid4())
    first = scan(venue, a, 30, same)  # built once: the same scan sent again, to the second
    stored = upload(owner_api, [first])[0]
    assert stored["status"] == "stored"
    again = upload(owner_api, [first])[0]
    assert (again["status"], again["code"], again["checkin_id"]) == (
        "duplicate",
        "already_stored",
        stored["checkin_id"],
    )
    for other in (scan(venue, b, 30, same), scan(venue, a, 32, same), scan(venue, a, 90, same)):
        verdict = upload(owner_api, [other])[0]
        assert (verdict["status"], verdict["code"]) == ("rejected", "client_id_reused"), other
        assert "client_id" in verdict["reason"]
    checkin = CheckIn.objects.get(pk=stored["checkin_id"])
    assert checkin.person_id == a.pk and CheckIn.objects.count() == 1


def test_an_imported_file_is_its_own_sender(owner_api, venue):
    a, b = PersonFactory(), PersonFactory()
    same = str(uuid.uuid4())
    assert upload(owner_api, [scan(venue, a, 30, same)])[0]["status"] == "stored"
    at = (timezone.now() - timedelta(minutes=50)).replace(microsecond=0).isoformat()
    text = f"venue_code,person,checked_in_at,client_id\n{venue.code},{b.public_id},{at},{same}\n"
    report = checkins_import(stream=io.StringIO(text))
    assert (report.stored, report.refused) == (1, [])
    other_source = checkins_import(stream=io.StringIO(text), sender="import:hcdc")
    assert other_source.stored == 1  # another system's file: its ids are its own
    assert CheckIn.objects.filter(person=b).count() == 2


def test_an_import_reusing_a_client_id_for_another_row_reports_the_line(venue):
    a, b = PersonFactory(), PersonFactory()
    same = str(uuid.uuid4())
    at = timezone.now() - timedelta(hours=2)
    first = f"venue_code,person,checked_in_at,client_id\n{venue.code},{a.public_id},{at.isoformat()},{same}\n"
    assert checkins_import(stream=io.StringIO(first)).stored == 1
    assert checkins_import(stream=io.StringIO(first)).unchanged == 1  # the same file again
    later = (at + timedelta(hours=1)).isoformat()
    other = uuid.uuid4()
    text = (
        "venue_code,person,checked_in_at,client_id\n"
        f"{venue.code},{b.public_id},{later},{same}\n"  # the id of the first file's row, another person
        f"{venue.code},{b.public_id},{later},{other}\n"
        f"{venue.code},{a.public_id},{later},{other}\n"  # the id of the row above, another person
    )
    report = checkins_import(stream=io.StringIO(text))
    assert report.stored == 1 and report.unchanged == 0
    assert [r.line for r in report.refused] == [2, 4]
    assert all("client_id" in r.reason for r in report.refused)
    assert CheckIn.objects.get(client_id__isnull=False, person=a).checked_in_at.replace(
        microsecond=0
    ) == at.replace(microsecond=0)


def test_a_payload_scan_with_a_reused_id_stores_no_check_in(owner_api, venue):
    same = str(uuid.uuid4())
    card = cccd_payload()
    upload(owner_api, [{**scan(venue, PersonFactory(), 30, same)}])
    verdict = upload(
        owner_api,
        [
            {
                "client_id": same,
                "venue": venue.code,
                "payload": card,
                "scanned_at": (timezone.now() - timedelta(minutes=20)).isoformat(),
            }
        ],
    )[0]
    assert verdict["code"] == "client_id_reused"
    assert CheckIn.objects.count() == 1
