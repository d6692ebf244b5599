import os
import subprocess
import sys

CHECK = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='epiqr.settings'; django.setup(); print('started')"


def run(env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "EPIQR_SIGNING_KEY", "EPIQR_KEYRING_SECRET", "EPIQR_PRODUCTION"}
    }
    return subprocess.run([sys.executable, "-c", CHECK], env={**clean, **env}, capture_output=True, text=True)


def test_production_refuses_to_start_with_the_development_secrets():
    result = run({"EPIQR_PRODUCTION": "1"})
    assert result.returncode != 0
    assert "SECRET_KEY or EPIQR_SIGNING_KEY is the development default" in result.stderr


def test_production_starts_with_real_secrets():
    result = run(
        {
            "EPIQR_PRODUCTION": "1",
            "SECRET_KEY": "s" * 50,
            "EPIQR_SIGNING_KEY": "k" * 50,
            "EPIQR_KEYRING_SECRET": "r" * 50,
            "ALLOWED_HOSTS": "x",
        }
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_refuses_the_development_keyring_secret():
    """Signing keys (certificates, permits) encrypted with a published secret would be anyone's."""
    env = {
        "EPIQR_PRODUCTION": "1",
        "SECRET_KEY": "s" * 50,
        "EPIQR_SIGNING_KEY": "k" * 50,
        "ALLOWED_HOSTS": "x",
    }
    result = run(env)
    assert result.returncode != 0
    assert "EPIQR_KEYRING_SECRET" in result.stderr
    assert run({**env, "EPIQR_KEYRING_SECRET": "short"}).returncode != 0
