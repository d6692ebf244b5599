"""The hotline's demo: Hà Nội's 1022 centre and its teams, and a day of requests (made-up callers).

`demo-1022` (operator at the centre) lands on the console with queues to work; `demo-xa` is in the
commune team of Phường Hoàn Kiếm and `demo-dieu-phoi` in its medical team, so their queues on a phone
have requests too. Requests are filed through the services at times spread over the last ten hours,
some worked on, resolved or escalated, so the statistics and the histories have something to show.
"""

from datetime import timedelta

from django.utils import translation

from epiqr.core import timeutil

from . import services
from .models import Team, TeamKind, TeamMember

REQUESTS = [
    # (category, description, warning sign, vulnerable)
    ("f0_care", "F0 cách ly tại nhà, sốt 38,5 độ ngày thứ ba, cần bác sĩ tư vấn.", False, False),
    ("f0_care", "F0 khó thở khi nằm, SpO2 đo được 93%.", True, False),
    ("f0_care", "Mẹ là F0, 72 tuổi, hết thuốc huyết áp.", False, True),
    ("emergency", "Cụ ông ngã trong nhà, không tự đứng dậy được.", True, True),
    ("supplies", "Ngõ bị phong toả, nhà 5 người hết gạo và rau.", False, False),
    ("supplies", "Bà cụ sống một mình trong khu phong toả, cần thực phẩm.", False, True),
    ("supplies", "Cần sữa cho trẻ 8 tháng, nhà đang cách ly.", False, False),
    ("permits", "Hỏi thủ tục xin giấy đi đường cho nhân viên siêu thị.", False, False),
    ("test_results", "Xét nghiệm từ hôm kia chưa thấy kết quả trên ứng dụng.", False, False),
    ("vaccination", "Hỏi lịch tiêm mũi 2 cho người trên 65 tuổi.", False, False),
    ("violation", "Quán cà phê đầu ngõ vẫn mở cửa đông người sau 21h.", False, False),
    ("violation", "Người từ vùng dịch về không khai báo y tế.", False, False),
    ("other", "Hỏi cách đăng ký cho người nhà ở tỉnh khác.", False, False),
]
DONE = [
    "Đã gọi lại hướng dẫn; trạm y tế sẽ đến thăm khám chiều nay.",
    "Đã giao 10 kg gạo, rau và sữa.",
    "Đã trả lời qua điện thoại.",
    "Tổ công tác đã kiểm tra và nhắc nhở.",
]


def _teams(world) -> dict:
    province = world["province"]
    home = world["home_commune"]
    users = world.get("users", {})
    centre = Team.objects.create(
        name="Tổng đài 1022 Hà Nội", kind=TeamKind.CENTRE, province=province, phone="1022"
    )
    teams: dict = {"centre": centre}
    people = world.get("people", [])
    busiest: dict[int, int] = {}
    for p in people:
        if p.commune_id:
            busiest[p.commune_id] = busiest.get(p.commune_id, 0) + 1
    communes = {c.pk: c for c in world["communes"]}
    chosen = [home] + [
        communes[c] for c, _n in sorted(busiest.items(), key=lambda kv: -kv[1]) if c != home.pk
    ][:4]
    for commune in chosen:
        steering = Team.objects.create(
            name=f"Ban chỉ đạo {commune.name}", kind=TeamKind.COMMUNE, province=province, commune=commune,
            parent=centre,
        )  # fmt: skip
        medical = Team.objects.create(
            name=f"Trạm y tế {commune.name}", kind=TeamKind.MEDICAL, province=province, commune=commune,
            parent=steering,
        )  # fmt: skip
        teams[commune.pk] = (steering, medical)
    Team.objects.create(
        name="Nhóm tình nguyện Áo xanh", kind=TeamKind.VOLUNTEER, province=province, commune=home,
        parent=teams[home.pk][0],
    )  # fmt: skip
    for username, team in (
        ("demo-1022", centre),
        ("demo-tinh", centre),
        ("demo-xa", teams[home.pk][0]),
        ("demo-dieu-phoi", teams[home.pk][1]),
    ):
        if username in users:
            TeamMember.objects.create(team=team, user=users[username], is_lead=username == "demo-1022")
    return teams


WEB_NAMES = ("Chị Lan", "Anh Tuấn", "Cô Hạnh", "Bác Tư", "Em Vy")


def populate(world: dict) -> None:
    rng = world["rng"]
    teams = _teams(world)
    users = world.get("users", {})
    operator = users.get("demo-1022")
    if operator is None:
        return
    officer = users.get("demo-xa")
    people = [p for p in world.get("people", []) if p.phone and p.commune_id in teams]
    cases = {c.person_id: c for c in world.get("cases", [])}
    case_person = next((p for p in world.get("people", []) if p.pk in cases and p.commune_id in teams), None)
    now = timeutil.now()
    count = max(12, int(60 * world.get("scale", 1.0)))
    tickets = []
    with translation.override("vi"):
        for i in range(count):
            at = now - timedelta(minutes=int(600 * (count - i) / count) + rng.randrange(0, 5))
            category, text, warning, vulnerable = REQUESTS[rng.randrange(len(REQUESTS))]
            # A web request is not linked to anyone (the operator links it once they recognise the
            # caller): its sender is someone outside the registry, named as people sign such forms.
            # The first call always comes from someone in the registry, so the tour (and the audit tests)
            # always has a request linked to a person, whatever the draws.
            web = rng.random() < 0.2 and category not in ("emergency",) and i > 0
            linked = rng.random() < 0.6 or i == 0
            person = rng.choice(people) if people and linked and not web else None
            if category == "f0_care" and case_person is not None and rng.random() < 0.5 and not web:
                person = case_person
            commune_id = person.commune_id if person else rng.choice(list(k for k in teams if k != "centre"))
            if i >= count - 3:  # the latest calls come from Phường Hoàn Kiếm: demo-xa's queue has work
                home = world["home_commune"].pk
                person = person if person and person.commune_id == home else None
                commune_id = home
                category, text, warning, vulnerable = REQUESTS[4 + i % 3]
            steering, medical = teams[commune_id]
            team = medical if category in ("f0_care", "emergency") else steering
            if category in ("permits", "test_results", "vaccination", "other"):
                team = teams["centre"] if rng.random() < 0.7 else None
            ticket = services.ticket_file(
                filing=services.Filing(
                    source="web" if web else "call",
                    category=category,
                    description=text,
                    phone=(person.phone if person else "") or f"09{rng.randrange(10**8):08d}",
                    caller_name=person.full_name if person else (rng.choice(WEB_NAMES) if web else ""),
                    commune_id=commune_id,
                    address=person.address
                    if person
                    else f"Số {rng.randrange(1, 90)} ngõ {rng.randrange(1, 40)}",
                    warning_sign=warning,
                    vulnerable=vulnerable,
                    person_id=person.pk if person else None,
                    team_id=None if web or team is None else team.pk,
                    phone_verified=web,
                ),
                actor=None if web else operator,
                at=at,
                notify=False,
            )
            tickets.append(ticket)
        _work(rng, tickets, officer=officer, operator=operator, users=users, now=now)
        services.tickets_escalate_due(at=now)
    world["logins"].append(
        (
            "demo-1022",
            world["password"],
            "Hotline 1022: the console (type a caller's phone), queues, requests: /hotline/",
        )
    )


def _work(rng, tickets, *, officer, operator, users, now) -> None:
    """Older requests were worked on: most taken, many resolved, a few cancelled."""
    medic = users.get("demo-dieu-phoi")
    for ticket in tickets[: int(len(tickets) * 0.7)]:
        at = ticket.created_at + timedelta(minutes=rng.randrange(3, 40))
        if at >= now:
            continue
        if ticket.team is None:
            if rng.random() < 0.5:
                continue
            ticket = services.ticket_resolve(ticket=ticket, actor=operator, resolution=DONE[2], at=at)
            continue
        worker = operator
        if (
            ticket.team.commune_id
            and officer is not None
            and ticket.team.kind == TeamKind.COMMUNE
            and ticket.team.commune_id == officer.commune_id
        ):
            worker = officer
        elif (
            ticket.team.kind == TeamKind.MEDICAL
            and medic is not None
            and ticket.team.memberships.filter(user=medic).exists()
        ):
            worker = medic
        roll = rng.random()
        if roll < 0.15:
            continue
        ticket = services.ticket_take(ticket=ticket, actor=worker, at=at)
        if roll < 0.35:
            services.ticket_note(
                ticket=ticket, actor=worker, text="Đã gọi lại cho người dân, đang sắp xếp.", at=at
            )
            continue
        done_at = at + timedelta(minutes=rng.randrange(10, 180))
        if done_at >= now:
            continue
        if roll < 0.4:
            services.ticket_cancel(ticket=ticket, actor=worker, reason="Trùng với phiếu đã có.", at=done_at)
        else:
            services.ticket_resolve(ticket=ticket, actor=worker, resolution=rng.choice(DONE), at=done_at)
