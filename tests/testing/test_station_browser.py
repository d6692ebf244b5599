"""The sampling station in real Chromium, driven only by keyboard-wedge input (text + Enter)."""

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _scan(page, text: str) -> None:
    """What a keyboard-wedge scanner does: type the payload into the focused input, then Enter."""
    with page.expect_response(lambda r: "/station/scan/" in r.url):
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('[data-scan-input]').value === ''")


def test_one_tube_of_five_people_a_duplicate_and_a_reused_tube(
    browser, desk_page, live_server, browser_login, screenshot, pooled_session, sampler, make_person, qr
):
    from epiqr.testing.models import Tube, TubeMember

    people = [make_person() for _ in range(5)]
    page = desk_page
    browser_login(page, live_server, sampler.username, PASSWORD)
    page.goto(f"{live_server.url}/testing/sessions/{pooled_session.pk}/station/")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'payload'")

    _scan(page, "HK-2021-0001")
    assert "HK-2021-0001" in page.inner_text("#panel")
    for person in people[:4]:
        _scan(page, qr(person))
    assert page.locator("#members li").count() == 4
    screenshot(page, "four-in-tube")

    _scan(page, qr(people[0]))  # the same person scanned twice
    alert = page.inner_text("[data-status=refused]")
    assert people[0].full_name in alert and "HK-2021-0001" in alert
    screenshot(page, "duplicate-refused")

    _scan(page, qr(people[4]))  # the fifth fills the pool: the tube closes itself
    assert page.locator("[data-status=ok]").count() == 1
    tube = Tube.objects.get(barcode="HK-2021-0001")
    assert tube.status == "closed" and tube.member_count == 5
    assert set(TubeMember.objects.filter(tube=tube).values_list("person_id", flat=True)) == {
        p.pk for p in people
    }

    _scan(page, "HK-2021-0001")  # a used tube barcode
    assert "HK-2021-0001" in page.inner_text("[data-status=refused]")
    screenshot(page, "reused-tube-refused")
    assert Tube.objects.filter(barcode="HK-2021-0001").count() == 1

    # The next tube, then XONG typed on the keyboard closes it; the focus never left the scan input.
    _scan(page, "HK-2021-0002")
    _scan(page, qr(make_person()))
    _scan(page, "XONG")
    assert Tube.objects.get(barcode="HK-2021-0002").status == "closed"
    assert page.evaluate("document.activeElement.name") == "payload"
    screenshot(page, "second-tube-closed")


def test_station_on_a_phone_screen(
    browser, phone_page, live_server, browser_login, screenshot, pooled_session, sampler
):
    page = phone_page
    browser_login(page, live_server, sampler.username, PASSWORD)
    page.goto(f"{live_server.url}/testing/sessions/{pooled_session.pk}/station/")
    _scan(page, "HK-PHONE-01")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    screenshot(page, "phone")


def test_session_setup_updates_pool_advice_as_the_prevalence_is_typed(
    browser, desk_page, live_server, browser_login, screenshot, sampler
):
    page = desk_page
    browser_login(page, live_server, sampler.username, PASSWORD)
    page.goto(f"{live_server.url}/testing/sessions/new/")
    # 1% by default: Dorfman's best pool is 11, the advice stays within the session's limit of 10.
    assert page.inner_text("#advice strong >> nth=0") == "10"
    assert page.locator("#advice-beyond").is_visible()
    page.fill("#id_pool_size_limit", "20")
    page.wait_for_function("() => document.querySelector('#advice strong').textContent === '11'")
    page.fill("#id_expected_prevalence", "5")
    page.wait_for_function("() => document.querySelector('#advice strong').textContent === '5'")
    screenshot(page, "advice-5-percent")
