"""The QR an official scans into an authenticator app at the first login reads back as the app's key."""

import pytest
import zxingcpp

from epiqr.core.permissions import Role
from tests.codes import assert_codes, element_codes
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["phone390_page", "desk_page"])
def test_the_enrolment_qr_carries_the_new_app_key(request, size, live_server, make_user, commune, screenshot):
    user = make_user(Role.COMMUNE_OFFICER, commune=commune)
    user.totpdevice_set.all().delete()
    page = request.getfixturevalue(size)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/accounts/login/app/")
    code = page.locator(".enrol-qr svg")
    screenshot(page, size)
    device = user.totpdevice_set.get(confirmed=False)
    # Read as a QR code only: a stretch of its modules once read as a short 1D barcode ('3244') in CI.
    assert_codes(element_codes(code, formats=zxingcpp.BarcodeFormat.QRCode), [device.config_url])
