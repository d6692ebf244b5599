"""Invitations from the registry with slots and SMS; reminders when the next dose is due."""

from datetime import date, datetime, time, timedelta

import pytest

from epiqr.core.timeutil import VN_TZ, local_today
from epiqr.vaccination import services
from epiqr.vaccination.models import Dose, Invitation

pytestmark = pytest.mark.django_db


def test_people_due_a_dose_are_invited_in_slots_and_texted_once(
    session, vaccinator, make_person, give_dose, sent_messages
):
    due = [make_person(birth_date=date(1970, 1, 1 + i), phone=f"09120000{i:02d}") for i in range(3)]
    too_early = make_person(birth_date=date(1971, 5, 5), phone="0912000099")
    give_dose(too_early, "PFIZER", days_ago=3)  # Pfizer needs 21 days: not due on the session's day
    young = make_person(birth_date=date(2010, 1, 1), phone="0912000098")
    first = datetime.combine(session.day, time(7, 30), VN_TZ)
    n = services.invitations_create(
        session=session,
        actor=vaccinator,
        born_from=1960,
        born_until=1980,
        first_slot=first,
        minutes_per_slot=20,
        per_slot=2,
    )
    invited = {i.person_id: i for i in Invitation.objects.filter(session=session)}
    assert n == 3 and set(invited) == {p.pk for p in due}
    assert too_early.pk not in invited and young.pk not in invited
    assert sorted({i.slot_at for i in invited.values()}) == [first, first + timedelta(minutes=20)]
    report = services.invitations_send(session=session, actor=vaccinator)
    assert report.sent == 3 and len(sent_messages) == 3
    assert "07:30" in sent_messages[0].body or "07:50" in sent_messages[0].body
    again = services.invitations_send(session=session, actor=vaccinator)
    assert again.sent == 0 and len(sent_messages) == 3
    # invited twice? the same people are left out the next time
    assert (
        services.invitations_create(
            session=session, actor=vaccinator, born_from=1960, born_until=1980, first_slot=first
        )
        == 0
    )


def test_a_reminder_goes_once_when_the_next_dose_is_due(make_person, give_dose, sent_messages):
    person = make_person(phone="0913000111")
    give_dose(person, "PFIZER", days_ago=25)  # dose 2 recommended 21 days after
    waiting = make_person(phone="0913000222")
    give_dose(waiting, "AZ", days_ago=30)  # AstraZeneca: recommended after 84 days
    assert services.reminders_send() == 1
    assert [m.recipient for m in sent_messages] == ["0913000111"] and "mũi 2" in sent_messages[0].body
    assert services.reminders_send() == 0
    assert Dose.objects.get(person=person).reminded_at is not None
    assert services.reminders_send(on=local_today() + timedelta(days=60)) == 1  # AZ due by then
