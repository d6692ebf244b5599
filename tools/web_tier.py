#!/usr/bin/env python3
"""Several EpiQR app servers behind HAProxy on loopback, for tests, benchmarks and trying the layout.

    .venv/bin/python tools/with_postgres.py [--replica] -- \\
        .venv/bin/python tools/web_tier.py --apps 3 --workers 2 --background 2 -- COMMAND...

Starts, against the database in DATABASE_URL (and EPIQR_REPLICA_URL when set):
- the static files collected into a throwaway folder (`epiqr collectstatic`, DEBUG off);
- one memcached, the only thing the app servers share besides the database (the public rate limits'
  counts: EPIQR_CACHE=memcached);
- `--apps` gunicorn instances, each its own process group on its own port, sharing no memory;
- HAProxy 2.6 in front (least connections, a health check on /healthz every 2 seconds, X-Forwarded-For
  added so the apps see the client's address: EPIQR_PROXY_COUNT=1);
- `--background` copies each of the background worker (`epiqr db_worker`) and the scheduler
  (`epiqr scheduler`): production runs one of each, several here prove they are safe to run twice.
COMMAND runs with EPIQR_URL (HAProxy's address), EPIQR_APP_URLS (each app server, comma-separated) and
EPIQR_HAPROXY_STATS (HAProxy's stats CSV); everything is stopped when it ends or is interrupted. The
layout is the production one of docs/deployment.md on one machine; the web tier keeps no state.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str = "/healthz", *, seconds: float = 180) -> None:
    deadline = time.time() + seconds  # gunicorn workers import Django slowly on a loaded machine
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered 200 on 127.0.0.1:{port}{path}")


def wait_port(port: int, *, seconds: float = 10) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def haproxy_config(*, port: int, stats_port: int, apps: list[int], maxconn: int) -> str:
    servers = "\n".join(
        f"    server app{i} 127.0.0.1:{p} check inter 2s fall 3 rise 2 maxconn {maxconn}"
        for i, p in enumerate(apps)
    )
    return f"""global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout queue 30s
    # A busy app server answers /healthz behind its queue of requests: slow is not down.
    timeout check 5s
    option http-keep-alive
    retries 2
    option redispatch

frontend epiqr
    bind 127.0.0.1:{port}
    option forwardfor
    default_backend apps

backend apps
    balance leastconn
    option httpchk GET /healthz
{servers}

listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /stats
"""


class WebTier:
    """The processes of the web tier; `stop()` ends them all (also on SIGTERM/SIGHUP of the CLI)."""

    def __init__(
        self,
        *,
        apps: int = 2,
        workers: int = 2,
        background: int = 0,
        env: dict[str, str] | None = None,
        settings: str = "epiqr.settings",
    ):
        if not shutil.which("haproxy"):
            raise SystemExit("HAProxy is not installed (apt-get install haproxy; .ci/run does it)")
        if not shutil.which("memcached"):
            raise SystemExit("memcached is not installed (apt-get install memcached; .ci/run does it)")
        self.dir = Path(tempfile.mkdtemp(prefix="epiqr-web-"))
        self.procs: list[subprocess.Popen] = []
        self.app_procs: list[subprocess.Popen] = []
        self.memcached_port = free_port()
        self.env = {
            **os.environ,
            **(env or {}),
            "DJANGO_SETTINGS_MODULE": settings,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
            "EPIQR_DEBUG": "0",
            "EPIQR_LOG_LEVEL": os.environ.get("EPIQR_LOG_LEVEL", "WARNING"),
            "EPIQR_CACHE": "memcached",
            "EPIQR_CACHE_LOCATION": f"127.0.0.1:{self.memcached_port}",
            "EPIQR_PROXY_COUNT": "1",
            "EPIQR_TASKS": "database",
            "STATIC_ROOT": str(self.dir / "static"),
        }
        try:
            # With DEBUG off the pages name their static files by content hash, as in production.
            subprocess.run(
                [str(BIN / "epiqr"), "collectstatic", "--noinput", "-v0"], env=self.env, cwd=ROOT, check=True
            )
            user = ["-u", "root"] if os.geteuid() == 0 else []  # memcached refuses root unless told
            self._spawn(
                ["memcached", *user, "-l", "127.0.0.1", "-p", str(self.memcached_port), "-U", "0", "-m", "64"]
            )
            wait_port(self.memcached_port)
            self.app_ports = [free_port() for _ in range(apps)]
            for port in self.app_ports:
                self.app_procs.append(
                    self._spawn(
                        [
                            str(BIN / "gunicorn"),
                            "epiqr.wsgi:application",
                            "--workers",
                            str(workers),
                            "--bind",
                            f"127.0.0.1:{port}",
                            "--log-level",
                            "warning",
                            "--backlog",
                            "2048",
                        ]
                    )
                )
            for port in self.app_ports:
                wait_http(port)
            self.port, self.stats_port = free_port(), free_port()
            config = self.dir / "haproxy.cfg"
            config.write_text(
                haproxy_config(
                    port=self.port, stats_port=self.stats_port, apps=self.app_ports, maxconn=2 * workers
                )
            )
            self._spawn(["haproxy", "-db", "-f", str(config)])
            wait_http(self.port, seconds=30)
            for _ in range(background):
                self._spawn([str(BIN / "epiqr"), "db_worker", "--interval", "0.2"], quiet=True)
                self._spawn([str(BIN / "epiqr"), "scheduler"], quiet=True)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, argv: list[str], *, quiet: bool = False) -> subprocess.Popen:
        """Start a process in its own group; `quiet` sends its output to a log in the tier's folder."""
        out = open(self.dir / f"{Path(argv[0]).name}-{len(self.procs)}.log", "wb") if quiet else None  # noqa: SIM115
        proc = subprocess.Popen(argv, env=self.env, cwd=ROOT, start_new_session=True, stdout=out, stderr=out)
        self.procs.append(proc)
        return proc

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stats_url(self) -> str:
        return f"http://127.0.0.1:{self.stats_port}/stats;csv"

    def app_stop(self, index: int) -> None:
        """Stop one app server (a failed host): HAProxy retries a refused connection on another server
        at once, and its check takes the server out after three failures (six seconds)."""
        self._end(self.app_procs[index])

    @staticmethod
    def _end(proc: subprocess.Popen) -> None:
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            self._end(proc)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> WebTier:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--apps", type=int, default=2, help="gunicorn instances behind HAProxy")
    ap.add_argument("--workers", type=int, default=2, help="sync workers per gunicorn instance")
    ap.add_argument("--background", type=int, default=1, help="copies of the worker and of the scheduler")
    ap.add_argument("--settings", default="epiqr.settings", help="DJANGO_SETTINGS_MODULE of the app servers")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("a command to run is needed after --")
    if "DATABASE_URL" not in os.environ:
        ap.error("DATABASE_URL is not set: run under tools/with_postgres.py")
    tier = WebTier(apps=args.apps, workers=args.workers, background=args.background, settings=args.settings)

    def interrupted(signum, _frame):
        tier.stop()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    try:
        env = {
            **os.environ,
            "EPIQR_URL": tier.url,
            "EPIQR_APP_URLS": ",".join(f"http://127.0.0.1:{p}" for p in tier.app_ports),
            "EPIQR_HAPROXY_STATS": tier.stats_url,
        }
        print(f"web tier: HAProxy {tier.url} -> {len(tier.app_ports)} app servers", file=sys.stderr)
        return subprocess.call(command, env=env)
    finally:
        tier.stop()


if __name__ == "__main__":
    sys.exit(main())
