"""Priority groups (Resolution 21/NQ-CP): the registry knows a person's group, from an imported invitation
list or set by staff on the person's vaccination record, and the invitation picker filters by it."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from epiqr.core.errors import Invalid
from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.core.timeutil import VN_TZ, local_today
from epiqr.vaccination import groups, services
from epiqr.vaccination.models import GroupSource, Invitation, PriorityMember

pytestmark = pytest.mark.django_db


def test_the_list_is_resolution_21_with_its_eleven_numbered_groups():
    in_force = groups.list_for(date(2021, 6, 1))
    assert "21/NQ-CP" in in_force.source and in_force.effective == date(2021, 2, 26)
    assert [g.number for g in in_force.groups] == list(range(1, 12))
    assert len({g.code for g in in_force.groups}) == 11
    assert groups.group_by_number(8, date(2021, 6, 1)).code == "chronic_illness_over_65"
    assert groups.group_by_number(12, date(2021, 6, 1)) is None and groups.group_get("nobody") is None
    assert groups.list_for(date(2020, 1, 1)) is in_force  # earlier days: the first list


@pytest.mark.parametrize(
    "text, code",
    [
        ("1", "health_workers"),
        ("Nhóm 1", "health_workers"),
        ("nhom 03", "army"),
        ("N4", "police"),
        ("Lực lượng Công an", "police"),
        ("LUC LUONG CONG AN", "police"),
        ("The police", "police"),
        ("chronic_illness_over_65", "chronic_illness_over_65"),
        ("Người sinh sống tại các vùng có dịch", "outbreak_areas"),
        ("Nhóm 12", None),
        ("Người trên 65 tuổi", None),  # not the document's wording: kept as the list's own label
        ("", None),
    ],
)
def test_an_invitation_lists_cell_names_a_group_by_number_code_or_wording(text, code):
    found = services.priority_group_from_text(text=text, day=date(2021, 8, 1))
    assert (found.code if found else None) == code


def test_staff_set_and_remove_a_group_audited_and_an_import_keeps_their_record(vaccinator, make_person):
    person = make_person()
    member = services.priority_group_set(person=person, group="army", actor=vaccinator)
    assert (member.source, member.since, member.group_list) == ("staff", local_today(), "vn-nq21-2021")
    assert AuditEvent.objects.filter(action="vaccination.priority_group", actor=vaccinator).count() == 1
    services.priority_group_set(
        person=person, group="army", actor=None, source=GroupSource.IMPORT, since=date(2021, 9, 1)
    )
    member.refresh_from_db()
    assert (member.source, member.since) == ("staff", local_today())
    with pytest.raises(Invalid):
        services.priority_group_set(person=person, group="astronauts", actor=vaccinator)
    with pytest.raises(Invalid):
        services.priority_group_set(
            person=person, group="army", actor=vaccinator, since=local_today() + timedelta(days=1)
        )
    assert services.priority_group_remove(person=person, group="army", actor=vaccinator) is True
    assert not PriorityMember.objects.filter(person=person).exists()
    assert services.priority_group_remove(person=person, group="army", actor=vaccinator) is False


def test_the_picker_invites_only_the_chosen_group_of_the_commune(session, vaccinator, make_person, give_dose):
    teachers = [make_person(birth_date=date(1980, 1, 1 + i)) for i in range(3)]
    others = [make_person(birth_date=date(1981, 1, 1 + i)) for i in range(3)]
    for person in teachers:
        services.priority_group_set(person=person, group="education_public_offices", actor=vaccinator)
    services.priority_group_set(person=others[0], group="police", actor=vaccinator)
    give_dose(teachers[2], "PFIZER", days_ago=3)  # in the group but not due on the session's day
    first = datetime.combine(session.day, time(7, 30), VN_TZ)
    n = services.invitations_create(
        session=session,
        actor=vaccinator,
        born_from=1970,
        born_until=1990,
        priority_group="education_public_offices",
        first_slot=first,
    )
    invited = list(Invitation.objects.filter(session=session))
    assert n == 2 and {i.person_id for i in invited} == {teachers[0].pk, teachers[1].pk}
    assert {i.group for i in invited} == {"education_public_offices"}
    with pytest.raises(Invalid):
        services.invitations_create(
            session=session,
            actor=vaccinator,
            born_from=1970,
            born_until=1990,
            priority_group="x",
            first_slot=first,
        )


def test_a_group_from_the_future_is_not_picked_for_an_earlier_session(session, vaccinator, make_person):
    person = make_person(birth_date=date(1975, 3, 3))
    member = services.priority_group_set(person=person, group="police", actor=vaccinator)
    PriorityMember.objects.filter(pk=member.pk).update(since=session.day + timedelta(days=1))
    first = datetime.combine(session.day, time(8, 0), VN_TZ)
    assert (
        services.invitations_create(
            session=session,
            actor=vaccinator,
            born_from=1970,
            born_until=1980,
            priority_group="police",
            first_slot=first,
        )
        == 0
    )


def test_the_picker_form_and_the_list_show_the_group_in_vietnamese(client, session, vaccinator, make_person):
    person = make_person(birth_date=date(1950, 2, 2))
    services.priority_group_set(person=person, group="chronic_illness_over_65", actor=vaccinator)
    make_person(birth_date=date(1950, 3, 3))  # same age, no group
    client.force_login(vaccinator)
    url = f"/vaccination/sessions/{session.pk}/invitations/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "8. Người mắc các bệnh mạn tính; người trên 65 tuổi" in page
    r = client.post(
        url,
        {
            "action": "pick",
            "born_from": 1940,
            "born_until": 1960,
            "priority_group": "chronic_illness_over_65",
            "first_slot": "08:00",
            "minutes_per_slot": 15,
            "per_slot": 10,
            "limit": 50,
        },
    )
    assert r.status_code == 302
    assert list(Invitation.objects.filter(session=session).values_list("person_id", flat=True)) == [person.pk]
    listed = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert listed.count("8. Người mắc các bệnh mạn tính; người trên 65 tuổi") >= 2  # the choice and the row
    bad = client.post(url, {"action": "pick", "born_from": 1940, "born_until": 1960, "priority_group": "x"})
    assert bad.status_code == 422


def test_an_imported_list_teaches_the_registry_each_persons_group(
    client, vaccinator, session, make_person, django_capture_on_commit_callbacks
):
    from tests.people.payloads import cccd_number
    from tests.vaccination.test_import import _invitation_xlsx

    known = make_person(full_name="Đinh Thị Gấm")
    rows = [
        [1, "Đinh Thị Gấm", known.documents.get().number, "", "Nữ", "", "Nhóm 1"],
        [
            2,
            "Kiều Văn Tư",
            cccd_number(born=1950, serial=727100),
            "01/02/1950",
            "Nam",
            "",
            "Người trên 65 tuổi",
        ],
    ]
    client.force_login(vaccinator)
    url = f"/vaccination/sessions/{session.pk}/invitations/"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            url,
            {
                "action": "import",
                "file": SimpleUploadedFile("nhom-uu-tien.xlsx", _invitation_xlsx(rows)),
                "first_slot": "08:00",
                "minutes_per_slot": 20,
                "per_slot": 5,
            },
        )
    assert r.status_code == 302
    member = PriorityMember.objects.get(person=known)
    assert (member.group, member.source, member.since) == ("health_workers", "import", session.day)
    invitations = {i.person.full_name: i.group for i in Invitation.objects.filter(session=session)}
    assert invitations == {"Đinh Thị Gấm": "health_workers", "Kiều Văn Tư": "Người trên 65 tuổi"}
    assert PriorityMember.objects.count() == 1  # a label the list invented names no group


def test_staff_set_a_group_on_the_record_page_in_their_area_only(
    client, vaccinator, make_person, make_user, other_commune
):
    person = make_person()
    client.force_login(vaccinator)
    url = f"/vaccination/people/{person.public_id}/groups/"
    r = client.post(url, {"action": "set", "group": "outbreak_areas", "since": "2021-07-20"})
    assert r.status_code == 302
    member = PriorityMember.objects.get(person=person)
    assert (member.group, member.source, member.since, member.set_by) == (
        "outbreak_areas",
        "staff",
        date(2021, 7, 20),
        vaccinator,
    )
    page = client.get(f"/vaccination/people/{person.public_id}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "9. Người sinh sống tại các vùng có dịch" in page
    bad = client.post(url, {"action": "set", "group": "astronauts"}, follow=True)
    assert PriorityMember.objects.filter(person=person).count() == 1 and bad.status_code == 200
    client.post(url, {"action": "remove", "group": "outbreak_areas"})
    assert not PriorityMember.objects.filter(person=person).exists()
    client.force_login(make_user(Role.VACCINATOR, commune=other_commune))
    assert client.post(url, {"action": "set", "group": "army"}).status_code == 404
    client.force_login(make_user(Role.VENUE_STAFF))
    assert client.post(url, {"action": "set", "group": "army"}).status_code == 403
    assert not PriorityMember.objects.filter(person=person).exists()


def test_the_unconfirmed_qd_3355_list_is_recorded_with_why_and_never_numbers_a_group():
    """QĐ 3355/QĐ-BYT (08/7/2021) is recorded with its date and citation, but its 16 groups could not be
    read from the decision's text: no group is guessed, and Resolution 21's list stays in force after it."""
    qd = next(g for g in groups.LISTS if g.name == "vn-qd3355-2021")
    assert qd.effective == date(2021, 7, 8) and "3355/QĐ-BYT" in qd.source
    assert not qd.confirmed and qd.groups == () and "NOT CONFIRMED" in qd.source
    for day in (date(2021, 7, 8), date(2021, 9, 1), date(2026, 12, 4)):
        assert groups.list_for(day).name == "vn-nq21-2021"
    assert groups.group_by_number(8, date(2021, 9, 1)).code == "chronic_illness_over_65"
    assert all(g.confirmed == bool(g.groups) for g in groups.LISTS)
