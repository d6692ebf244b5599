#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL cluster:
`with_postgres.py [--durable] [--keep DIR] [--replica] [--pooler session|transaction] -- CMD ...`.

Finds the server binaries (pg_ctl on PATH or /usr/lib/postgresql/*/bin), creates a cluster in a temp
directory, starts it on a free loopback port, runs CMD with DATABASE_URL pointing at it, then stops and
deletes the cluster. Without PostgreSQL it prints why and exits 0, unless EPIQR_REQUIRE_POSTGRES=1
(CI), where a missing server is a failure. As root the servers run as the `postgres` system user, since
PostgreSQL (and PgBouncer) refuse to run as root.

`--keep DIR` keeps the cluster in DIR instead: created on first use, started again on the next, stopped
cleanly and left in place afterwards. Benchmarks use it to generate a large world once and measure it
many times (`epiqr synth` at full scale takes over ten minutes).

`--replica` also starts a streaming standby of that cluster (pg_basebackup -R, loopback, a temp
directory, always thrown away) and gives CMD its address as EPIQR_REPLICA_URL (the app's read replica).

`--pooler session|transaction` starts PgBouncer (Debian package `pgbouncer`) in front of the primary in
that pool mode: CMD's DATABASE_URL then goes through it, EPIQR_PG_POOLER says the mode, and
EPIQR_DIRECT_URL still reaches the primary directly.

Everything listens on 127.0.0.1 only and is stopped when CMD ends, also when this script is interrupted
or terminated (SIGINT, SIGTERM, SIGHUP). The functions below are also used by the test suite's replica
and pooler fixtures (tests/conftest.py) and by the pooler benchmark.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

USER = "epiqr"


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


def run_as() -> list[str]:
    """The prefix that runs a server as the `postgres` user when we are root."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _env() -> dict:
    return {**os.environ, "LC_ALL": "C.UTF-8"}


def _own(path: Path) -> None:
    """A directory the servers (as `postgres` when we are root) may write in."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres")
        path.chmod(0o755)


def _wait_port(port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing answers on 127.0.0.1:{port}") from None
            time.sleep(0.05)


def server_options(port: int, sockets: Path, *, durable: bool) -> str:
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c max_connections=200"
    # A standby's queries are not cancelled by the primary's vacuum (heavy reads run there).
    options += " -c hot_standby_feedback=on -c wal_keep_size=256MB"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    return options


def pg_ctl(bindir: Path, data: Path, *args: str, check: bool = True, quiet_errors: bool = False) -> None:
    subprocess.run(
        [*run_as(), str(bindir / "pg_ctl"), "-D", str(data), *args],
        check=check,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if quiet_errors else None,
        env=_env(),
        cwd="/",
    )


def pg_start(bindir: Path, data: Path, port: int, sockets: Path, log: Path, *, durable: bool) -> None:
    pg_ctl(bindir, data, "-o", server_options(port, sockets, durable=durable), "-l", str(log), "-w", "start")


def pg_stop(bindir: Path, data: Path, *, fast: bool = False) -> None:
    pg_ctl(bindir, data, "-m", "fast" if fast else "immediate", "-w", "stop", check=False, quiet_errors=True)


@dataclass
class Standby:
    """A streaming standby of a primary on loopback, in its own throwaway directory."""

    bindir: Path
    base: Path
    port: int
    data: Path = field(init=False)

    def __post_init__(self) -> None:
        self.data = self.base / "data"

    def url(self, database: str = "epiqr") -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/{database}"

    def stop(self, *, fast: bool = False) -> None:
        """Immediate by default; `fast` first writes a restartpoint, so that the next start replays only
        the WAL since the primary's last checkpoint instead of everything since the previous one."""
        pg_stop(self.bindir, self.data, fast=fast)

    def start(self) -> None:
        pg_start(self.bindir, self.data, self.port, self.base / "sock", self.base / "log", durable=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def standby_start(bindir: Path, primary_port: int, *, host: str = "127.0.0.1") -> Standby:
    """Copy the running primary with pg_basebackup (-R: it follows the primary by streaming replication)
    and start the copy as a hot standby on a free loopback port."""
    base = Path(tempfile.mkdtemp(prefix="epiqr-standby-"))
    _own(base)
    _own(base / "sock")
    standby = Standby(bindir, base, free_port())
    subprocess.run(
        [
            *run_as(),
            str(bindir / "pg_basebackup"),
            *("-h", host, "-p", str(primary_port), "-U", USER, "-D", str(standby.data)),
            *("-R", "-X", "stream", "-c", "fast", "--no-sync"),
        ],
        check=True,
        env=_env(),
        cwd="/",
    )
    try:
        standby.start()
    except BaseException:
        standby.remove()
        raise
    return standby


@dataclass
class Pooler:
    """PgBouncer in front of a primary, on loopback."""

    process: subprocess.Popen
    base: Path
    port: int
    mode: str

    def url(self, database: str = "epiqr") -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)


def pooler_start(primary_port: int, *, mode: str, pool_size: int = 20, max_clients: int = 1000) -> Pooler:
    """PgBouncer (Debian package `pgbouncer`) on a free loopback port, every database passed to the
    primary as the `epiqr` user, in `mode` pooling ("session" or "transaction")."""
    if mode not in ("session", "transaction"):
        raise ValueError("pool mode is session or transaction")
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise FileNotFoundError("pgbouncer is not installed (apt-get install pgbouncer)")
    base = Path(tempfile.mkdtemp(prefix="epiqr-pgbouncer-"))
    _own(base)
    port = free_port()
    ini = base / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = host=127.0.0.1 port={primary_port} user={USER}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = any\nadmin_users = epiqr\nstats_users = epiqr\n"
        f"pool_mode = {mode}\n"
        f"default_pool_size = {pool_size}\nmax_client_conn = {max_clients}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {base / 'pgbouncer.log'}\n"
        "log_connections = 0\nlog_disconnections = 0\nstats_period = 1\n"
    )
    process = subprocess.Popen(
        [*run_as(), binary, str(ini)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/"
    )
    pooler = Pooler(process, base, port, mode)
    try:
        _wait_port(port)
    except BaseException:
        pooler.stop()
        raise
    return pooler


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP end the script as Ctrl+C does, so the `finally` below stops every server."""

    def raise_interrupt(signum, frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, raise_interrupt)


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print(__doc__)
        return 2
    own = argv[: argv.index("--")]
    durable = "--durable" in own
    keep = Path(own[own.index("--keep") + 1]).resolve() if "--keep" in own[:-1] else None
    with_replica = "--replica" in own
    pool_mode = own[own.index("--pooler") + 1] if "--pooler" in own[:-1] else None
    if pool_mode not in (None, "session", "transaction"):
        print("--pooler is session or transaction")
        return 2
    command = argv[argv.index("--") + 1 :]
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL server binaries not found: the PostgreSQL half of the tests is SKIPPED."
        print(f"\n*** {message} ***\n", flush=True)
        return 1 if os.environ.get("EPIQR_REQUIRE_POSTGRES") == "1" else 0
    _stop_on_signals()
    base = keep or Path(tempfile.mkdtemp(prefix="epiqr-pg-"))
    data, sockets = base / "data", base / "sock"
    existing = (data / "PG_VERSION").exists()
    _own(base)
    _own(sockets)
    port = free_port()
    standby: Standby | None = None
    pooler: Pooler | None = None
    try:
        if not existing:
            initdb = [str(bindir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8"]
            subprocess.run(
                [*run_as(), *initdb, "--no-sync"], check=True, stdout=subprocess.DEVNULL, env=_env(), cwd="/"
            )
        pg_start(bindir, data, port, sockets, base / "log", durable=durable)
        if not existing:
            subprocess.run(
                [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, "epiqr"],
                check=True,
                env=_env(),
            )
        url = f"postgres://{USER}@127.0.0.1:{port}/epiqr"
        kind = f"kept cluster in {base}" if keep else "throwaway cluster"
        print(f"PostgreSQL {bindir.parent.name} {kind} at {url}", flush=True)
        child = {**os.environ, "DATABASE_URL": url}
        if with_replica:
            standby = standby_start(bindir, port)
            child["EPIQR_REPLICA_URL"] = standby.url()
            print(f"Streaming standby at {standby.url()}", flush=True)
        if pool_mode:
            pooler = pooler_start(port, mode=pool_mode)
            child.update(DATABASE_URL=pooler.url(), EPIQR_PG_POOLER=pool_mode, EPIQR_DIRECT_URL=url)
            print(f"PgBouncer ({pool_mode} pooling) at {pooler.url()}", flush=True)
        return subprocess.run(command, env=child).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        if pooler is not None:
            pooler.stop()
        if standby is not None:
            standby.remove()
        pg_stop(bindir, data, fast=keep is not None)
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
