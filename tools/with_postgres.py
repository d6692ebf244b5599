#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL cluster: `with_postgres.py [--durable] [--keep DIR] -- CMD ...`.

Finds the server binaries (pg_ctl on PATH or /usr/lib/postgresql/*/bin), creates a cluster in a temp
directory, starts it on a free loopback port, runs CMD with DATABASE_URL pointing at it, then stops and
deletes the cluster. Without PostgreSQL it prints why and exits 0, unless EPIQR_REQUIRE_POSTGRES=1
(CI), where a missing server is a failure. As root the server runs as the `postgres` system user, since
PostgreSQL refuses to run as root.

`--keep DIR` keeps the cluster in DIR instead: created on first use, started again on the next, stopped
cleanly and left in place afterwards. Benchmarks use it to generate a large world once and measure it
many times (`epiqr synth` at full scale takes over ten minutes).
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def find_bindir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print(__doc__)
        return 2
    own = argv[: argv.index("--")]
    durable = "--durable" in own
    keep = Path(own[own.index("--keep") + 1]).resolve() if "--keep" in own[:-1] else None
    command = argv[argv.index("--") + 1 :]
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL server binaries not found: the PostgreSQL half of the tests is SKIPPED."
        print(f"\n*** {message} ***\n", flush=True)
        return 1 if os.environ.get("EPIQR_REQUIRE_POSTGRES") == "1" else 0
    as_root = os.geteuid() == 0
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = keep or Path(tempfile.mkdtemp(prefix="epiqr-pg-"))
    data, sockets = base / "data", base / "sock"
    existing = (data / "PG_VERSION").exists()
    base.mkdir(parents=True, exist_ok=True)
    sockets.mkdir(exist_ok=True)
    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
        base.chmod(0o755)
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    try:
        if not existing:
            initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "epiqr", "-A", "trust", "-E", "UTF8"]
            subprocess.run(
                [*run_as, *initdb, "--no-sync"], check=True, stdout=subprocess.DEVNULL, env=env, cwd="/"
            )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(
            [
                *run_as,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(base / "log"),
                "-w",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
            cwd="/",
        )
        if not existing:
            subprocess.run(
                [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "epiqr", "epiqr"],
                check=True,
                env=env,
            )
        url = f"postgres://epiqr@127.0.0.1:{port}/epiqr"
        kind = f"kept cluster in {base}" if keep else "throwaway cluster"
        print(f"PostgreSQL {bindir.parent.name} {kind} at {url}", flush=True)
        return subprocess.run(command, env={**os.environ, "DATABASE_URL": url}).returncode
    finally:
        subprocess.run(
            [
                *run_as,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "fast" if keep else "immediate",
                "-w",
                "stop",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
        )
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
