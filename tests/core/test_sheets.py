"""The one spreadsheet reader every import uses: what it reads, and the reason it gives when it cannot."""

import io

import pytest
from openpyxl import Workbook

from epiqr.core.sheets import SheetError, cell_text, read_records, read_table, table_records


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_a_csv_is_read_whatever_excel_separated_it_with(sep):
    text = sep.join(["Mã ống", "Kết quả"]) + "\r\n" + sep.join(["HK-1", "âm tính"]) + "\r\n"
    table = read_table(("\ufeff" + text).encode(), filename="kq.csv", max_rows=10)
    assert table == [(1, ["Mã ống", "Kết quả"]), (2, ["HK-1", "âm tính"])]


def test_an_xlsx_is_read_by_its_signature_even_under_another_name():
    table = read_table(xlsx([["Tên", "Số"], ["Chợ Thử", 3]]), filename="export.txt", max_rows=10)
    assert table == [(1, ["Tên", "Số"]), (2, ["Chợ Thử", 3])]


@pytest.mark.parametrize(
    ("blob", "name", "code"),
    [
        (b"", "a.csv", "empty"),
        (b"\r\n , \r\n", "a.csv", "empty"),
        ("Tên\r\nChợ\r\n".encode("utf-16"), "a.csv", "encoding"),
        (b"PK\x03\x04 broken", "a.xlsx", "bad_file"),
        (b"%PDF-1.7", "a.pdf", "bad_file"),
    ],
)
def test_an_unreadable_file_is_refused_on_the_file_field_with_a_reason(blob, name, code):
    with pytest.raises(SheetError) as refused:
        read_table(blob, filename=name, max_rows=10)
    assert (refused.value.field, refused.value.code) == ("file", code)
    assert refused.value.message


def test_too_many_rows_or_bytes_is_refused_before_anything_is_imported():
    many = "\r\n".join(f"row {i}" for i in range(12)).encode()
    with pytest.raises(SheetError) as refused:
        read_table(many, filename="a.csv", max_rows=10)
    assert refused.value.code == "too_big"
    with pytest.raises(SheetError) as refused:
        read_table(xlsx([[i] for i in range(12)]), max_rows=10)
    assert refused.value.code == "too_big"
    with pytest.raises(SheetError) as refused:
        read_table(b"x" * 2048, filename="a.csv", max_rows=10, max_bytes=1024)
    assert refused.value.code == "too_big"


HEADERS = {"name": ("Tên đơn vị", "name"), "commune": ("Xã/phường", "commune"), "phone": ("Điện thoại",)}


def test_records_find_the_header_under_a_title_whatever_its_case_accents_or_required_mark():
    table = [
        (1, ["DANH SÁCH ĐƠN VỊ PHẢI TRIỂN KHAI", None, None]),
        (2, [None, None, None]),
        (3, ["TEN DON VI *", "xã/PHƯỜNG", "Ghi chú"]),
        (4, ["Chợ Thử", "Phường Một", "không đọc"]),
        (5, [None, "", None]),
        (6, ["Tiệm Thử", 70.0, None]),
    ]
    records = table_records(table, headers=HEADERS, required=("name", "commune"), header_field="name")
    assert [(r.line, r.values) for r in records] == [
        (4, {"name": "Chợ Thử", "commune": "Phường Một"}),
        (6, {"name": "Tiệm Thử", "commune": 70.0}),
    ]
    assert cell_text(70.0) == "70" and cell_text(None) == ""


def test_records_name_the_missing_column_as_the_template_writes_it():
    table = [(1, ["Tên đơn vị", "Điện thoại"]), (2, ["Chợ Thử", "0912345678"])]
    with pytest.raises(SheetError) as refused:
        table_records(table, headers=HEADERS, required=("name", "commune"), labels={"commune": "Xã/phường"})
    assert refused.value.code == "columns" and "Xã/phường" in refused.value.message


def test_records_past_the_limit_are_refused_with_the_limit():
    blob = ("name,commune\n" + "Chợ,Phường\n" * 11).encode()
    assert len(read_records(blob, filename="a.csv", headers=HEADERS, max_rows=11)) == 11
    with pytest.raises(SheetError) as refused:
        read_records(blob, filename="a.csv", headers=HEADERS, max_rows=10)
    assert refused.value.code == "too_big" and "10" in refused.value.message
