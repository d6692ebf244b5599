"""The vaccinator station: scan, see the doses, record in one more keystroke; too early needs a reason."""

from datetime import date, timedelta

import pytest

from epiqr.core.errors import Conflict, Invalid, NotFound
from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.core.timeutil import local_today, now
from epiqr.vaccination import services
from epiqr.vaccination.models import Dose
from tests.people.payloads import cccd, cccd_number

pytestmark = pytest.mark.django_db


def test_a_first_dose_from_a_chip_card_registers_the_person_and_starts_observation(session, vaccinator):
    payload = cccd(
        number=cccd_number(born=1985, sex="F", serial=424242),
        name="Vũ Thị Mai",
        born=date(1985, 4, 2),
        sex="F",
    )
    view = services.station_identify(session=session, payload=payload, actor=vaccinator)
    assert view.created and view.person.full_name == "Vũ Thị Mai"
    assert view.advice.number == 1 and not view.advice.too_early
    dose = services.station_record(session=session, person=view.person, actor=vaccinator)
    assert (dose.number, dose.series_doses, dose.product, dose.lot_number) == (1, 2, "PFIZER", "FK0108")
    assert dose.observe_until - dose.given_at == timedelta(minutes=30)
    assert dose.schedule == "vn-2022-05-second-booster"


def test_a_second_dose_too_early_is_refused_unless_a_reason_is_given(
    session, vaccinator, make_person, give_dose, qr
):
    person = make_person()
    give_dose(person, "PFIZER", days_ago=10)  # Pfizer: 21 days at least
    view = services.station_identify(session=session, payload=qr(person), actor=vaccinator)
    assert view.advice.number == 2 and view.advice.too_early
    with pytest.raises(Conflict) as refused:
        services.station_record(session=session, person=person, actor=vaccinator)
    assert refused.value.code == "too_early"
    assert Dose.objects.filter(person=person).count() == 1
    dose = services.station_record(session=session, person=person, actor=vaccinator, override="travel abroad")
    assert dose.number == 2 and dose.early_override == "travel abroad"
    assert AuditEvent.objects.filter(action="vaccination.dose_override", reason="travel abroad").exists()


def test_a_contraindication_noted_at_screening_stops_the_dose_until_lifted(session, vaccinator, make_person):
    person = make_person()
    services.screening_note(
        person=person, note="Sốc phản vệ độ 3 với mũi trước", contraindicated=True, actor=vaccinator
    )
    with pytest.raises(Conflict) as refused:
        services.station_record(session=session, person=person, actor=vaccinator)
    assert refused.value.code == "contraindicated"
    services.screening_note(
        person=person, note="Bác sĩ đã khám lại: tiêm được", contraindicated=False, actor=vaccinator
    )
    assert services.station_record(session=session, person=person, actor=vaccinator).number == 1


def test_an_expired_lot_or_a_lot_of_another_vaccine_is_refused(session, vaccinator, make_person):
    expired = services.lot_get_or_create(
        product="PFIZER", number="OLD1", expires_on=local_today() - timedelta(days=1)
    )
    moderna = services.lot_get_or_create(
        product="MODERNA", number="MOD1", expires_on=local_today() + timedelta(days=9)
    )
    person = make_person()
    with pytest.raises(Invalid) as exc:
        services.station_record(session=session, person=person, actor=vaccinator, lot=expired)
    assert exc.value.code == "lot_expired"
    with pytest.raises(Invalid) as exc:
        services.station_record(session=session, person=person, actor=vaccinator, lot=moderna)
    assert exc.value.code == "lot_product"
    assert not Dose.objects.filter(person=person).exists()


def test_a_vaccinator_of_another_commune_cannot_use_the_session(
    session, make_user, other_commune, make_person
):
    stranger = make_user(Role.VACCINATOR, commune=other_commune)
    with pytest.raises(NotFound):
        services.station_record(session=session, person=make_person(), actor=stranger)
    assert not Dose.objects.exists()


def test_adverse_events_need_a_severity_a_description_and_a_sane_onset(session, vaccinator, make_person):
    dose = services.station_record(session=session, person=make_person(), actor=vaccinator)
    with pytest.raises(Invalid):
        services.adverse_event_record(dose=dose, severity="fatal?", description="x", actor=vaccinator)
    with pytest.raises(Invalid):
        services.adverse_event_record(dose=dose, severity="mild", description=" ", actor=vaccinator)
    with pytest.raises(Invalid):
        services.adverse_event_record(
            dose=dose,
            severity="mild",
            description="sốt",
            onset_at=dose.given_at - timedelta(hours=1),
            actor=vaccinator,
        )
    event = services.adverse_event_record(
        dose=dose, severity="moderate", description="Sốt 39 độ, đau cơ", actor=vaccinator
    )
    assert event.get_severity_display()


def test_the_observation_list_keeps_each_person_until_they_leave(session, vaccinator, make_person):
    from epiqr.vaccination.selectors import observation_list

    first = services.station_record(session=session, person=make_person(), actor=vaccinator)
    second = services.station_record(session=session, person=make_person(), actor=vaccinator)
    assert [d.pk for d in observation_list(session=session)] == [first.pk, second.pk]
    services.observation_end(dose=first, actor=vaccinator)
    assert [d.pk for d in observation_list(session=session)] == [second.pk]
    later = now() + timedelta(hours=3)
    assert observation_list(session=session, at=later) == []  # forgotten timers drop off after 2 hours


def test_a_future_dose_is_refused(vaccinator, make_person):
    from epiqr.vaccination.models import DoseSource

    with pytest.raises(Invalid):
        services.dose_record(
            person=make_person(),
            product="PFIZER",
            given_at=now() + timedelta(days=1),
            source=DoseSource.API,
            actor=vaccinator,
        )
