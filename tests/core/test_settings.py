import os
import subprocess
import sys

CHECK = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='epiqr.settings'; django.setup(); print('started')"


def run(env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "EPIQR_SIGNING_KEY", "EPIQR_PRODUCTION"}
    }
    return subprocess.run([sys.executable, "-c", CHECK], env={**clean, **env}, capture_output=True, text=True)


def test_production_refuses_to_start_with_the_development_secrets():
    result = run({"EPIQR_PRODUCTION": "1"})
    assert result.returncode != 0
    assert "SECRET_KEY or EPIQR_SIGNING_KEY is the development default" in result.stderr


def test_production_starts_with_real_secrets():
    result = run(
        {"EPIQR_PRODUCTION": "1", "SECRET_KEY": "s" * 50, "EPIQR_SIGNING_KEY": "k" * 50, "ALLOWED_HOSTS": "x"}
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
