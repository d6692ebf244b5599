"""Lab results: entry, file import with per-row reports, corrections, and what follows a result."""

import io

import pytest
from openpyxl import Workbook

from epiqr.cases.models import Case
from epiqr.core.errors import Conflict, Invalid
from epiqr.testing import importing, services
from epiqr.testing.models import LabResult, Tube, TubeMember, TubeStatus
from epiqr.testing.pools import Outcome

pytestmark = pytest.mark.django_db


def _csv(text: str) -> list:
    return importing.rows_from_file(name="lab.csv", data=text.encode())


def test_import_resolves_pools_and_individuals(
    filled_tube, single_session, lab_tech, django_capture_on_commit_callbacks
):
    neg = filled_tube("T-NEG", 3)
    pos_pool = filled_tube("T-POOL", 4)
    alone = filled_tube("T-ALONE", 1, session=single_session)
    bad = filled_tube("T-BAD", 2)
    rows = _csv(
        "barcode,result,ct,tested_at\n"
        "t-neg,negative,,2021-09-15 10:00\n"
        "T-POOL,dương tính,24.5,15/09/2021 10:05\n"
        "T-ALONE,POS,30,\n"
        "T-BAD,invalid,,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = services.results_import(rows=rows, actor=lab_tech)
    assert report.ok and report.stored == 4 and report.refused == []
    assert report.counts == {"negative": 3, "pool_positive": 4, "positive": 1, "resample": 2}
    assert set(neg.members.values_list("outcome", flat=True)) == {Outcome.NEGATIVE}
    assert set(pos_pool.members.values_list("outcome", flat=True)) == {Outcome.POOL_POSITIVE}
    assert set(bad.members.values_list("outcome", flat=True)) == {Outcome.RESAMPLE}
    positive = alone.members.get()
    assert positive.outcome == Outcome.POSITIVE
    assert Tube.objects.get(barcode="T-POOL").status == TubeStatus.RESULTED
    assert str(LabResult.objects.get(tube__barcode="T-POOL").ct) == "24.5"
    # Only the individual positive becomes a case; pool members are recalled, not confirmed.
    case = Case.objects.get()
    assert case.person_id == positive.person_id and case.source == "lab"
    assert not Case.objects.filter(person_id__in=pos_pool.members.values("person_id")).exists()


def test_a_bad_file_reports_every_bad_row_and_stores_nothing(filled_tube, lab_tech):
    filled_tube("TB-01", 2)
    filled_tube("TB-02", 2)
    filled_tube("TB-05", 2)
    rows = _csv(
        "Mã ống,Kết quả,CT\n"
        "TB-01,negative,\n"
        "T-404,negative,\n"
        "TB-01,positive,\n"
        "TB-02,maybe,\n"
        "TB-05,negative,99\n"
    )
    report = services.results_import(rows=rows, actor=lab_tech)
    assert not report.ok and report.stored == 0
    assert [(r.line, r.code) for r in report.refused] == [
        (3, "unknown_tube"),
        (4, "duplicate"),
        (5, "bad_value"),
        (6, "bad_ct"),
    ]
    assert LabResult.objects.count() == 0
    assert set(TubeMember.objects.values_list("outcome", flat=True)) == {Outcome.PENDING}


def test_reimporting_the_same_file_changes_nothing_but_a_different_value_is_refused(filled_tube, lab_tech):
    filled_tube("TB-03", 2)
    assert services.results_import(rows=_csv("barcode,result\nTB-03,negative\n"), actor=lab_tech).stored
    again = services.results_import(rows=_csv("barcode,result\nTB-03,negative\n"), actor=lab_tech)
    assert again.ok and again.stored == 0 and again.unchanged == 1
    changed = services.results_import(rows=_csv("barcode,result\nTB-03,positive\n"), actor=lab_tech)
    assert not changed.ok and changed.refused[0].code == "already_resulted"
    assert LabResult.objects.filter(tube__barcode="TB-03").count() == 1


def test_excel_import(filled_tube, lab_tech):
    filled_tube("T-X1", 2)
    book = Workbook()
    sheet = book.active
    sheet.append(["Sample ID", "Result", "Ct value", "Test time"])
    sheet.append(["T-X1", "Âm tính", None, None])
    data = io.BytesIO()
    book.save(data)
    rows = importing.rows_from_file(name="may-xet-nghiem.xlsx", data=data.getvalue())
    assert services.results_import(rows=rows, actor=lab_tech).stored
    assert Tube.objects.get(barcode="T-X1").result == "negative"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("a.csv", b"foo,bar\n1,2\n", "bad_header"),
        ("a.xlsx", b"not a workbook", "bad_file"),
        ("a.pdf", b"%PDF", "bad_file"),
        ("a.csv", b"", "empty"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(name, data, code):
    with pytest.raises(Invalid) as exc:
        importing.rows_from_file(name=name, data=data)
    assert exc.value.code == code


def test_result_for_an_open_tube_is_refused(pooled_session, sampler, make_person, lab_tech):
    tube = services.tube_open(session=pooled_session, barcode="T-OPEN", actor=sampler)
    services.tube_member_add(tube=tube, person=make_person(), actor=sampler)
    with pytest.raises(Conflict):
        services.result_record(tube=tube, value="negative", actor=lab_tech)
    report = services.results_import(rows=_csv("barcode,result\nT-OPEN,negative\n"), actor=lab_tech)
    assert report.refused[0].code == "tube_open"


def test_correction_keeps_history_with_who_and_why(filled_tube, lab_tech, django_capture_on_commit_callbacks):
    tube = filled_tube("TB-C1", 2)
    services.result_record(tube=tube, value="invalid", actor=lab_tech)
    assert set(tube.members.values_list("outcome", flat=True)) == {Outcome.RESAMPLE}
    with pytest.raises(Invalid):
        services.result_record(tube=tube, value="negative", actor=lab_tech)  # no reason given
    with django_capture_on_commit_callbacks(execute=True):
        services.result_record(tube=tube, value="negative", ct=None, actor=lab_tech, note="chạy lại máy")
    history = list(tube.results.order_by("id"))
    assert [r.value for r in history] == ["invalid", "negative"]
    assert history[0].superseded_at is not None and history[1].superseded_at is None
    assert history[1].entered_by == lab_tech and history[1].note == "chạy lại máy"
    assert set(tube.members.values_list("outcome", flat=True)) == {Outcome.NEGATIVE}


def test_notifications_differ_by_outcome(
    filled_tube, single_session, lab_tech, sent_messages, settings, django_capture_on_commit_callbacks
):
    settings.EPIQR_HOTLINE = "1022"
    neg = filled_tube("NEG-1", 2)
    pool = filled_tube("POOL-1", 2)
    alone = filled_tube("SOLO-1", 1, session=single_session)
    with django_capture_on_commit_callbacks(execute=True):
        services.results_import(
            rows=_csv("barcode,result\nNEG-1,negative\nPOOL-1,positive\nSOLO-1,positive\n"), actor=lab_tech
        )
    by_phone = {m.recipient: m.body for m in sent_messages}
    assert len(sent_messages) == 5
    for m in neg.members.select_related("person"):
        assert "ÂM TÍNH" in by_phone[m.person.phone] or "NEGATIVE" in by_phone[m.person.phone]
    for m in pool.members.select_related("person"):
        body = by_phone[m.person.phone]
        assert "1022" in body and ("individual" in body or "riêng" in body)
    body = by_phone[alone.members.get().person.phone]
    assert "1022" in body and ("POSITIVE" in body or "DƯƠNG TÍNH" in body)
    assert not TubeMember.objects.filter(notified_at__isnull=True).exists()


def test_positive_for_someone_already_a_case_is_not_an_error(
    filled_tube, single_session, lab_tech, django_capture_on_commit_callbacks
):
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    tube = filled_tube("SOLO-2", 1, session=single_session)
    case_open(person=tube.members.get().person, confirmed_on=local_today())
    with django_capture_on_commit_callbacks(execute=True):
        report = services.results_import(rows=_csv("barcode,result\nSOLO-2,positive\n"), actor=lab_tech)
    assert report.stored and Case.objects.count() == 1


def test_lab_api_all_or_nothing_and_idempotent(api_client, filled_tube, lab_tech):
    filled_tube("API-R1", 2)
    client = api_client(lab_tech)
    bad = client.post(
        "/api/v1/testing/results",
        {
            "results": [
                {"barcode": "API-R1", "result": "negative"},
                {"barcode": "NOPE-1", "result": "negative"},
            ]
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["line"] == 2
    assert Tube.objects.get(barcode="API-R1").result == ""
    body = {"client_id": "lis-42", "results": [{"barcode": "API-R1", "result": "negative", "ct": None}]}
    ok = client.post("/api/v1/testing/results", body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["accepted"] == 1
    again = client.post("/api/v1/testing/results", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert LabResult.objects.count() == 1


def test_lab_outside_the_province_cannot_result_the_tube(api_client, make_user, filled_tube):
    from epiqr.core.permissions import Role
    from epiqr.geo.models import Province

    other = Province.objects.exclude(code=1).first()
    filled_tube("FAR-1", 1)
    outsider = make_user(Role.LAB_TECH, province=other)
    r = api_client(outsider).post(
        "/api/v1/testing/results",
        {"results": [{"barcode": "FAR-1", "result": "positive"}]},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_tube"


def test_sampler_cannot_post_results(api_client, sampler, filled_tube):
    filled_tube("TB-S1", 1)
    r = api_client(sampler).post(
        "/api/v1/testing/results",
        {"results": [{"barcode": "TB-S1", "result": "positive"}]},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_a_positive_corrected_to_negative_cancels_the_case_it_opened(
    filled_tube,
    single_session,
    lab_tech,
    make_user,
    commune,
    sent_messages,
    django_capture_on_commit_callbacks,
):
    """Cúc's swab came back positive and a case was opened for her; the lab then found a mix-up and
    corrected the tube to negative. The case is cancelled (not deleted), the officer is told not to
    act on it, and the tracing run stays for the record."""
    from django.test import Client

    from epiqr.core.models import AuditEvent
    from tests.factories import PASSWORD

    officer = make_user(commune=commune, email="can.bo@example.test")
    tube = filled_tube("SOLO-C1", 1, session=single_session)
    with django_capture_on_commit_callbacks(execute=True):
        services.result_record(tube=tube, value="positive", actor=lab_tech)
    case = Case.objects.get(person=tube.members.get().person)
    assert case.status == "active" and case.source == "lab" and case.tracing_runs.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.result_record(tube=tube, value="negative", actor=lab_tech, note="nhầm mẫu")
    case.refresh_from_db()
    assert case.status == "closed" and case.tracing_runs.count() == 1
    event = AuditEvent.objects.get(action="case.cancel")
    assert event.actor == lab_tech and "SOLO-C1" in event.reason
    to_officer = [m for m in sent_messages if m.recipient == officer.email]
    assert (
        len(to_officer) == 2 and "cần truy vết" in to_officer[0].subject and "đã huỷ" in to_officer[1].subject
    )
    assert f"#{case.pk}" in to_officer[1].body and "SOLO-C1" in to_officer[1].body
    client = Client()
    assert client.login(username=officer.username, password=PASSWORD)
    page = client.get(f"/tracing/runs/{case.tracing_runs.get().pk}/").content.decode()
    assert "Ca bệnh này đã bị huỷ" in page


def test_a_correction_leaves_cases_it_did_not_open(
    filled_tube, single_session, lab_tech, django_capture_on_commit_callbacks
):
    """Only the lab case of that sample is cancelled: a case an officer opened by hand stays, and so does
    the case of someone whose other tube is still positive."""
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    manual = filled_tube("SOLO-M1", 1, session=single_session)
    case_open(person=manual.members.get().person, confirmed_on=local_today(), source="manual")
    first = filled_tube("SOLO-P1", 1, session=single_session)
    person = first.members.get().person
    second = services.tube_open(session=single_session, barcode="SOLO-P2", actor=None)
    services.tube_member_add(tube=second, person=person, actor=None, repeat_ok=True)  # a second swab
    second = services.tube_close(tube=second, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.results_import(
            rows=_csv("barcode,result\nSOLO-M1,positive\nSOLO-P1,positive\nSOLO-P2,positive\n"),
            actor=lab_tech,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.result_record(tube=manual, value="negative", actor=lab_tech, note="chạy lại")
        services.result_record(tube=first, value="negative", actor=lab_tech, note="chạy lại")
    assert set(Case.objects.values_list("status", flat=True)) == {"active"} and Case.objects.count() == 2


def test_a_fresh_negative_result_never_cancels_a_case(
    filled_tube, single_session, lab_tech, django_capture_on_commit_callbacks
):
    """Only a correction can undo a case: a first, negative result for someone with a lab case (a
    retest the same day, or a case reported from another lab) leaves the case as it is."""
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    tube = filled_tube("SOLO-N1", 1, session=single_session)
    person = tube.members.get().person
    case = case_open(person=person, confirmed_on=local_today(), sample_on=local_today(), source="lab")
    with django_capture_on_commit_callbacks(execute=True):
        services.result_record(tube=tube, value="negative", actor=lab_tech)
    case.refresh_from_db()
    assert case.status == "active"
