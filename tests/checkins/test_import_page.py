"""An officer imports check-ins from another system on a page: the work runs as a job whose page reports
rows read, stored and refused (rows at venues outside the officer's area among them), one by one."""

import io
from datetime import timedelta

import pytest
from django.test import Client

from epiqr.checkins.models import CheckIn
from epiqr.core.models import Job, JobIssue
from epiqr.core.permissions import Role
from epiqr.core.timeutil import now
from tests.factories import PASSWORD, PersonFactory, VenueFactory

pytestmark = pytest.mark.django_db


def upload(text: str, name: str = "luot-quet.csv"):
    f = io.BytesIO(text.encode("utf-8"))
    f.name = name
    return f


def test_an_officer_imports_check_ins_of_their_area_and_sees_each_refused_row(
    make_user, commune, other_commune, django_capture_on_commit_callbacks
):
    officer = make_user(commune=commune)
    client = Client()
    assert client.login(username=officer.username, password=PASSWORD)
    mine, theirs = VenueFactory(commune=commune), VenueFactory(commune=other_commune)
    person = PersonFactory(commune=commune)
    at = now() - timedelta(hours=3)
    text = (
        "venue_code,person,checked_in_at\n"
        f"{mine.code},{person.public_id},{at.isoformat()}\n"
        f"{mine.code},{person.public_id},{(at + timedelta(hours=1)).isoformat()}\n"
        f"{theirs.code},{person.public_id},{at.isoformat()}\n"
        f"{mine.code},0999999999,{at.isoformat()}\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/checkins/import/", {"file": upload(text)})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Đã đọc 4 dòng: lưu 2 lượt quét, 0 lượt đã có, 2 dòng bị từ chối." in page
    assert "Địa điểm này nằm ngoài địa bàn của bạn." in page
    assert sorted(JobIssue.objects.values_list("line", flat=True)) == [4, 5]
    assert (
        CheckIn.objects.filter(venue=mine).count() == 2 and not CheckIn.objects.filter(venue=theirs).exists()
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post("/checkins/import/", {"file": upload(text)})
    assert "lưu 0 lượt quét, 2 lượt đã có" in client.get(again["Location"]).content.decode()
    assert CheckIn.objects.count() == 2


def test_a_file_that_is_not_csv_is_refused_on_the_form_and_others_may_not_import(make_user, commune):
    officer = make_user(commune=commune)
    client = Client()
    client.force_login(officer)
    refused = client.post("/checkins/import/", {"file": upload("x", name="anh.png")})
    assert refused.status_code == 422 and not Job.objects.exists()
    lab = Client()
    lab.force_login(make_user(Role.LAB_TECH, commune=commune))
    assert lab.get("/checkins/import/").status_code == 403
    assert lab.post("/checkins/import/", {"file": upload("a,b\n")}).status_code == 403
    assert not Job.objects.exists()
