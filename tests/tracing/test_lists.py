"""Tracing lists that grow: the run page and the API page, filter and sort a run's contacts and the runs;
an F2 says through which F1 it was reached, by name only where the reader may see that F1."""

import csv
import io
import re

import pytest
from django.test import Client

from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.tracing import services
from tests.factories import PASSWORD, PersonFactory, VenueFactory
from tests.tracing.bigrun import big_run

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def row_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="contact-(\d+)"', html)]


@pytest.fixture
def f0_case(commune):
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    return case_open(
        person=PersonFactory(full_name="Nguyễn Văn An", commune=commune), confirmed_on=local_today()
    )


@pytest.fixture
def run130(f0_case, commune, other_commune):
    """130 contacts: 40 F1 and 90 F2, half in each of two communes."""
    venue = VenueFactory(name="Chợ Thử", commune=commune)
    return big_run(case=f0_case, venue=venue, communes=[commune, other_commune], f1=40, f2=90)


def test_a_big_run_is_paged_and_every_contact_is_on_exactly_one_page(run130, make_user):
    client = login(make_user(Role.ADMIN))
    seen, url, pages = [], f"/tracing/runs/{run130.pk}/", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        ids = row_ids(html)
        assert len(ids) <= 50
        seen += ids
        pages += 1
        found = re.search(r'rel="next" href="([^"]+)"', html)
        url = f"/tracing/runs/{run130.pk}/" + found.group(1).replace("&amp;", "&") if found else None
    assert pages == 3 and len(seen) == len(set(seen)) == 130
    assert set(seen) == set(run130.contacts.values_list("pk", flat=True))
    degrees = dict(run130.contacts.values_list("pk", "degree"))
    assert [degrees[i] for i in seen] == sorted(degrees[i] for i in seen)  # F1 first (default sort)
    reads = AuditEvent.objects.filter(action="tracing.read", target_id=str(run130.pk))
    assert sorted(reads.values_list("row_count", flat=True)) == [30, 50, 50]


def test_filters_combine_stay_in_the_links_and_bad_ones_are_a_clear_400(run130, make_user, commune):
    client = login(make_user(Role.ADMIN))
    base = f"/tracing/runs/{run130.pk}/"
    html = client.get(base + f"?degree=2&risk=high&commune={commune.code}&page_size=25").content.decode()
    wanted = set(run130.contacts.filter(degree=2, risk="high", commune=commune).values_list("pk", flat=True))
    assert len(wanted) > 25 and set(row_ids(html)) < wanted and len(row_ids(html)) == 25
    next_link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert all(p in next_link for p in ("degree=2", "risk=high", f"commune={commune.code}", "page=2"))
    bad = client.get(base + "?degree=7&risk=high")
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "không phải một lựa chọn" in text.lower() or "not one of the choices" in text
    assert 'name="degree"' in text and len(row_ids(text)) == 50  # the list is still there, risk applied


def test_an_officer_pages_only_over_the_contacts_of_their_commune(run130, make_user, other_commune):
    officer = make_user(commune=other_commune)
    html = login(officer).get(f"/tracing/runs/{run130.pk}/?page_size=200").content.decode()
    mine = set(run130.contacts.filter(commune=other_commune).values_list("pk", flat=True))
    assert set(row_ids(html)) == mine and len(mine) == 65
    api = login(officer).get(f"/api/v1/tracing/runs/{run130.pk}/contacts?page_size=10").json()
    assert api["count"] == 65 and api["count_exact"] and api["pages"] == 7 and len(api["items"]) == 10


def test_the_api_pages_with_the_same_parameters_and_one_shape(run130, make_user, api_client, commune):
    client = api_client(make_user(Role.ADMIN))
    url = f"/api/v1/tracing/runs/{run130.pk}/contacts"
    first = client.get(url + "?degree=1&page_size=15&sort=-exposed").json()
    assert set(first) == {
        "count",
        "count_exact",
        "page",
        "page_size",
        "pages",
        "sort",
        "next",
        "previous",
        "items",
    }
    assert first["count"] == 40 and first["pages"] == 3 and first["previous"] is None
    assert first["next"] == f"{url}?degree=1&sort=-exposed&page_size=15&page=2"
    times = [c["first_exposed_at"] for c in first["items"]]
    assert times == sorted(times, reverse=True)
    walked, nxt = [], url + "?degree=1&page_size=15&sort=-exposed"
    while nxt:
        body = client.get(nxt).json()
        walked += [c["id"] for c in body["items"]]
        nxt = body["next"]
    assert len(walked) == len(set(walked)) == 40
    past = client.get(url + "?page=99").json()
    assert past["items"] == [] and past["count"] == 130
    for bad in ("page_size=500", "page=0", "degree=3", "sort=name", "venue=abc"):
        assert client.get(f"{url}?{bad}").status_code == 422, bad
    refused = client.get(url + "?commune=99999999")
    assert refused.status_code == 422 and refused.json()["field"] == "commune"


def exported(client, run, capture) -> list[list[str]]:
    """The run's CSV export as the run page gives it: a job, then its file."""
    with capture(execute=True):
        started = client.post(f"/tracing/runs/{run.pk}/export/", {"format": "csv", "purpose": "gọi điện"})
    file_url = re.search(r'href="(/jobs/\d+/files/\d+/)"', client.get(started["Location"]).content.decode())
    return list(csv.reader(io.StringIO(client.get(file_url.group(1)).content.decode("utf-8-sig"))))


def test_f2_rows_name_their_f1_only_where_the_reader_may_see_that_f1(
    cafe_story, make_user, api_client, commune, other_commune, django_capture_on_commit_callbacks
):
    # overlap-15: Bình (F1, commune) met the F0; Châu (other commune) and Hà (commune) met Bình (F2).
    run = services.run_create(case=cafe_story["case"], policy_name="overlap-15", degree=2)
    binh = run.contacts.get(person=cafe_story["binh"])
    mine = login(make_user(commune=commune)).get(f"/tracing/runs/{run.pk}/?degree=2").content.decode()
    assert f"Trần Thị Bình (#{binh.pk})" in mine
    theirs = login(make_user(commune=other_commune)).get(f"/tracing/runs/{run.pk}/").content.decode()
    assert "<strong>Lê Minh Châu</strong>" in theirs and "Trần Thị Bình" not in theirs
    assert f"#{binh.pk}" in theirs  # a reference the two health stations can talk about
    api = api_client(make_user(commune=other_commune)).get(f"/api/v1/tracing/runs/{run.pk}/contacts").json()
    assert [c["through"] for c in api["items"]] == [[{"contact": binh.pk, "name": None}]]
    table = exported(login(make_user(commune=other_commune)), run, django_capture_on_commit_callbacks)
    header, chau = table
    assert chau[0] == "Lê Minh Châu" and chau[header.index("Được truy qua (F1)")] == f"#{binh.pk}"
    own = exported(login(make_user(commune=commune)), run, django_capture_on_commit_callbacks)
    rows = {r[0]: r for r in own}
    assert rows["Hoàng Thu Hà"][13] == f"Trần Thị Bình (#{binh.pk})" and rows["Trần Thị Bình"][13] == ""


def test_the_runs_list_filters_sorts_and_pages_on_the_page_and_in_the_api(
    f0_case, commune, make_user, api_client
):
    venue = VenueFactory(commune=commune)
    small = big_run(case=f0_case, venue=venue, communes=[commune], f1=3, status="review")
    large = big_run(case=f0_case, venue=venue, communes=[commune], f1=12)
    officer = make_user(commune=commune)
    html = login(officer).get("/tracing/?status=review").content.decode()
    assert f"/tracing/runs/{small.pk}/" in html and f"/tracing/runs/{large.pk}/" not in html
    by_size = login(officer).get("/tracing/?sort=-contacts").content.decode()
    assert by_size.index(f"/tracing/runs/{large.pk}/") < by_size.index(f"/tracing/runs/{small.pk}/")
    body = api_client(officer).get("/api/v1/tracing/runs?sort=contacts&page_size=1").json()
    assert body["count"] == 2 and [r["id"] for r in body["items"]] == [small.pk]
    assert body["next"].endswith("page=2")
    stranger = make_user(commune=f0_case.commune.province.communes.order_by("code")[5])
    assert api_client(stranger).get("/api/v1/tracing/runs").json()["count"] == 0


def test_the_run_page_export_is_a_job_whose_file_holds_the_visible_contacts(
    cafe_story, make_user, commune, django_capture_on_commit_callbacks
):
    run = services.run_create(case=cafe_story["case"], policy_name="overlap-15", degree=2)
    officer = make_user(commune=commune)
    client = login(officer)
    assert (
        client.post(f"/tracing/runs/{run.pk}/export/", {"format": "csv", "purpose": " "}).status_code == 302
    )
    assert not AuditEvent.objects.filter(action="tracing.export").exists()  # no purpose: no job
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/tracing/runs/{run.pk}/export/", {"format": "csv", "purpose": "gọi điện"})
    job_page = client.get(started["Location"]).content.decode()
    assert "Đã xuất 2 dòng" in job_page
    file_url = re.search(r'href="(/jobs/\d+/files/\d+/)"', job_page).group(1)
    rows = list(csv.reader(io.StringIO(client.get(file_url).content.decode("utf-8-sig"))))
    assert {r[0] for r in rows[1:]} == {"Trần Thị Bình", "Hoàng Thu Hà"}  # Châu lives elsewhere
    export = AuditEvent.objects.get(action="tracing.export")
    assert (export.actor, export.reason, export.row_count) == (officer, "gọi điện", 2)
    assert AuditEvent.objects.filter(action="job.download", actor=officer).count() == 1


def test_the_timeline_links_to_the_contacts_met_at_one_venue_and_back(cafe_story, make_user):
    run = services.run_create(case=cafe_story["case"], policy_name="overlap-15", degree=2)
    client = login(make_user(Role.ADMIN))
    page = client.get(f"/tracing/runs/{run.pk}/").content.decode()
    cafe = cafe_story["cafe"]
    assert f"?venue={cafe.pk}#contacts" in page
    at_cafe = client.get(f"/tracing/runs/{run.pk}/?venue={cafe.pk}").content.decode()
    assert "Chỉ những người tiếp xúc gặp ca bệnh tại Cà phê Giảng." in at_cafe
    met = {c.pk for c in run.contacts.all() if any(e.venue_id == cafe.pk for e in c.exposures)}
    assert set(row_ids(at_cafe)) == met and len(met) < run.contacts.count()
    assert f'<input type="hidden" name="venue" value="{cafe.pk}">' in at_cafe  # kept when filters change
    assert f'href="/tracing/runs/{run.pk}/?#contacts"' in at_cafe
