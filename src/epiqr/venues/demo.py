"""Demo venues: a few hundred believable (made-up) places in Hà Nội, dense around Phường Hoàn Kiếm."""

from datetime import timedelta

from epiqr.accounts.models import OrgKind, User
from epiqr.core.text import fold
from epiqr.core.timeutil import now

from .models import Sector, Venue
from .services import venue_codes_new

BASE_COUNT = 300
NEIGHBOURS = (
    "Phường Cửa Nam",
    "Phường Ba Đình",
    "Phường Hai Bà Trưng",
    "Phường Ngọc Hà",
    "Phường Giảng Võ",
    "Phường Văn Miếu - Quốc Tử Giám",
    "Phường Ô Chợ Dừa",
    "Phường Bạch Mai",
)
STREETS = (
    "Hàng Bạc",
    "Hàng Đào",
    "Hàng Gai",
    "Hàng Bông",
    "Hàng Mã",
    "Hàng Buồm",
    "Lương Văn Can",
    "Đinh Tiên Hoàng",
    "Tràng Tiền",
    "Hàng Khay",
    "Lý Thái Tổ",
    "Bà Triệu",
    "Phố Huế",
    "Lò Sũ",
    "Mã Mây",
    "Tạ Hiện",
    "Hàng Chiếu",
    "Hàng Trống",
    "Nhà Thờ",
    "Ấu Triệu",
    "Cầu Gỗ",
    "Hàng Than",
)
WORDS = (
    "Hồ Gươm",
    "Thăng Long",
    "Phượng Hoàng",
    "Bình An",
    "Minh Châu",
    "Hương Sen",
    "Ngọc Lan",
    "Sao Mai",
    "Thủy Tiên",
    "Hạnh Phúc",
    "Tràng An",
    "Phố Cổ",
    "Hoa Sữa",
    "Tây Hồ",
    "Kim Ngân",
    "Đông Đô",
)
PEOPLE = ("Cô Ba", "Bà Tư", "Chú Hải", "Anh Tuấn", "Chị Hoa", "Ông Sáu", "Cô Lan", "Bác Thịnh")
SCHOOL_NAMES = (
    "Trưng Vương",
    "Ngô Sĩ Liên",
    "Lý Thường Kiệt",
    "Trần Phú",
    "Chu Văn An",
    "Nguyễn Du",
    "Lê Ngọc Hân",
    "Hoàn Kiếm",
    "Tràng An",
    "Việt Đức",
)
TEMPLATES = {
    Sector.FOOD: (
        "Cà phê {word}",
        "Phở {street}",
        "Bún chả {street}",
        "Quán bia hơi {street}",
        "Nhà hàng {word}",
        "Bánh mì {person}",
        "Chè {street}",
        "Bún thang {person}",
    ),
    Sector.HEALTH: ("Nhà thuốc {street}", "Phòng khám Đa khoa {word}", "Nha khoa {word}", "Nhà thuốc {word}"),
    Sector.SCHOOL: (
        "Trường THCS {school}",
        "Trường Tiểu học {school}",
        "Trường Mầm non {word}",
        "Trường THPT {school}",
    ),
    Sector.LODGING: ("Khách sạn {word}", "Khách sạn {street}", "Nhà nghỉ {word}", "Homestay {street_name}"),
    Sector.RETAIL: (
        "Chợ {street}",
        "Tạp hoá {person}",
        "Siêu thị mini {word}",
        "Tiệm vàng {word}",
        "Cửa hàng điện thoại {word}",
        "Hiệu sách {street}",
    ),
    Sector.WORKPLACE: (
        "Công ty TNHH {word}",
        "Văn phòng Luật {word}",
        "Xưởng may {street}",
        "Ngân hàng {word} chi nhánh {street}",
    ),
    Sector.TRANSPORT: ("Điểm dừng xe buýt {street}", "Bến xe điện {street}", "Bãi gửi xe {street}"),
    Sector.RELIGIOUS: ("Chùa {word}", "Đình {street}", "Đền {word}"),
    Sector.OTHER: (
        "Tiệm cắt tóc {person}",
        "Phòng gym {word}",
        "Sân cầu lông {street}",
        "Tiệm giặt là {person}",
    ),
}
EVENTS = (
    "Hội chợ Xuân Phố Cổ",
    "Lễ hội Ẩm thực Hàng Buồm",
    "Đêm nhạc Bờ Hồ",
    "Triển lãm Ảnh Hà Nội Xưa",
    "Giải chạy Vòng quanh Hồ Gươm",
)
# Share of each sector among the demo venues (events are added separately).
WEIGHTS = {
    Sector.FOOD: 30,
    Sector.RETAIL: 20,
    Sector.HEALTH: 8,
    Sector.SCHOOL: 6,
    Sector.LODGING: 10,
    Sector.WORKPLACE: 10,
    Sector.TRANSPORT: 4,
    Sector.RELIGIOUS: 5,
    Sector.OTHER: 7,
}
CAPACITY = {
    Sector.FOOD: (20, 120),
    Sector.RETAIL: (10, 400),
    Sector.HEALTH: (10, 80),
    Sector.SCHOOL: (300, 1500),
    Sector.LODGING: (20, 200),
    Sector.WORKPLACE: (20, 500),
    Sector.TRANSPORT: (30, 300),
    Sector.RELIGIOUS: (50, 500),
    Sector.OTHER: (10, 60),
    Sector.EVENT: (500, 5000),
}


def street_name(street: str) -> str:
    """The street as written in an address: "Phố Hàng Bạc", and "Phố Huế" once (its name starts with it)."""
    return street if street.startswith("Phố ") else f"Phố {street}"


def populate(world: dict) -> None:
    rng = world["rng"]
    home = world["home_commune"]
    communes = world["communes"]
    neighbours = [c for c in communes if c.name in NEIGHBOURS] or communes[:8]
    count = max(20, int(BASE_COUNT * world.get("scale", 1.0)))
    sectors = list(WEIGHTS)
    weights = [WEIGHTS[s] for s in sectors]
    seen: set[tuple] = set()
    rows: list[dict] = []
    while len(rows) < count:
        roll = rng.random()
        commune = home if roll < 0.45 else rng.choice(neighbours) if roll < 0.75 else rng.choice(communes)
        sector = rng.choices(sectors, weights)[0]
        street = rng.choice(STREETS)
        name = rng.choice(TEMPLATES[sector]).format(
            word=rng.choice(WORDS),
            street=street,
            street_name=street_name(street),
            person=rng.choice(PEOPLE),
            school=rng.choice(SCHOOL_NAMES),
        )
        address = f"{rng.randint(1, 120)} {street_name(street)}"
        if (name, address, commune.code) in seen:
            continue
        seen.add((name, address, commune.code))
        rows.append({"name": name, "sector": sector, "address": address, "commune": commune})
    start = now().replace(minute=0, second=0, microsecond=0)
    for i, title in enumerate(EVENTS):
        begins = start + timedelta(days=(i - 2) * 3, hours=-2)  # some over, some on now, some ahead
        rows.append(
            {
                "name": f"{title} {begins.year}",
                "sector": Sector.EVENT,
                "address": "Vườn hoa Lý Thái Tổ",
                "commune": home,
                "starts_at": begins,
                "ends_at": begins + timedelta(days=4),
            }
        )
    owner = world["users"].get("demo-chu-quan")
    codes = venue_codes_new(len(rows))
    # The owner's shops: the first few ordinary venues of the home commune.
    owned = [i for i, r in enumerate(rows) if r["commune"] == home and r["sector"] != Sector.EVENT][:6]
    venues = []
    for i, (row, code) in enumerate(zip(rows, codes, strict=True)):
        low, high = CAPACITY[row["sector"]]
        venues.append(
            Venue(
                code=code,
                name_folded=fold(row["name"]),
                phone=f"09{rng.randint(10_000_000, 99_999_999)}",
                capacity=rng.randint(low, high),
                owner=owner if i in owned else None,
                **row,
            )
        )
    world["venues"] = Venue.objects.bulk_create(venues, batch_size=500)
    _staff_venue(world)
    _self_assessments(world)


def _self_assessments(world: dict) -> None:
    """The owner assessed two of their shops (one safe, one missing masks: high risk); the others wait for
    theirs, so the owner's login has something to do and the safe-venue map shows each status."""
    from .services import venue_safety_assess

    owner = world["users"].get("demo-chu-quan")
    owned = [v for v in world["venues"] if v.owner_id and v.is_active]
    if owner is None or len(owned) < 2:
        return
    yes = {k: True for k in ("qr_posted", "masks", "hand_washing", "distancing", "ventilation", "cleaning",
                             "staff_protected")}  # fmt: skip
    venue_safety_assess(venue=owned[0], actor=owner, answers={**yes, "ventilation": False})
    venue_safety_assess(venue=owned[1], actor=owner, answers={**yes, "masks": False})


def _staff_venue(world: dict) -> None:
    """Attach the demo scan-station account to one of the owner's venues."""
    staff = world["users"].get("demo-nhan-vien")
    owned = [v for v in world["venues"] if v.owner_id]
    if staff is None or not owned:
        return

    User.objects.filter(pk=staff.pk).update(org_kind=OrgKind.VENUE, org_id=owned[0].pk)
    staff.org_kind, staff.org_id = OrgKind.VENUE, owned[0].pk
