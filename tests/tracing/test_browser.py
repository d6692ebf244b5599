"""Real Chromium: a commune officer on a phone follows up a contact from the run page."""

import pytest

from epiqr.tracing import services
from epiqr.tracing.models import FollowUp
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_marks_a_contact_reached_on_a_phone(
    phone_page, live_server, cafe_story, make_user, commune, browser_login, screenshot
):
    # A login as long as a suite-wide counter makes it: the run's facts wrap instead of widening the page.
    officer = make_user(commune=commune, username="commune_officer_1234567")
    run = services.run_create(case=cafe_story["case"], policy_name="vn-window-60", actor=officer)
    binh = run.contacts.get(person=cafe_story["binh"])
    page = phone_page
    browser_login(page, live_server, officer.username, PASSWORD)
    page.goto(f"{live_server.url}/tracing/runs/{run.pk}/")
    assert "Trần Thị Bình" in page.inner_text("main") and "Lê Minh Châu" not in page.inner_text("main")
    screenshot(page, "run")
    page.click(f"#status-{binh.pk} button[value=reached]")
    page.wait_for_selector(f"#status-{binh.pk} button[value=quarantined]")
    binh.refresh_from_db()
    assert binh.status == FollowUp.REACHED
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    screenshot(page, "reached")
