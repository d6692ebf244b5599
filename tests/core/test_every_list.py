"""Every staff list that can grow, as a class: paged, filtered and sorted the same way on its page and in
its API, inside the reader's scope, each sort served by an index.

New lists join by declaring a ListSpec (epiqr.core.lists) and a row in LISTS below."""

from datetime import timedelta

import pytest
from django.test import Client

from epiqr.core.domains import domain_modules
from epiqr.core.lists import SPECS, FilterKind
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today, now
from tests.factories import PASSWORD, PersonFactory, VenueFactory

# (spec name, page URL, API URL or None); "{run}" and "{session}" are filled from the world below.
LISTS = [
    ("tracing_runs", "/tracing/", "/api/v1/tracing/runs"),
    ("tracing_contacts", "/tracing/runs/{run}/", "/api/v1/tracing/runs/{run}/contacts"),
    ("people", "/people/", "/api/v1/people"),
    ("venues", "/venues/", "/api/v1/venues"),
    ("declarations", "/checkins/officer/", "/api/v1/checkins/declarations"),
    ("cases", "/cases/", "/api/v1/cases"),
    ("sampling_sessions", "/testing/", "/api/v1/testing/sessions"),
    ("session_tubes", "/testing/sessions/{session}/", "/api/v1/testing/sessions/{session}/tubes"),
    ("vaccination_sessions", "/vaccination/", "/api/v1/vaccination/sessions"),
    ("outbox", "/notify/outbox/", None),
    ("jobs", "/jobs/", "/api/v1/jobs"),
    ("job_issues", "/jobs/{job}/", None),
    ("permits", "/checkpoints/permits/", "/api/v1/checkpoints/permits"),
    ("passages", "/checkpoints/{checkpoint}/", None),
    ("hotline_queue", "/hotline/queue/", "/api/v1/hotline/tickets"),
    ("quarantines", "/quarantine/", "/api/v1/quarantine/"),
    ("quarantine_calls", "/quarantine/calls/", "/api/v1/quarantine/calls"),
    ("care_patients", "/care/patients/", "/api/v1/care/patients"),
]
# Lists only administrators read, national by design (no scope to page over), exercised in their own tests.
ADMIN_LISTS = {"audit_events": "tests/audit/test_viewer.py"}
# Lists of one row per place of the reader's jurisdiction (a commune officer has one commune, so the three
# rows of the world below cannot exist), paged, sorted and filtered in their own tests.
PLACE_LISTS = {"dashboard_levels": "tests/dashboards/test_levels_list.py"}


def _all_specs():
    for _domain, _module in domain_modules("selectors"):
        pass  # importing each domain's selectors declares its lists
    return {name: spec for name, spec in SPECS.items() if spec.model is not None}


def test_every_declared_list_is_exercised_here():
    assert set(_all_specs()) == {name for name, _page, _api in LISTS} | set(ADMIN_LISTS) | set(PLACE_LISTS)


@pytest.mark.parametrize("name", sorted(_all_specs()))
def test_every_sort_is_served_by_an_index(name):
    """A sort reads a page in index order, for each way the list is always narrowed first (a run, a
    commune); unless the list is always a small part of its table, said so in the spec."""
    spec = _all_specs()[name]
    if spec.small:
        return
    meta = spec.model._meta
    indexes = [tuple(f.lstrip("-") for f in index.fields) for index in meta.indexes]
    indexes += [tuple(c.fields) for c in meta.constraints if hasattr(c, "fields")]
    indexes += [(f.name,) for f in meta.concrete_fields if f.unique or f.primary_key]
    for sort in spec.sorts:
        columns = tuple("id" if c.lstrip("-") == "pk" else c.lstrip("-") for c in sort.order_by)
        for prefix in spec.index_prefixes:
            assert prefix + columns in indexes or columns == ("id",), (name, sort.key, prefix)


@pytest.fixture
def world(db, commune, other_commune, make_user):
    """Three rows of every list in `commune`, one in `other_commune`."""
    from epiqr.cases.services import case_open
    from epiqr.checkins.models import HealthDeclaration
    from epiqr.notify.models import OutboundMessage
    from epiqr.testing.models import SamplingSession, Tube
    from epiqr.testing.services import session_create, site_create
    from epiqr.vaccination.services import session_create as vaccination_session_create
    from epiqr.vaccination.services import site_create as vaccination_site_create
    from epiqr.venues.models import Venue
    from tests.tracing.bigrun import big_run

    officer = make_user(commune=commune, phone="0900111222")
    stranger = make_user(commune=other_commune, phone="0900333444")
    cases, people = [], {commune: [], other_commune: []}
    for where, n in ((commune, 3), (other_commune, 1)):
        for i in range(n):
            person = PersonFactory(commune=where)
            people[where].append(person)
            VenueFactory(commune=where)
            cases.append(case_open(person=person, confirmed_on=local_today() - timedelta(days=i)))
            HealthDeclaration.objects.create(
                kind="domestic", full_name=person.full_name, birth_year=1990, phone=person.phone,
                commune=where, address="1 Phố Thử", symptoms=["fever"], flagged=True,
            )  # fmt: skip
            site = site_create(name=f"Trạm {i}", commune_id=where.code)
            session_create(site=site, team=f"Tổ {i}", day=local_today() - timedelta(days=i), kind="antigen")
            vaccination_site = vaccination_site_create(name=f"Điểm tiêm {i}", commune_id=where.code)
            vaccination_session_create(
                site=vaccination_site,
                day=local_today() - timedelta(days=i),
                team=f"Đội {i}",
                product="PFIZER",
            )
    from epiqr.care.services import patient_open

    for case in cases:  # care's record of each case (its `case_opened` handler runs after a commit)
        patient_open(case=case)
    own_session = SamplingSession.objects.filter(site__commune=commune).order_by("id").first()
    for i in range(3):
        Tube.objects.create(
            barcode=f"TUBE{i:04d}", session=own_session, opened_at=now() - timedelta(minutes=i)
        )
    for i in range(3):
        OutboundMessage.objects.create(
            channel="sms", recipient=officer.phone, body=f"Tin thử {i}", status="sent"
        )
    OutboundMessage.objects.create(channel="sms", recipient=stranger.phone, body="Tin khác", status="sent")
    venue = Venue.objects.filter(commune=commune).first()
    runs = [
        big_run(case=cases[i], venue=venue, communes=[commune], f1=3, people=people[commune])
        for i in range(3)
    ]
    big_run(case=cases[3], venue=venue, communes=[other_commune], f1=1, people=people[other_commune])
    from epiqr.core.models import Job, JobIssue

    for owner, n in ((officer, 3), (stranger, 1)):
        for i in range(n):
            job = Job.objects.create(kind="venues.import", owner=owner, title=f"Nhập {i}", status="refused",
                                     refused=3, finished_at=now())  # fmt: skip
    own_job = Job.objects.filter(owner=officer).first()
    JobIssue.objects.bulk_create([JobIssue(job=own_job, line=n + 2, message=f"Lỗi {n}") for n in range(3)])
    JobIssue.objects.create(job=job, line=2, message="Lỗi của người khác")
    from epiqr.checkpoints.models import Checkpoint, Passage, Permit
    from epiqr.checkpoints.services import organisation_register

    checkpoints = {}
    for where, n in ((commune, 3), (other_commune, 1)):
        org = organisation_register(
            name=f"Công ty {where.code}", tax_code=f"{where.code:010d}", commune_id=where.code
        )
        checkpoints[where] = Checkpoint.objects.create(code=f"chot-{where.code}", name="Chốt", kind="gateway",
                                                       commune=where)  # fmt: skip
        for i in range(n):
            Permit.objects.create(organisation=org, commune=where, holder_id_number=f"00109000000{i}",
                                  holder_name=f"Người {i}", purpose=1, valid_from=local_today(),
                                  valid_until=local_today())  # fmt: skip
            Passage.objects.create(checkpoint=checkpoints[where], at=now() - timedelta(minutes=i), outcome="valid",
                                   source="phone")  # fmt: skip
    from epiqr.hotline.services import Filing, ticket_file

    for where, n in ((commune, 3), (other_commune, 1)):
        for i in range(n):
            ticket_file(filing=Filing(source="web", category="supplies", description=f"Yêu cầu {i}",
                                      phone=f"091200{i:04d}", commune_id=where.pk))  # fmt: skip
    from epiqr.quarantine.services import call_record, quarantine_place
    from epiqr.tracing.models import TracingRun

    for run in TracingRun.objects.order_by("pk"):
        contact = run.contacts.order_by("pk").first()
        q = quarantine_place(contact_id=contact.pk, actor=None, policy_name="vn-2021-07-cv5599")
        call_record(
            quarantine=q, actor=officer if q.commune_id == commune.pk else stranger, outcome="reached"
        )
    return {
        "officer": officer, "stranger": stranger, "run": runs[0].pk, "session": own_session.pk, "job": own_job.pk,
        "checkpoint": checkpoints[commune].pk,
    }  # fmt: skip


def _url(template: str, world) -> str:
    return template.format(
        run=world["run"], session=world["session"], job=world["job"], checkpoint=world["checkpoint"]
    )


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("name,page_url,api_url", LISTS)
def test_each_list_pages_sorts_and_filters_on_its_page_and_in_its_api(world, name, page_url, api_url):
    spec = SPECS[name]
    client = _client(world["officer"])
    page_url = _url(page_url, world)
    first = client.get(page_url + "?page_size=2")
    assert first.status_code == 200, first.content[:300]
    page = first.context["page"]
    assert len(page.items) == 2 and page.count == 3 and page.has_next
    assert 'rel="next"' in first.content.decode()
    second = client.get(page_url + "?page_size=2&page=2").context["page"]
    assert len(second.items) == 1 and {r.pk for r in second.items}.isdisjoint(r.pk for r in page.items)
    for key in spec.sort_keys():
        sorted_page = client.get(f"{page_url}?sort={key}")
        assert sorted_page.status_code == 200 and sorted_page.context["page"].count == 3, key
    assert client.get(page_url + "?sort=nonsense").status_code == 400
    for f in spec.filters:
        if f.kind != FilterKind.TEXT:
            bad = client.get(f"{page_url}?{f.name}=not-a-value")
            assert bad.status_code == 400 and f.name in bad.context["page"].query.errors, f.name
    if api_url is None:
        return
    api_url = _url(api_url, world)
    body = client.get(api_url + "?page_size=2").json()
    assert (body["count"], len(body["items"]), body["pages"]) == (3, 2, 2) and body["next"].endswith("page=2")
    assert len(client.get(body["next"]).json()["items"]) == 1
    for key in spec.sort_keys():
        assert client.get(f"{api_url}?sort={key}").status_code == 200, key
    for bad in ("page_size=201", "page=0", "sort=nonsense"):
        assert client.get(f"{api_url}?{bad}").status_code == 422, bad
    for f in spec.filters:
        if f.kind != FilterKind.TEXT:
            assert client.get(f"{api_url}?{f.name}=not-a-value").status_code == 422, f.name


@pytest.mark.parametrize("name,page_url,api_url", [row for row in LISTS if "{" not in row[1]])
def test_an_officer_of_another_commune_pages_only_over_their_own_rows(world, name, page_url, api_url):
    client = _client(world["stranger"])
    page = client.get(page_url).context["page"]
    assert page.count == 1 and len(page.items) == 1
    if api_url:
        assert client.get(api_url).json()["count"] == 1


def test_an_administrator_filters_by_commune_code_and_a_commune_officer_cannot_step_outside(
    world, make_user, commune, other_commune
):
    admin = _client(make_user(Role.ADMIN))
    assert admin.get(f"/people/?commune={other_commune.code}").context["page"].count == 1
    officer = _client(world["officer"])
    refused = officer.get(f"/people/?commune={other_commune.code}")
    assert refused.status_code == 400 and "commune" in refused.context["page"].query.errors
    assert officer.get(f"/api/v1/people?commune={other_commune.code}").status_code == 422
