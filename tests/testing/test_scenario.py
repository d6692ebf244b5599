"""The whole loop, narrated: a screening pool turns positive, the pool is recalled, the retest confirms
one person, a case is opened, and a grandmother without a phone reads her result with her slip."""

import pytest
from django.core.cache import cache
from django.test import Client

from epiqr.cases.models import Case
from epiqr.core.timeutil import local_today
from epiqr.people.idnumber import id_number_make
from epiqr.testing import models, selectors, services
from epiqr.testing.models import TubeMember
from epiqr.testing.pools import Outcome

pytestmark = pytest.mark.django_db


def test_pool_recall_retest_case_and_slip_lookup(
    pooled_session,
    single_session,
    sampler,
    lab_tech,
    make_person,
    qr,
    sent_messages,
    django_capture_on_commit_callbacks,
):
    cache.clear()
    an, binh = make_person(full_name="Nguyễn Văn An"), make_person(full_name="Trần Thị Bình")
    # Bà Hoa has no phone and no EpiQR code: the technician scans her chip ID card.
    number = id_number_make(province_code="001", birth_year=1948, sex="F", serial=4242)
    card = f"{number}||Lê Thị Hoa|15031948|Nữ|5 Phố Hàng Bạc, Hà Nội|01012022"

    services.station_scan(session=pooled_session, payload="HK-SCEN-0001", actor=sampler)
    services.station_scan(session=pooled_session, payload=qr(an), actor=sampler)
    services.station_scan(session=pooled_session, payload=qr(binh), actor=sampler)
    step = services.station_scan(session=pooled_session, payload=card, actor=sampler)
    assert "Lê Thị Hoa" in step.message
    services.station_scan(session=pooled_session, payload="XONG", actor=sampler)

    # The lab finds the pool positive: nobody is a case yet, all three are recalled.
    with django_capture_on_commit_callbacks(execute=True):
        services.results_import(
            rows=[services.ResultRow(barcode="HK-SCEN-0001", value="positive", ct="31", line=1)],
            actor=lab_tech,
        )
    recall = selectors.recall_list(user=sampler, session=pooled_session)
    assert {m.person.full_name for m in recall} == {"Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Hoa"}
    assert not Case.objects.exists()
    assert {m.recipient for m in sent_messages} == {an.phone, binh.phone}  # Bà Hoa has no phone

    # Retest one by one: only Bình is positive, and only she becomes a case.
    for n, person in enumerate((an, binh)):
        services.station_scan(session=single_session, payload=f"HK-LE-000{n}", actor=sampler)
        services.station_scan(session=single_session, payload=qr(person), actor=sampler)
    hoa = TubeMember.objects.get(tube__barcode="HK-SCEN-0001", person__full_name="Lê Thị Hoa").person
    services.station_scan(session=single_session, payload="HK-LE-0002", actor=sampler)
    services.station_scan(session=single_session, payload=card, actor=sampler)
    with django_capture_on_commit_callbacks(execute=True):
        services.results_import(
            rows=[
                services.ResultRow(barcode="HK-LE-0000", value="negative", line=1),
                services.ResultRow(barcode="HK-LE-0001", value="positive", ct="24", line=2),
                services.ResultRow(barcode="HK-LE-0002", value="negative", line=3),
            ],
            actor=lab_tech,
        )
    assert not selectors.recall_list(user=sampler, session=pooled_session).exists()  # all came back
    case = Case.objects.get()
    assert case.person == binh and case.source == "lab" and case.confirmed_on == local_today()

    # Bà Hoa reads her result with her slip: the tube number and the result code printed on it.
    code = models.TubeMember.objects.get(tube__barcode="HK-LE-0002", person=hoa).slip_code
    r = Client().post("/testing/result/", {"barcode": "HK-LE-0002", "code": code}, REMOTE_ADDR="10.1.1.1")
    assert r.status_code == 200 and "Lê Thị Hoa" in r.content.decode()
    assert f'data-outcome="{Outcome.NEGATIVE}"' in r.content.decode()


def test_antigen_session_is_individual(site, sampler):
    session = services.session_create(
        site=site, team="Tổ test nhanh", day=local_today(), kind=models.TestKind.ANTIGEN
    )
    assert session.pool_size_limit == 1 and not session.pooled
