"""HTTP hardening: CSP, Referrer-Policy, HSTS, and `epiqr check --deploy` clean in production mode."""

import os
import re
import subprocess
import sys

from django.test import Client, override_settings


def test_every_page_sends_a_csp_with_a_fresh_nonce_and_the_referrer_policy(client, db):
    first = client.get("/")
    csp = first["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "base-uri 'none'" in csp and "form-action 'self'" in csp
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert first["Referrer-Policy"] == "same-origin"
    assert first["X-Content-Type-Options"] == "nosniff"
    assert first["X-Frame-Options"] == "DENY"


def test_an_inline_style_block_carries_the_requests_nonce(client, commune):
    """The public check-in page has a <style> block: it must carry this response's nonce."""
    from epiqr.venues.tokens import token_make
    from tests.factories import VenueFactory

    venue = VenueFactory(commune=commune)
    page = client.get(f"/v/{token_make(venue_id=venue.pk, generation=venue.token_generation)}")
    assert page.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", page["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in page.content.decode()
    again = client.get(f"/v/{token_make(venue_id=venue.pk, generation=venue.token_generation)}")
    assert nonce not in again["Content-Security-Policy"]  # a new nonce for every response


def test_no_template_has_inline_handlers_javascript_links_or_unnonced_blocks():
    """The class of bug, statically: a template that adds onclick=, a javascript: link, or a <script>
    / <style> block without the nonce would be refused by the browser."""
    from pathlib import Path

    import epiqr

    root = Path(epiqr.__file__).parent
    offenders = []
    for path in root.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (
            r"\son[a-z]+\s*=",
            r"javascript:",
            r"<script(?![^>]*\bsrc=)(?![^>]*nonce=)(?![^>]*type=\"application/json\")[^>]*>",
            r"<style(?![^>]*nonce=)[^>]*>",
        ):
            for m in re.finditer(pattern, text, flags=re.I):
                offenders.append(f"{path.relative_to(root)}: {m.group(0)}")
    assert offenders == []


def test_hsts_and_https_redirect_in_production_settings(db):
    with override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=True):
        client = Client()
        assert client.get("/", secure=True)["Strict-Transport-Security"].startswith("max-age=31536000")
        plain = client.get("/accounts/login/")
        assert plain.status_code == 301 and plain["Location"].startswith("https://")
        assert client.get("/healthz").status_code == 200  # the probe stays on plain HTTP


def _production_env(**extra) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        # the browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE for the test process only
        if not k.startswith(("EPIQR_", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    return {
        **clean,
        "EPIQR_PRODUCTION": "1",
        "SECRET_KEY": "x7" * 30 + "-production-like-secret",
        "EPIQR_SIGNING_KEY": "k" * 50,
        "EPIQR_KEYRING_SECRET": "r" * 50,
        "ALLOWED_HOSTS": "qr.example.gov.vn",
        "PUBLIC_BASE_URL": "https://qr.example.gov.vn",
        **extra,
    }


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    """After the installation steps of the README (collectstatic), the deploy check has nothing to say."""
    env = _production_env(EPIQR_VAR_DIR=str(tmp_path))
    collected = subprocess.run(
        [sys.executable, "-m", "epiqr.cli", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    result = subprocess.run(
        [sys.executable, "-m", "epiqr.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_would_catch_a_missing_setting(tmp_path):
    """The same check fails when HSTS is turned off: it is a real check, not a silenced one."""
    env = _production_env(EPIQR_VAR_DIR=str(tmp_path), EPIQR_HSTS_SECONDS="0")
    result = subprocess.run(
        [sys.executable, "-m", "epiqr.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "security.W004" in result.stdout + result.stderr


def test_every_htmx_config_keeps_htmx_from_injecting_an_unnonced_style():
    """htmx reads the first htmx-config meta of the page; each one must switch the indicator <style> off
    (the CSP would refuse it), and base.html's must come after a page's own (block head)."""
    from pathlib import Path

    import epiqr

    root = Path(epiqr.__file__).parent
    for path in root.rglob("templates/**/*.html"):
        for meta in re.findall(
            r'<meta name="htmx-config" content=\'([^\']*)\'', path.read_text(encoding="utf-8")
        ):
            assert '"includeIndicatorStyles":false' in meta, path
    base = (root / "templates/base.html").read_text(encoding="utf-8")
    assert base.index("{% block head %}") < base.index('name="htmx-config"')
