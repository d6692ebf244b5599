"""The WSGI entry point as gunicorn loads it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_loaded_application_is_kept_out_of_the_cyclic_collectors_walks():
    """A full collection walking Django's import-time objects stalled every worker at once under load
    (docs/benchmarks.md, fifteenth session): the entry point freezes them once loaded."""
    script = "import gc, epiqr.wsgi; assert callable(epiqr.wsgi.application); print(gc.get_freeze_count())"
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "EPIQR_DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert int(out.stdout.strip()) > 10_000
