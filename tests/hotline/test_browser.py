"""Real Chromium: an operator takes a call with the keyboard alone (a headset and a keyboard, no mouse),
and a commune officer works their team's queue on a 390 px phone."""

import pytest

from epiqr.hotline.models import Status, Ticket
from tests.factories import PASSWORD, PersonFactory, otp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement; return {tag: e.tagName, id: e.id, name: e.name || '',"
        " value: e.value || '', type: e.type || '', html: e.outerHTML.slice(0, 120)}; }"
    )


def _login_by_keyboard(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.focus("input[name=username]")  # the login page's own autofocus; typing starts here
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/code/**")
    page.focus("input[name=token]")
    page.keyboard.type(otp_code(user))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def test_an_operator_takes_a_call_with_the_keyboard_alone(
    desk_page, live_server, hotline, commune, screenshot, sent_messages
):
    from epiqr.cases.services import case_open
    from epiqr.core.timeutil import local_today

    caller = PersonFactory(
        commune=commune, phone="0987654321", full_name="Đoàn Thị Thử", address="8 Hàng Thử"
    )
    case_open(person=caller, confirmed_on=local_today())
    page = desk_page
    _login_by_keyboard(page, live_server, hotline.operator)
    page.goto(f"{live_server.url}/hotline/")
    # the console starts on the caller's phone (the page script focuses it once loaded)
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'hl-phone'")

    page.keyboard.type("0987 654 321")
    page.keyboard.press("Enter")
    page.wait_for_selector("#hl-callform")
    assert "Đoàn Thị Thử" in page.inner_text(".hl-caller")
    assert _focused(page)["name"] == "category"  # the cursor waits on the categories

    page.keyboard.press("2")  # emergency
    assert _focused(page)["name"] == "description"
    assert page.is_checked("input[name=category][value=emergency]")
    assert page.input_value("select[name=team]") == str(hotline.medical.pk)  # routed by the rules
    page.keyboard.type("Khó thở, môi tím, SpO2 90%")
    page.keyboard.press("Tab")
    assert _focused(page)["name"] == "warning_sign"
    page.keyboard.press("Space")
    screenshot(page, "call")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/hotline/?filed=*")
    ticket = Ticket.objects.get()
    assert (ticket.category, ticket.warning_sign, ticket.priority) == ("emergency", True, 0)
    assert (ticket.team, ticket.person, ticket.case.person) == (hotline.medical, caller, caller)
    page.wait_for_function("() => document.activeElement.id === 'hl-phone'")  # ready for the next call

    page.keyboard.press("Escape")  # leave the phone field: the keys are now shortcuts
    page.keyboard.press("?")
    assert page.is_visible("#hl-help")
    page.keyboard.press("Escape")
    assert not page.is_visible("#hl-help")

    page.keyboard.press("q")  # the first queue: the medical team's, with the urgent request
    page.keyboard.press("Enter")
    page.wait_for_url("**/hotline/queue/**")
    page.keyboard.press("q")
    assert _focused(page)["tag"] == "A"  # the first row of the queue
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/hotline/tickets/{ticket.pk}/")
    page.keyboard.press("t")
    page.wait_for_load_state()
    page.wait_for_selector("button[value=take]", state="detached")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (Status.IN_PROGRESS, hotline.operator)
    page.keyboard.press("r")
    assert _focused(page)["id"] == "hl-text"
    page.keyboard.type("Đã gọi 115, xe đã đến đón.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/hotline/")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.resolution == "Đã gọi 115, xe đã đến đón."
    assert any("xử lý xong" in m.body for m in sent_messages if m.recipient == "0987654321")


def test_a_commune_officer_works_the_team_queue_on_a_phone(
    phone390_page, live_server, hotline, file_call, browser_login, screenshot
):
    ticket = file_call(category="supplies", team_id=hotline.commune_team.pk, vulnerable=True,
                       description="Bà cụ sống một mình trong khu phong toả cần gạo")  # fmt: skip
    page = phone390_page
    browser_login(page, live_server, hotline.officer.username, PASSWORD)
    page.goto(f"{live_server.url}/hotline/queue/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.tap(f"a[href='/hotline/tickets/{ticket.pk}/']")
    page.wait_for_url(f"**/hotline/tickets/{ticket.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.tap("button[value=take]")
    page.wait_for_load_state()
    page.fill("#hl-text", "Đã mang 10 kg gạo tới")
    page.tap("button[value=resolve]")
    page.wait_for_load_state()
    screenshot(page, "resolved")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.assignee == hotline.officer
