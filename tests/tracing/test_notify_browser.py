"""Real Chromium on a phone: "notify contacts" shows who gets what before sending, sends once, and a
second press tells the officer there is nothing left to send."""

import pytest

from epiqr.notify.models import OutboundMessage
from epiqr.tracing import services
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_previews_then_sends_the_notices_once_on_a_phone(
    phone_page, live_server, cafe_story, make_user, commune, browser_login, screenshot, sent_messages
):
    officer = make_user(commune=commune)
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60", actor=officer)
    page = phone_page
    browser_login(page, live_server, officer.username, PASSWORD)
    page.goto(f"{live_server.url}/tracing/runs/{run.pk}/")
    page.click("form[action$='/notify/'] button")
    page.wait_for_selector("text=Gửi 1 tin nhắn")  # Bình, the one F1 of the officer's commune
    assert "1 tin nhắn sẽ được gửi" in page.inner_text("main") and "Cà phê Giảng" in page.inner_text("main")
    assert OutboundMessage.objects.count() == 0 and sent_messages == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    screenshot(page, "preview")
    page.click("text=Gửi 1 tin nhắn")
    page.wait_for_selector(".flash")
    assert [m.recipient for m in sent_messages] == [cafe_story["binh"].phone]
    page.click("form[action$='/notify/'] button")
    page.wait_for_selector("text=Không có gì để gửi")
    screenshot(page, "nothing-left")
    assert len(sent_messages) == 1


def test_an_officer_of_another_commune_reads_their_contact_on_a_phone(
    phone_page, live_server, cafe_story, make_user, other_commune, browser_login, screenshot
):
    """The run seen from outside the F0's commune: the contact and where they were exposed, no F0."""
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60")
    outsider = make_user(commune=other_commune)
    page = phone_page
    browser_login(page, live_server, outsider.username, PASSWORD)
    page.goto(f"{live_server.url}/tracing/runs/{run.pk}/")
    main = page.inner_text("main")
    assert "Lê Minh Châu" in main and "Cà phê Giảng" in main
    assert cafe_story["f0"].full_name not in main and "Trần Thị Bình" not in main
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "outsider-run")
