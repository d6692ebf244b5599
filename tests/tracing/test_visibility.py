"""Who sees what of a tracing run. The case's jurisdiction owns the run: the F0, the infectious period,
the movements and the review. An officer elsewhere with contacts in the run sees only those contacts and
where and when they were exposed, on every surface (runs list, run page, API, export), and cannot act
on the run as a whole."""

import pytest
from django.test import Client

from epiqr.core.permissions import Role
from epiqr.tracing import services
from epiqr.tracing.models import RunStatus
from tests.factories import PASSWORD
from tests.tracing.test_lists import exported

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def story(cafe_story, visit, at):
    """The café story, the F0 also at the market at 8:00 (nobody else there then), and the lab-style run
    waiting for review: Bình (F1) and Hà (F2) live in the F0's commune, Châu (F1) in the other one."""
    visit(cafe_story["f0"], cafe_story["market"], at(8), at(8, 30))
    run = services.run_create(
        case=cafe_story["case"], policy_name="overlap-15", degree=2, status=RunStatus.REVIEW
    )
    return {**cafe_story, "run": run}


# What an officer outside the F0's commune must never be shown about the F0.
def f0_secrets(story) -> list[str]:
    return [story["f0"].full_name, story["f0"].phone, "Chợ Hôm"]  # the market: the F0's own movement


def test_an_officer_with_one_contact_sees_that_contact_and_nothing_of_the_f0(
    story, make_user, other_commune, api_client, django_capture_on_commit_callbacks
):
    outsider = make_user(commune=other_commune)
    client = login(outsider)
    run = story["run"]

    listing = client.get("/tracing/").content.decode()
    assert f"/tracing/runs/{run.pk}/" in listing
    assert story["f0"].full_name not in listing and f"/cases/{story['case'].pk}/" not in listing

    page = client.get(f"/tracing/runs/{run.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Lê Minh Châu" in html and "Cà phê Giảng" in html  # their contact and the exposure venue
    assert "Trần Thị Bình" not in html and "Hoàng Thu Hà" not in html
    for secret in f0_secrets(story):
        assert secret not in html
    assert "Thời kỳ lây nhiễm" not in html and "Nơi F0 đã đến" not in html  # period, movements
    assert f"/tracing/runs/{run.pk}/review/" not in html

    client = api_client(outsider)
    summary = client.get(f"/api/v1/tracing/runs/{run.pk}").json()
    assert summary["owned"] is False
    assert summary["case"] is None and summary["period_start"] is None
    assert summary["changes"] is None and summary["contact_count"] is None
    contacts = client.get(f"/api/v1/tracing/runs/{run.pk}/contacts").json()["items"]
    assert [c["full_name"] for c in contacts] == ["Lê Minh Châu"]
    exposure = contacts[0]["exposures"][0]
    assert exposure["venue_name"] == "Cà phê Giảng" and exposure["start"] and exposure["source_start"]
    assert exposure["source_person_id"] is None and exposure["source_checkin_id"] is None
    assert story["f0"].full_name not in str(summary) + str(contacts)

    rows = exported(login(outsider), run, django_capture_on_commit_callbacks)
    assert [r[0] for r in rows[1:]] == ["Lê Minh Châu"]
    text = "\n".join(",".join(r) for r in rows)
    assert all(secret not in text for secret in f0_secrets(story))


def test_only_the_owning_jurisdiction_reviews_the_run(story, make_user, commune, other_commune, geo):
    run = story["run"]
    refused = login(make_user(commune=other_commune)).post(f"/tracing/runs/{run.pk}/review/")
    assert refused.status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.REVIEW  # still in its owner's queue

    stranger = geo.communes.order_by("code")[2]
    assert login(make_user(commune=stranger)).post(f"/tracing/runs/{run.pk}/review/").status_code == 404

    owner = login(make_user(commune=commune))
    page = owner.get(f"/tracing/runs/{run.pk}/").content.decode()
    assert story["f0"].full_name in page and "Chợ Hôm" in page and "Thời kỳ lây nhiễm" in page
    assert f"/tracing/runs/{run.pk}/review/" in page
    assert owner.post(f"/tracing/runs/{run.pk}/review/").status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.REVIEWED


def test_the_province_of_the_case_owns_the_run(story, make_user, geo, api_client):
    province = make_user(Role.PROVINCE_OFFICER, province=geo)
    client = api_client(province)
    summary = client.get(f"/api/v1/tracing/runs/{story['run'].pk}").json()
    assert summary["owned"] is True and summary["case"] == story["case"].pk
    contacts = client.get(f"/api/v1/tracing/runs/{story['run'].pk}/contacts").json()["items"]
    assert {c["full_name"] for c in contacts} == {"Trần Thị Bình", "Lê Minh Châu", "Hoàng Thu Hà"}
    assert any(e["source_person_id"] == story["f0"].pk for c in contacts for e in c["exposures"])


def test_the_outsider_still_follows_up_their_own_contact(story, make_user, other_commune):
    chau = story["run"].contacts.get(person=story["chau"])
    client = login(make_user(commune=other_commune))
    assert client.post(f"/tracing/contacts/{chau.pk}/status/", {"status": "reached"}).status_code == 302
    chau.refresh_from_db()
    assert chau.status == "reached"
