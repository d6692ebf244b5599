"""Every page works under the Content-Security-Policy in real Chromium: the page fixtures fail a test
on any CSP violation, and this test walks the pages of each kind of user through them."""

import pytest

from epiqr.core.permissions import Role
from tests.conftest import csp_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_the_watch_catches_a_violation(desk_page, live_server, db):
    """The fixture's check is real: an inline script without the nonce is refused and reported."""
    other = desk_page.context.new_page()
    found = csp_violations(other)
    other.goto(f"{live_server.url}/")
    other.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    other.wait_for_timeout(300)
    assert other.evaluate("() => window.x") is None
    assert found and "script" in found[0]
    other.close()


def test_staff_pages_the_api_docs_and_the_admin_run_under_the_csp(
    desk_page, live_server, make_user, commune, browser_login, screenshot
):
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune, username="can-bo-csp")
    browser_login(desk_page, live_server, officer.username, PASSWORD)
    for path in [
        "/",
        "/people/",
        "/people/new/",
        "/people/scan/",
        "/venues/",
        "/cases/",
        "/tracing/",
        "/tracing/triage/",
        "/testing/",
        "/checkins/officer/",
        "/notify/outbox/",
        "/accounts/me/",
        "/api/v1/docs",
    ]:
        response = desk_page.goto(f"{live_server.url}{path}")
        assert response.status < 500, path
        desk_page.wait_for_load_state("networkidle")
    assert desk_page.locator("#swagger-ui").count() == 1

    admin = make_user(Role.ADMIN, username="quan-tri-csp")
    desk_page.context.clear_cookies()
    browser_login(desk_page, live_server, admin.username, PASSWORD)
    for path in ["/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{officer.pk}/change/"]:
        assert desk_page.goto(f"{live_server.url}{path}").status == 200, path
        desk_page.wait_for_load_state("networkidle")
    screenshot(desk_page, "admin")


def test_public_pages_run_under_the_csp(phone_page, live_server, geo):
    for path in [
        "/",
        "/declare/",
        "/venues/register/",
        "/testing/result/",
        "/tracing/self-check/",
        "/c/mine",
    ]:
        response = phone_page.goto(f"{live_server.url}{path}")
        assert response.status < 500, path
        phone_page.wait_for_load_state("networkidle")


def test_enrolment_and_login_pages_on_a_phone(phone_page, live_server, make_user, screenshot):
    """First login of an official on a 360 px phone: password, QR and key, code, recovery codes."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    officer = make_user(Role.PROVINCE_OFFICER, username="can-bo-tinh-moi")
    TOTPDevice.objects.filter(user=officer).delete()
    phone_page.goto(f"{live_server.url}/accounts/login/")
    phone_page.fill("input[name=username]", officer.username)
    phone_page.fill("input[name=password]", PASSWORD)
    phone_page.click("button.primary")
    phone_page.wait_for_url("**/accounts/login/app/")
    assert phone_page.locator(".enrol-qr svg").is_visible()
    key = phone_page.locator("code.otp-key").inner_text()
    assert len(key.replace(" ", "")) == 32
    width = phone_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360  # nothing to scroll sideways on a phone
    screenshot(phone_page, "enrol")
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    phone_page.fill("input[name=token]", f"{totp(device.bin_key):06d}")
    phone_page.click("button.primary")
    phone_page.wait_for_selector("ul.recovery-codes")
    assert phone_page.locator("ul.recovery-codes li").count() == 10
    screenshot(phone_page, "recovery-codes")
    phone_page.click("text=Tôi đã lưu, tiếp tục")
    phone_page.wait_for_load_state()
    assert phone_page.locator("header.top").inner_text().find("Đăng xuất") >= 0
