"""Real Chromium at 390 px: a contact in quarantine fills today's diary on their phone (behind the
identity proof), and the commune officer works the list on theirs: the symptoms flag, the call."""

import pytest

from epiqr.quarantine.models import Quarantine
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def q(qworld, settings):
    from epiqr.quarantine import services

    settings.EPIQR_QUARANTINE_POLICY = "vn-2021-12-cv10696"
    return services.quarantine_place(contact_id=qworld["chi"].pk, actor=qworld["officer"])


def _fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_the_contact_fills_todays_diary_on_a_phone(phone390_page, live_server, qworld, q, screenshot):
    from tests.factories import citizen_phone

    page = phone390_page
    host = live_server.url.split("//", 1)[1].split(":")[0]
    name, value, _device = citizen_phone(qworld["chi"].person)
    page.context.add_cookies([{"name": name, "value": value, "domain": host, "path": "/"}])
    page.goto(f"{live_server.url}/quarantine/diary/")
    assert page.get_by_text("10696/BYT-MT", exact=False).first.is_visible()  # the policy, in words
    assert _fits(page)
    page.get_by_label("Ho", exact=True).check()  # "Cough", Vietnamese first
    page.fill("input[name=temperature]", "38,1")  # a phone's decimal comma
    screenshot(page, "diary")
    with page.expect_navigation():  # the answer redirects to the same page
        page.get_by_role("button", name="Gửi nhật ký hôm nay").tap()
    assert page.get_by_text("Cảm ơn bạn").is_visible()
    assert _fits(page)
    entry = Quarantine.objects.get(pk=q.pk).diary.get()
    assert entry.symptoms == ["fever", "cough"] and str(entry.temperature) == "38.1"
    assert Quarantine.objects.get(pk=q.pk).symptoms_at is not None


def test_the_officer_works_the_list_on_a_phone(
    phone390_page, live_server, qworld, q, browser_login, screenshot
):
    from epiqr.quarantine import services

    services.diary_record(quarantine=q, actor=None, source="self", symptoms=["cough"])
    page = phone390_page
    browser_login(page, live_server, qworld["officer"].username, PASSWORD)
    page.goto(f"{live_server.url}/quarantine/?todo=symptoms")
    assert _fits(page)
    row = page.locator("#quarantines tbody tr", has_text="Lê Minh Chi")
    assert row.is_visible() and "triệu chứng" in row.inner_text()
    screenshot(page, "list")
    row.locator(f"a[href='/quarantine/{q.pk}/']").first.tap()
    page.wait_for_url(f"**/quarantine/{q.pk}/")
    assert _fits(page)
    page.select_option("select[name=outcome]", "reached")
    page.fill("#call-form input[name=note]", "Đã hẹn xét nghiệm sáng mai")
    with page.expect_navigation():
        page.locator("#call-form button.primary").tap()
    assert page.get_by_text("Đã hẹn xét nghiệm sáng mai").first.is_visible()
    screenshot(page, "called")
    call = Quarantine.objects.get(pk=q.pk).calls.get()
    assert call.by == qworld["officer"] and call.outcome == "reached"
