"""Builders of made-up scan payloads, in the shapes real cards and apps produce."""

from datetime import date

from epiqr.people.idnumber import id_number_make


def cccd_number(*, province: str = "001", born: int = 1990, sex: str = "M", serial: int = 123456) -> str:
    return id_number_make(province_code=province, birth_year=born, sex=sex, serial=serial)


def cccd(
    *,
    number: str | None = None,
    old: str = "012345678",
    name: str = "Nguyễn Văn An",
    born: date = date(1990, 3, 15),
    sex: str = "M",
    address: str = "Số 12 Hàng Bạc, Phường Hoàn Kiếm, Hà Nội",
    issued: date | None = date(2021, 7, 1),
    extra: tuple[str, ...] = (),
) -> str:
    number = number or cccd_number(born=born.year, sex=sex)
    fields = [
        number,
        old,
        name,
        born.strftime("%d%m%Y"),
        "Nam" if sex == "M" else "Nữ",
        address,
        issued.strftime("%d%m%Y") if issued else "",
        *extra,
    ]
    return "|".join(fields)


def bhyt(
    *,
    code: str = "GD4010123456789",
    name: str = "Trần Thị Bình",
    born: str = "02/09/1985",
    sex: str = "2",
    address: str = "Phường Hoàn Kiếm, Hà Nội",
    hex_fields: bool = True,
    valid_from: str = "01/01/2021",
    valid_to: str = "31/12/2021",
    issued: str = "15/12/2020",
) -> str:
    enc = (lambda s: s.encode().hex()) if hex_fields else (lambda s: s)
    fields = [
        code,
        enc(name),
        born,
        sex,
        enc(address),
        "01 - 001",
        valid_from,
        valid_to,
        issued,
        "8a2c1f",
        "-",
        "4",
    ]
    return "|".join(fields) + "|$"


def national(
    *,
    number: str | None = None,
    name: str = "LE MINH CHAU",
    born: str = "1978-11-**",
    sex: str = "0",
    qid: str = "QR0012345",
    ext: str = "0912345678<HA NOI",
) -> str:
    number = number or "******" + cccd_number(born=1978, sex="F", serial=654321)[6:]
    return "|".join([number, name, born, sex, qid, ext])
