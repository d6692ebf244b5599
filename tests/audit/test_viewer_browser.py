"""Real Chromium on a 390x844 phone: an administrator finds who read a person by typing their ID number,
sees the alert row in red, and nothing scrolls sideways."""

import pytest

from epiqr.core.models import AuditEvent
from epiqr.core.permissions import Role
from epiqr.people.models import DocumentKind, IdentityDocument
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_finds_who_read_a_person_on_a_phone(
    phone390_page, live_server, make_user, commune, people, browser_login, screenshot, settings
):
    from django.test import Client

    settings.EPIQR_AUDIT_PEOPLE_PER_HOUR = 3
    IdentityDocument.objects.create(person=people[0], kind=DocumentKind.CCCD, number="001090000888")
    officer = make_user(Role.COMMUNE_OFFICER, commune=commune, username="can-bo-doc-nhieu")
    reader = Client()
    reader.force_login(officer)
    for person in people[:5]:  # over the limit of 3: an alert
        assert reader.get(f"/people/{person.public_id}/").status_code == 200
    assert AuditEvent.objects.filter(action="audit.people_limit", actor=officer).count() == 1
    assert reader.get("/people/", {"q": "nguyenvanan" * 9}).status_code == 200  # a long address, no spaces

    admin = make_user(Role.ADMIN, username="quan-tri-dien-thoai")
    page = phone390_page
    browser_login(page, live_server, admin.username, PASSWORD)
    page.goto(f"{live_server.url}/audit/")
    assert page.locator("h1").inner_text() == "Nhật ký truy cập"
    alert_row = page.locator("tr.audit-alert")
    assert alert_row.count() == 1 and "can-bo-doc-nhieu" in alert_row.inner_text()
    colour = alert_row.evaluate("row => getComputedStyle(row).backgroundColor")
    assert colour == "rgb(253, 232, 232)"  # highlighted
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    screenshot(page, "audit-alert")

    page.fill("input[name=person]", "0010 9000 0888")
    page.locator("form.list-filters button.primary").first.click()
    page.wait_for_url("**/audit/?*person=*")
    assert people[0].full_name in page.locator("#people-matched").inner_text()
    rows = page.locator("#audit-events tbody tr")
    assert rows.count() == 1 and "people.view" in rows.first.inner_text()
    assert "can-bo-doc-nhieu" in rows.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "audit-by-person")
