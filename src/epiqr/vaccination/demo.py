"""Demo vaccination in Phường Hoàn Kiếm: the 2021-2022 campaign's doses of the residents (AstraZeneca or
Sinopharm, then a Pfizer booster), and today's Pfizer session at the health station with people under
observation, a screening note and an adverse event, for the vaccinator login to pick up."""

from datetime import datetime, time, timedelta

from epiqr.core.errors import ServiceError
from epiqr.core.timeutil import VN_TZ, local_today, now

from . import schedules, services
from .models import Dose, DoseSource

CAMPAIGN = (  # (day, product, lot): the residents' doses, in order
    ((2021, 8, 2), "AZ", "ABV5300"),
    ((2021, 10, 25), "AZ", "ABV2856"),
    ((2022, 2, 14), "PFIZER", "FK0108"),
)
VERO = (((2021, 9, 10), "VEROCELL", "202107B2263"), ((2021, 10, 8), "VEROCELL", "202108B2890"))


def populate(world: dict) -> None:
    home = world["home_commune"]
    vaccinator = world["users"]["demo-tiem-chung"]
    rng = world["rng"]
    today = local_today()
    residents = [
        p
        for p in world.get("people", [])
        if p.commune_id == home.pk and p.birth_year and p.birth_year <= today.year - 18
    ]
    station = services.site_create(
        name="Trạm Y tế Phường Hoàn Kiếm", address="Số 1 Phố Hàng Bạc", commune_id=home.pk, actor=vaccinator
    )
    school = services.site_create(
        name="Điểm tiêm Trường THCS Trưng Vương",
        address="Số 3 Phố Hàng Bài",
        commune_id=home.pk,
        actor=vaccinator,
    )
    lots = {}
    for (y, m, d), product, number in (*CAMPAIGN, *VERO):
        lots[number] = services.lot_get_or_create(
            product=product, number=number, expires_on=datetime(y, m, d).date() + timedelta(days=120)
        )
    sessions = {}
    for (y, m, d), product, number in (*CAMPAIGN, *VERO):
        day = datetime(y, m, d).date()
        sessions[number] = services.session_create(
            site=school,
            day=day,
            team="Đội tiêm lưu động số 2",
            product=product,
            lot=lots[number],
            actor=vaccinator,
        )
    # History in bulk: most adults had the campaign's doses (a few stopped early, a tenth had Vero Cell).
    rows = []
    keep = residents[: max(1, int(len(residents) * 0.85))]
    for person in keep:
        plan = VERO if rng.random() < 0.1 else CAMPAIGN
        doses = plan[: rng.choice((1, 2, 2, 3, 3, 3))]
        for dose_number, ((y, m, d), product, lot_number) in enumerate(doses, start=1):
            at = datetime(y, m, d, 8, tzinfo=VN_TZ) + timedelta(minutes=rng.randrange(0, 540))
            primary = schedules.PRODUCTS[plan[0][1]].primary_doses
            rows.append(
                Dose(
                    person=person,
                    number=dose_number,
                    series_doses=max(primary, dose_number),
                    product=product,
                    lot=lots[lot_number],
                    lot_number=lot_number,
                    given_at=at,
                    site=school,
                    session=sessions[lot_number],
                    given_by=vaccinator,
                    source=DoseSource.STATION,
                    schedule=schedules.policy_for(at.date()).name,
                )
            )
    Dose.objects.bulk_create(rows, batch_size=2000)

    # Today: a Pfizer session at the health station, under way for an hour.
    today_lot = services.lot_get_or_create(
        product="PFIZER", number="GH7712", expires_on=today + timedelta(days=90)
    )
    session = services.session_create(
        site=station,
        day=today,
        team="Tổ tiêm chủng trạm y tế",
        product="PFIZER",
        lot=today_lot,
        actor=vaccinator,
    )
    unvaccinated = residents[len(keep) :][:8]
    # Doses in the last 50 minutes, never before the session opened (7:30) nor in the future: a demo
    # loaded just after midnight squeezes them between midnight and now.
    current = now()
    opening = datetime.combine(today, time(7, 30), VN_TZ)
    if opening > current:
        opening = datetime.combine(today, time(0, 0), VN_TZ)
    start = max(current - timedelta(minutes=50), opening)
    step = min(timedelta(minutes=8), (current - start) / 7)
    given = []
    for i, person in enumerate(unvaccinated[:6]):
        outcome = services.dose_record(
            person=person,
            product="PFIZER",
            given_at=start + step * i,
            source=DoseSource.STATION,
            actor=vaccinator,
            session=session,
            lot=today_lot,
            observe=True,
        )
        given.append(outcome.dose)
    if given:
        services.adverse_event_record(
            dose=given[0], severity="mild", description="Đau tại chỗ tiêm, sốt nhẹ 37,8 độ", actor=vaccinator
        )
        services.observation_end(dose=given[0], actor=vaccinator)
    if len(unvaccinated) > 6:
        services.screening_note(
            person=unvaccinated[6],
            note="Tiền sử phản vệ độ 2 với thuốc kháng sinh: chuyển bệnh viện tiêm",
            contraindicated=True,
            session=session,
            actor=vaccinator,
        )
    # Certificates for the first vaccinated residents (the others get theirs when they open their page).

    for person in keep[:20]:
        try:
            services.certificate_issue(person=person, actor=vaccinator)
        except ServiceError:
            continue  # no date of birth on record
    # Today's invitations: the unvaccinated adults not seen yet, in 15-minute slots from 7:30.
    services.invitations_create(
        session=session,
        actor=vaccinator,
        born_from=today.year - 90,
        born_until=today.year - 18,
        group="Người chưa tiêm",
        first_slot=datetime.combine(today, time(7, 30), VN_TZ),
        limit=30,
    )
    world["vaccination_session"] = session
    world["logins"].append(
        (
            "demo-tiem-chung",
            world["password"],
            f"/vaccination/sessions/{session.pk}/station/ today's Pfizer session: scan a CCCD or a personal QR, Enter again to record",
        )
    )
