"""The one spreadsheet reader every import uses: what it reads, and the reason it gives when it cannot."""

import io

import pytest
from openpyxl import Workbook

from epiqr.core.sheets import SheetError, read_table


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
