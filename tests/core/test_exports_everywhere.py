"""The class of the formula-injection bug: every CSV or XLSX any route of the project produces is inert,
and no module but the shared writer (epiqr.core.export) writes CSV or XLSX."""

import ast
import csv
import io
import unicodedata
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook

from epiqr.core.permissions import Role
from tests.routes import (
    HOSTILE_NAMES,
    HOSTILE_SITE,
    HOSTILE_TEAM,
    HOSTILE_VENUE,
    all_routes,
    build_world,
    path_for,
)

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "epiqr"
WRITER = SRC / "core" / "export.py"


def _dangerous(text: str) -> bool:
    """Could a spreadsheet program run this cell? (Written here independently of the writer's rule.)"""
    if text[:1] in ("\t", "\r", "\n"):
        return True
    visible = text.lstrip(" \u00a0\u200b\ufeff\u200e\u200f")
    return unicodedata.normalize("NFKC", visible[:1]) in ("=", "+", "-", "@") or visible[:1] == "\u2212"


def _files(admin, api: Client, world: dict) -> dict[str, bytes]:
    """Every CSV/XLSX answer of every route (pages and API) to GET and POST asking for either format."""
    found = {}
    client = Client()
    for route in all_routes():
        if route.is_admin:
            continue
        path = path_for(route, world)
        for fmt in ("csv", "xlsx"):
            data = {"format": fmt, "purpose": "kiểm tra xuất tệp"}
            who = api if route.is_api else client
            for method in (who.get, who.post):
                client.force_login(admin)  # a walked route may have logged out
                response = method(path, data)
                kind = response.get("Content-Type", "")
                if "csv" in kind or "spreadsheetml" in kind:
                    assert response.status_code == 200, (path, response.status_code)
                    body = response.getvalue() if response.streaming else response.content
                    found[f"{method.__name__.upper()} {path} {fmt}"] = (kind, body)
    return found


def test_every_export_of_every_route_is_inert(commune, make_user, api_client):
    admin = make_user(Role.ADMIN, username="kiem-toan")
    world = build_world(commune=commune, admin=admin)
    files = _files(admin, api_client(admin), world)

    # The known exports are among what the walk found (so the walk itself works).
    run, session = world["run"].pk, world["session"].pk
    job_csv, file_csv = world["job_files"]["csv"]
    job_xlsx, file_xlsx = world["job_files"]["xlsx"]
    for path in (f"/jobs/{job_csv}/files/{file_csv}/",):  # the walk fills one job; the other by hand
        client = Client()
        client.force_login(admin)
        response = client.get(path)
        files[f"GET {path} csv"] = (response["Content-Type"], response.content)
    produced = " ".join(files)
    for expected in (
        f"GET /jobs/{job_csv}/files/{file_csv}/ csv",  # the run page's exports, written as jobs
        f"GET /jobs/{job_xlsx}/files/{file_xlsx}/ xlsx",
        f"GET /api/v1/tracing/runs/{run}/export csv",
        f"GET /api/v1/tracing/runs/{run}/export xlsx",
        f"GET /testing/sessions/{session}/manifest.csv",
        "GET /venues/import/template.xlsx",
        "GET /hotline/stats/ csv",
        "GET /hotline/stats/ xlsx",
        "GET /quarantine/ csv",
        "GET /quarantine/calls/ xlsx",
    ):
        assert expected in produced, (expected, sorted(files))

    seen_hostile = set()
    for where, (kind, body) in files.items():
        if "csv" in kind:
            for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")):
                for cell in row:
                    assert not _dangerous(cell), (where, cell)
                    seen_hostile.add(cell.removeprefix("'"))
        else:
            book = load_workbook(io.BytesIO(body))
            for ws in book.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", (where, ws.title, cell.coordinate, cell.value)
                        if isinstance(cell.value, str) and _dangerous(cell.value):
                            assert cell.quotePrefix, (where, ws.title, cell.coordinate, cell.value)
                            seen_hostile.add(cell.value)
    # The hostile names reached the files (the checks above were not vacuous).
    contact_names = {p.full_name for p in world["people"][1:]}
    assert contact_names & seen_hostile, sorted(seen_hostile)[:20]
    assert HOSTILE_VENUE in seen_hostile and HOSTILE_SITE in " ".join(seen_hostile)
    assert HOSTILE_TEAM in seen_hostile  # a sampling team, and the hotline team of the statistics
    assert any(name.replace("\t", "") in " ".join(seen_hostile) for name in HOSTILE_NAMES)


def _violations(path: Path) -> list[str]:
    """Where a module writes CSV or XLSX itself instead of through the shared writer."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "csv" and node.attr in ("writer", "DictWriter"):
                found.append(f"csv.{node.attr} line {node.lineno}")
            if node.value.id == "openpyxl":
                found.append(f"openpyxl.{node.attr} line {node.lineno}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module == "csv" and names & {"writer", "DictWriter"}:
                found.append(f"from csv import {names} line {node.lineno}")
            # Reading uploaded workbooks (load_workbook) is not output.
            if node.module.startswith("openpyxl") and names - {"load_workbook"}:
                found.append(f"from {node.module} import {sorted(names)} line {node.lineno}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("openpyxl") or alias.name in ("xlsxwriter", "xlwt", "pandas"):
                    found.append(f"import {alias.name} line {node.lineno}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "text/csv" in node.value or "spreadsheetml" in node.value:
                found.append(f"content type {node.value!r} line {node.lineno}")
    return found


def test_no_module_but_the_shared_writer_writes_csv_or_xlsx():
    assert _violations(WRITER), "the check must recognise the writer's own use of csv and openpyxl"
    offenders = {
        str(path.relative_to(SRC)): v
        for path in sorted(SRC.rglob("*.py"))
        if path != WRITER and "migrations" not in path.parts and (v := _violations(path))
    }
    assert offenders == {}, "write CSV/XLSX through epiqr.core.export (see docs/development.md)"
