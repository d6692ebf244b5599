"""Shared helpers for the check-in benchmarks: world set-up, a gunicorn server, a threaded HTTP load."""

import http.client
import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiqr.settings")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def machine() -> str:
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = (
            int(next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1])
            // 1024
        )
    except OSError:
        mem = 0
    return f"{os.cpu_count()} CPUs ({model}), {mem} MB RAM, Python {platform.python_version()}"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def world(*, venues: int, people: int, seed: int = 11):
    """An owner with `venues` venues and `people` registered people (CCCD payloads); returns
    (owner, token, venue list, payload list, person ids)."""
    from epiqr.accounts.services import api_token_create
    from epiqr.core.permissions import Role
    from epiqr.core.text import fold
    from epiqr.geo.models import Commune, Province
    from epiqr.geo.services import units_load
    from epiqr.people.idnumber import id_number_make
    from epiqr.people.services import person_from_scan
    from epiqr.venues.models import Venue
    from tests.factories import user_factory

    if not Province.objects.exists():
        units_load()
    commune = Commune.objects.filter(province_id=1).order_by("code").first()
    owner = user_factory(Role.VENUE_OWNER, username=f"bench-owner-{seed}-{time.time_ns()}")
    token = api_token_create(user=owner, name="bench")
    vs = Venue.objects.bulk_create(
        [
            Venue(
                code=f"B{seed % 100:02d}{i:05d}",
                name=f"Quán thử {i}",
                name_folded=fold(f"Quan thu {i}"),
                address="1 Phố Thử",
                commune=commune,
                owner=owner,
                capacity=100,
            )
            for i in range(venues)
        ]
    )
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Quốc Dũng", "Hoàng Thu Hà"]
    payloads, person_ids = [], []
    for i in range(people):
        year, sex = 1950 + i % 60, "MF"[i % 2]
        number = id_number_make(province_code="001", birth_year=year, sex=sex, serial=seed * 1_000_000 + i)
        word = "Nam" if sex == "M" else "Nữ"
        payload = f"{number}||{names[i % 5]}|0101{year}|{word}|{i} Phố Huế, Hà Nội|01012022"
        payloads.append(payload)
        person_ids.append(person_from_scan(payload=payload, create=True).person.pk)
    return owner, token, vs, payloads, person_ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn (sync workers) serving the bench settings on a loopback port."""

    def __init__(self, *, workers: int):
        self.port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.checkins_settings",
            "EPIQR_DEBUG": "0",
            "EPIQR_LOG_LEVEL": "WARNING",
            "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}",
        }
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "epiqr.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--backlog",
                "2048",
            ],
            env=env,
            cwd=ROOT,
        )
        deadline = time.time() + 180  # workers import Django slowly on a loaded machine
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def load(port: int, requests: list[tuple[str, dict, dict]], *, concurrency: int):
    """POST each (path, headers, body) once with `concurrency` threads; returns (seconds, latencies, statuses)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    feed = iter(requests)
    feed_lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with feed_lock:
                item = next(feed, None)
            if item is None:
                return
            path, headers, body = item
            data = json.dumps(body)
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=data, headers={"Content-Type": "application/json", **headers})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, statuses


def vacuum_analyze():
    """VACUUM ANALYZE the bench database (outside a transaction), so plans see the world just built."""
    from django.db import connection

    connection.ensure_connection()
    autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    try:
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    finally:
        connection.set_autocommit(autocommit)


def median(values):
    return statistics.median(values)


def chunks(seq, n):
    it = iter(seq)
    while chunk := list(itertools.islice(it, n)):
        yield chunk
