"""The backup of docs/deployment.md ("Backup and point-in-time restore") works as written: WAL archived
by `archive_command`, a base backup by `pg_basebackup`, and a restore to the moment before a mistaken
DELETE brings back every row committed until then and nothing after. A cluster of its own, started
from the PostgreSQL server binaries; PostgreSQL half only."""

import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]


def _tools():
    spec = importlib.util.spec_from_file_location(
        "epiqr_with_postgres_backup", ROOT / "tools" / "with_postgres.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def pg(request):
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run through tools/with_postgres.py)")
    tools = _tools()
    bindir = tools.find_bindir()
    base = Path(tempfile.mkdtemp(prefix="epiqr-backup-"))
    tools._own(base)
    started: list[Path] = []

    def run(*argv: str) -> None:
        subprocess.run(
            [*tools.run_as(), *argv], check=True, env=tools._env(), cwd="/", stdout=subprocess.DEVNULL
        )

    def start(data: Path, port: int, *options: str) -> None:
        tools._own(base / f"sock{port}")
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {base / f'sock{port}'} " + " ".join(options)
        run(
            str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / f"log{port}"), "-w", "start"
        )
        started.append(data)

    class Cluster:
        pass

    c = Cluster()
    c.base, c.bindir, c.run, c.start, c.tools = base, bindir, run, start, tools
    yield c
    for data in started:
        tools.pg_stop(bindir, data)
    shutil.rmtree(base, ignore_errors=True)


def _connect(port: int) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True)


def test_a_point_in_time_restore_brings_back_what_a_mistaken_delete_removed(pg):
    archive, data, backup = pg.base / "wal-archive", pg.base / "primary", pg.base / "base-backup"
    pg.tools._own(archive)
    pg.run(
        str(pg.bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"
    )
    port = pg.tools.free_port()
    # The primary's settings of docs/deployment.md (wal_level=replica is PostgreSQL 15's default).
    with open(data / "postgresql.conf", "a") as conf:
        conf.write("archive_mode = on\n")
        conf.write(f"archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'\n")
    pg.start(data, port)
    with _connect(port) as conn:
        conn.execute("CREATE TABLE checkins (id bigserial PRIMARY KEY, note text NOT NULL)")
        conn.execute("INSERT INTO checkins (note) SELECT 'before the backup' FROM generate_series(1, 500)")
    pg.run(
        str(pg.bindir / "pg_basebackup"),
        *(
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-D",
            str(backup),
            "-X",
            "stream",
            "-c",
            "fast",
        ),
    )
    with _connect(port) as conn:
        conn.execute("INSERT INTO checkins (note) SELECT 'after the backup' FROM generate_series(1, 300)")
        time.sleep(1.1)
        target: datetime = conn.execute("SELECT clock_timestamp()").fetchone()[0]
        time.sleep(1.1)
        conn.execute("DELETE FROM checkins")  # the mistake
        conn.execute("INSERT INTO checkins (note) VALUES ('after the mistake')")
        segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
        deadline = time.time() + 30
        while time.time() < deadline:
            archived = conn.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()[0]
            if archived and archived >= segment:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"WAL segment {segment} was not archived")
    pg.tools.pg_stop(pg.bindir, data)  # the primary is lost

    # The restore: the base backup, the archive, a target time; promoted once the target is reached.
    restored = pg.base / "restored"
    shutil.copytree(backup, restored)
    with open(restored / "postgresql.auto.conf", "a") as conf:
        conf.write(f"restore_command = 'cp {archive}/%f %p'\n")
        conf.write(f"recovery_target_time = '{target.isoformat()}'\n")
        conf.write("recovery_target_action = 'promote'\n")
    (restored / "recovery.signal").touch()
    restored.chmod(0o700)
    if os.geteuid() == 0:  # the copy is root's; the server runs as postgres
        subprocess.run(["chown", "-R", "postgres:postgres", str(restored)], check=True)
    new_port = pg.tools.free_port()
    pg.start(restored, new_port)
    with _connect(new_port) as conn:
        deadline = time.time() + 60
        while conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
            assert time.time() < deadline, "the restored cluster never left recovery"
            time.sleep(0.2)
        counts = dict(conn.execute("SELECT note, count(*) FROM checkins GROUP BY note").fetchall())
    assert counts == {"before the backup": 500, "after the backup": 300}
