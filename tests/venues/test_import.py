"""Bulk import of venues from Excel or CSV: every row checked, all or nothing, a report per row."""

import io
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from epiqr.core.permissions import Role
from epiqr.venues.importing import template_xlsx
from epiqr.venues.models import Sector, Venue
from epiqr.venues.services import venues_import

HEADER = ["Tên địa điểm", "Loại hình", "Địa chỉ", "Xã/phường", "Điện thoại", "Sức chứa"]


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, *, sep=",", bom=False, header=HEADER) -> bytes:
    lines = [sep.join(header)] + [sep.join(str(c) for c in row) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@pytest.fixture
def officer(make_user, geo):
    return make_user(Role.PROVINCE_OFFICER, province=geo)


GOOD = [
    ["Nhà thuốc Hàng Bạc", "Nhà hàng, quán ăn, cà phê", "5 Hàng Bạc", "Phường Hoàn Kiếm", "0912345678", 10],
    ["Trường THCS Trưng Vương", "school", "3 Hàng Bài", "hoan kiem", "", ""],
    ["Chợ Hàng Da", "Chợ, trung tâm thương mại, cửa hàng", "1 Hàng Da", "70", "+84 24 3825 1234", "300"],
    ["Khách sạn Phố Cổ", "Lodging", "8 Hàng Gà", "Phuong Cua Nam", "", 25],
]


@pytest.mark.django_db
class TestGoodFiles:
    def test_xlsx_imports_every_row(self, officer):
        report = venues_import(actor=officer, file=xlsx(GOOD), filename="dia-diem.xlsx")
        assert report.ok, report.refused
        assert len(report.created) == 4
        stored = {v.name: v for v in Venue.objects.all()}
        assert stored["Nhà thuốc Hàng Bạc"].sector == Sector.FOOD
        assert stored["Trường THCS Trưng Vương"].commune.name == "Phường Hoàn Kiếm"
        assert stored["Chợ Hàng Da"].commune_id == 70 and stored["Chợ Hàng Da"].capacity == 300
        assert stored["Chợ Hàng Da"].phone == "02438251234"
        assert stored["Khách sạn Phố Cổ"].commune.name == "Phường Cửa Nam"
        assert len({v.code for v in stored.values()}) == 4
        assert all(v.pk for v in report.created) and report.created_lines == [2, 3, 4, 5]

    @pytest.mark.parametrize(("sep", "bom"), [(",", False), (",", True), (";", False), (";", True)])
    def test_csv_with_or_without_bom_comma_or_semicolon(self, officer, sep, bom):
        rows = [[c.replace(",", "") if isinstance(c, str) and sep == "," else c for c in r] for r in GOOD]
        rows[0][1] = "food"
        rows[2][1] = "retail"
        report = venues_import(actor=officer, file=csv_bytes(rows, sep=sep, bom=bom), filename="x.csv")
        assert report.ok, report.refused
        assert Venue.objects.count() == 4
        assert Venue.objects.get(name="Chợ Hàng Da").sector == Sector.RETAIL

    def test_quoted_csv_cells_with_the_separator_inside(self, officer):
        data = (
            "Tên địa điểm,Loại hình,Địa chỉ,Xã/phường\r\n"
            '"Quán Bún, Chả Hàng Mành","Nhà hàng, quán ăn, cà phê","1 Hàng Mành","Phường Hoàn Kiếm"\r\n'
        ).encode()
        report = venues_import(actor=officer, file=data, filename="x.csv")
        assert report.ok and report.created[0].name == "Quán Bún, Chả Hàng Mành"

    def test_event_times_from_excel_dates_and_text(self, officer):
        header = [*HEADER, "Bắt đầu (sự kiện)", "Kết thúc (sự kiện)"]
        rows = [
            [
                "Hội chợ Xuân",
                "Sự kiện",
                "Vườn hoa",
                "70",
                "",
                "",
                datetime(2027, 1, 20, 8),
                "25/01/2027 22:00",
            ],
        ]
        report = venues_import(actor=officer, file=xlsx(rows, header=header))
        assert report.ok, report.refused
        event = Venue.objects.get()
        assert (event.starts_at.hour, event.ends_at.day) == (1, 25)  # 08:00 Hanoi = 01:00 UTC

    def test_filled_template_imports(self, officer):
        book = load_workbook(io.BytesIO(template_xlsx()))
        sheet = book.worksheets[0]
        sheet.append(["Tiệm may Hàng Trống", "Khác", "20 Hàng Trống", "Phường Hoàn Kiếm", "Hà Nội"])
        out = io.BytesIO()
        book.save(out)
        report = venues_import(actor=officer, file=out.getvalue(), filename="mau.xlsx")
        assert report.ok, (report.refused, report.file_error)
        assert [v.name for v in report.created] == ["Tiệm may Hàng Trống"]
        assert report.created[0].sector == Sector.OTHER


@pytest.mark.django_db
class TestBadRows:
    def test_one_bad_row_imports_nothing_and_report_names_every_problem(self, officer):
        rows = [
            GOOD[0],
            ["", "food", "1 Hàng Đào", "70", "", ""],  # row 3: no name
            ["Quán A", "food", "1 Hàng Đào", "Phường Không Có", "", ""],  # row 4: unknown commune
            ["Quán B", "casino", "1 Hàng Đào", "70", "", ""],  # row 5: unknown sector
            ["Quán C", "food", "1 Hàng Đào", "70", "12345", ""],  # row 6: bad phone
            ["Nhà thuốc Hàng Bạc", "food", "5 hàng bạc", "hoàn kiếm", "", ""],  # row 7: same as row 2
            ["Quán D", "food", "1 Hàng Đào", "99999999", "", "nhiều"],  # row 8: bad code and capacity
            ["Quán E", "food", "", "70", "", ""],  # row 9: no address
        ]
        report = venues_import(actor=officer, file=xlsx(rows), filename="x.xlsx")
        assert not report.ok
        assert Venue.objects.count() == 0 and report.created == []
        by_row = {r.line: r.reason for r in report.refused}
        assert 2 not in by_row
        assert "Thiếu tên" in by_row[3]  # messages are Vietnamese first
        assert "Phường Không Có" in by_row[4]
        assert "casino" in by_row[5]
        assert "12345" in by_row[6]
        assert "Trùng với dòng 2" in by_row[7]
        assert "99999999" in by_row[8] and "nhiều" in by_row[8]
        assert "Thiếu địa chỉ" in by_row[9]
        assert [r.line for r in report.refused] == [3, 4, 5, 6, 7, 8, 9]

    def test_reimporting_the_same_sheet_reports_already_registered(self, officer):
        first = venues_import(actor=officer, file=xlsx(GOOD))
        assert first.ok
        again = venues_import(actor=officer, file=xlsx(GOOD))
        assert not again.ok and Venue.objects.count() == 4
        assert first.created[0].code in again.refused[0].reason

    def test_commune_officer_cannot_import_outside_their_commune(self, make_user, geo):
        from epiqr.geo.models import Commune

        hoan_kiem = Commune.objects.get(pk=70)
        officer = make_user(Role.COMMUNE_OFFICER, commune=hoan_kiem)
        report = venues_import(actor=officer, file=xlsx(GOOD))
        assert [r.line for r in report.refused] == [5]  # Cửa Nam is next door
        assert Venue.objects.count() == 0

    def test_ambiguous_commune_name_needs_a_province(self, make_user):
        admin = make_user(Role.ADMIN)
        rows = [["Quán F", "food", "1 Đường Làng", "Xã Bình Minh", "", ""]]
        report = venues_import(actor=admin, file=xlsx(rows))
        assert "Xã Bình Minh" in report.refused[0].reason
        header = [*HEADER, "Tỉnh/thành phố"]
        report = venues_import(actor=admin, file=xlsx([[*rows[0], "Hà Nội"]], header=header))
        assert report.ok, report.refused
        assert report.created[0].commune.province_id == 1


@pytest.mark.django_db
class TestBadFiles:
    @pytest.mark.parametrize(
        ("blob", "name", "words"),
        [
            (b"", "x.csv", ("trống",)),
            (b"PK\x03\x04 not really a zip", "x.xlsx", ("Excel",)),
            ("Tên,Địa chỉ\r\nA,B\r\n".encode("cp1258", errors="replace"), "x.csv", ("UTF-8",)),
            ("Tên địa điểm,Địa chỉ\r\nA,B\r\n".encode(), "x.csv", ("Loại hình",)),
            ("Tên địa điểm,Loại hình,Địa chỉ,Xã/phường\r\n".encode(), "x.csv", ("không có dòng",)),
        ],
    )
    def test_unreadable_file_gets_a_reason(self, officer, blob, name, words):
        report = venues_import(actor=officer, file=blob, filename=name)
        assert not report.ok and report.file_error
        assert any(w in report.file_error for w in words), report.file_error
        assert Venue.objects.count() == 0

    def test_too_large_file(self, officer):
        blob = csv_bytes(GOOD) + b"\r\n" * (5 * 1024 * 1024)
        report = venues_import(actor=officer, file=blob, filename="x.csv")
        assert "5 MB" in report.file_error and Venue.objects.count() == 0

    def test_too_many_rows(self, officer, monkeypatch):
        monkeypatch.setattr("epiqr.venues.importing.MAX_ROWS", 3)
        report = venues_import(actor=officer, file=xlsx(GOOD))
        assert report.file_error and Venue.objects.count() == 0


@pytest.mark.django_db
def test_rows_already_parsed_are_imported_the_same_way(officer):
    rows = [
        {
            "_row": 2,
            "name": "Nhà sách Tràng Tiền",
            "sector": "Chợ, trung tâm thương mại, cửa hàng",
            "address": "44 Tràng Tiền",
            "commune": "Phường Hoàn Kiếm",
            "capacity": 80,
        },
        {
            "_row": 3,
            "name": "Nhà sách Tràng Tiền",
            "sector": "retail",
            "address": "44 Tràng Tiền",
            "commune": "70",
        },
    ]
    report = venues_import(actor=officer, rows=rows)
    assert [r.line for r in report.refused] == [3] and Venue.objects.count() == 0
    report = venues_import(actor=officer, rows=rows[:1])
    assert report.ok and report.created[0].capacity == 80 and report.created[0].sector == Sector.RETAIL
