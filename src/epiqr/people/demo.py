"""Demo people: a few thousand made-up residents of Hà Nội, most around Phường Hoàn Kiếm.

Names are built from common Vietnamese family, middle and given names; CCCD numbers are valid-looking
(province code, century/sex digit and birth year consistent) but invented. Bulk inserts: a few seconds.
"""

from datetime import date, timedelta

from epiqr.core.text import fold

from .idnumber import id_number_make
from .models import DocumentKind, IdentityDocument, Person

BASE_COUNT = 3000
# Phường Hoàn Kiếm and the wards around it get most of the people, the rest spread over Hà Nội.
CENTRE = (
    "Phường Hoàn Kiếm",
    "Phường Cửa Nam",
    "Phường Hai Bà Trưng",
    "Phường Hồng Hà",
    "Phường Ba Đình",
    "Phường Văn Miếu - Quốc Tử Giám",
    "Phường Ô Chợ Dừa",
)
CENTRE_WEIGHTS = (30, 10, 8, 8, 6, 5, 5)
SPREAD_WEIGHT = 28  # share of people outside the centre

FAMILY = (
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Phan", 4),
    ("Vũ", 4),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 1),
    ("Ngô", 1),
    ("Dương", 1),
    ("Lý", 1),
    ("Đinh", 1),
    ("Trịnh", 1),
)
MIDDLE = {
    "M": ("Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh", "Xuân", "Quốc", "Mạnh"),
    "F": ("Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Hồng", "Thúy", "Kim", "Bích"),
}
GIVEN = {
    "M": ("An", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hùng", "Huy", "Khoa", "Long", "Minh", "Nam", "Phúc")
    + ("Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Hoàng", "Trung", "Kiên", "Tùng"),
    "F": ("Anh", "Bích", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngọc")
    + ("Nhung", "Phương", "Thảo", "Trang", "Yến", "Vân", "Huyền", "Nga", "Tâm"),
}
STREETS = (
    "Phố Hàng Bạc",
    "Phố Hàng Đào",
    "Phố Hàng Gai",
    "Phố Lý Thái Tổ",
    "Phố Tràng Tiền",
    "Phố Huế",
    "Phố Bà Triệu",
    "Phố Hàng Bông",
    "Phố Đinh Tiên Hoàng",
    "Phố Lò Đúc",
    "Đường Láng",
    "Phố Kim Mã",
    "Ngõ Văn Chương",
    "Phố Tôn Đức Thắng",
)
BIRTH_PROVINCES = ("001",) * 14 + ("036", "034", "030", "037", "038", "040", "022", "031", "079", "048")
MOBILE_PREFIXES = (
    "090",
    "091",
    "093",
    "094",
    "096",
    "097",
    "098",
    "032",
    "035",
    "038",
    "083",
    "086",
    "070",
    "077",
)


def populate(world: dict) -> None:
    rng = world["rng"]
    count = max(20, int(BASE_COUNT * world.get("scale", 1.0)))
    communes = world["communes"]
    by_name = {c.name: c for c in communes}
    centre = [by_name[n] for n in CENTRE if n in by_name]
    weights = list(CENTRE_WEIGHTS[: len(centre)])
    outside = [c for c in communes if c not in centre]
    today = date.today()

    people: list[Person] = []
    documents: list[tuple[int, str, str]] = []  # (index in people, kind, number)
    household_phone = ""
    for i in range(count):
        sex = "M" if rng.random() < 0.49 else "F"
        year = _birth_year(rng, today.year)
        born = min(date(year, 1, 1) + timedelta(days=rng.randrange(365)), today - timedelta(days=1))
        name = f"{_pick(rng, FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
        commune = rng.choices(centre, weights)[0] if centre and rng.random() * 100 >= SPREAD_WEIGHT else None
        commune = commune or rng.choice(outside or communes)
        # about one person in five shares the phone of the previous one (a household), one in ten has none
        roll = rng.random()
        if roll < 0.1 or year > today.year - 10:
            phone = ""
        elif roll < 0.3 and household_phone:
            phone = household_phone
        else:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"
            household_phone = phone
        people.append(
            Person(
                full_name=name,
                name_folded=fold(name),
                birth_date=born if rng.random() < 0.9 else None,
                birth_year=year,
                sex=sex,
                phone=phone,
                address=f"Số {rng.randrange(1, 200)} {rng.choice(STREETS)}",  # the commune is its own field
                commune=commune,
            )
        )
        serial = (i * 7919 + 104_729) % 1_000_000  # 7919 is prime to 10^6: distinct for every i
        if year <= today.year - 14 or rng.random() < 0.3:  # children often have no card yet
            number = id_number_make(
                province_code=rng.choice(BIRTH_PROVINCES), birth_year=year, sex=sex, serial=serial
            )
            documents.append((i, DocumentKind.CCCD, number))
        if year < 1995 and rng.random() < 0.4:
            documents.append((i, DocumentKind.CMND, f"{1 + i % 9}{serial:08d}"[:9]))
        if rng.random() < 0.6:
            documents.append((i, DocumentKind.BHYT, f"01{i:08d}"))

    created = Person.objects.bulk_create(people, batch_size=1000)
    if created and created[0].pk is None:  # a backend without RETURNING: read the ids back
        created = list(Person.objects.order_by("-pk")[: len(people)])[::-1]
    IdentityDocument.objects.bulk_create(
        [IdentityDocument(person=created[i], kind=kind, number=number) for i, kind, number in documents],
        batch_size=2000,
    )
    world["people"] = created


def _birth_year(rng, this_year: int) -> int:
    """A Hà Nội-like age pyramid: many adults 20-60, fewer children and elderly."""
    age = int(rng.triangular(0, 95, 35))
    return this_year - age


def _pick(rng, weighted: tuple[tuple[str, int], ...]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]
