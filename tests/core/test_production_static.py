"""gunicorn alone is a working production server: with DEBUG off the app serves its own static files
(WhiteNoise), compressed and under content-hashed names that browsers may keep for a year.

A real gunicorn is started on a throwaway database with static files collected into a temporary
STATIC_ROOT, as the README's production steps do, and pages are loaded from it by HTTP and by Chromium.
"""

import gzip
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The URL of a gunicorn serving EpiQR with EPIQR_DEBUG=0 and nothing in front of it."""
    root = tmp_path_factory.mktemp("production")
    env = {
        **os.environ,
        "EPIQR_DEBUG": "0",
        "EPIQR_VAR_DIR": str(root / "var"),
        "STATIC_ROOT": str(root / "static"),
        "DATABASE_URL": f"sqlite:///{root / 'epiqr.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    for command in (["collectstatic", "--noinput"], ["migrate", "--noinput"]):
        subprocess.run([str(BIN / "epiqr"), *command], env=env, check=True, capture_output=True, timeout=600)
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "epiqr.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "120"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if fetch(url + "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail("gunicorn did not start: " + server.stderr.read().decode()[-2000:])
        time.sleep(0.3)
    yield url
    server.terminate()
    server.wait(timeout=30)


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def test_pages_link_hashed_stylesheets_served_compressed_and_cached_for_a_year(production):
    status, _headers, body = fetch(production + "/v")
    assert status == 200
    (css,) = stylesheets(body.decode())
    assert re.fullmatch(r"/static/epiqr/base\.[0-9a-f]{12}\.css", css), css
    status, headers, plain = fetch(production + css)
    assert status == 200 and headers["content-type"].startswith("text/css")
    assert "max-age=315360000" in headers["cache-control"] and "immutable" in headers["cache-control"]
    assert b"--brand" in plain
    status, headers, packed = fetch(production + css, **{"Accept-Encoding": "gzip"})
    assert headers.get("content-encoding") == "gzip" and gzip.decompress(packed) == plain
    assert fetch(production + "/static/epiqr/no-such-file.css")[0] == 404


@pytest.mark.browser
def test_a_page_from_gunicorn_alone_is_styled_in_chromium(production, phone390_page, screenshot):
    failed = []
    phone390_page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    phone390_page.goto(production + "/v")
    header = phone390_page.locator("header.top")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 110, 79)"
    assert (
        phone390_page.locator("input[name=code]").evaluate("e => getComputedStyle(e).textTransform")
        == "uppercase"
    )
    screenshot(phone390_page, "styled")
    assert failed == []


def test_the_deploy_check_says_to_collect_static_files(tmp_path):
    env = {
        **os.environ,
        "EPIQR_DEBUG": "0",
        "STATIC_ROOT": str(tmp_path / "empty"),
        "EPIQR_VAR_DIR": str(tmp_path),
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    done = subprocess.run(
        [str(BIN / "epiqr"), "check", "--deploy", "--tag", "staticfiles"],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert b"epiqr.W001" in done.stdout + done.stderr and b"collectstatic" in done.stdout + done.stderr
