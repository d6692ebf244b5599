"""Real Chromium at 390 px: the coordinator accepts a routing on a phone and sees the bed counted; an F0
at home sends her evening self-report with a warning sign from her own phone."""

import pytest

from epiqr.care import services
from epiqr.care.models import BedPool, Routing
from tests.factories import PASSWORD, citizen_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_coordinator_accepts_a_routing_on_a_phone(
    phone390_page, live_server, care, new_patient, browser_login, screenshot
):
    p = new_patient(rr=22, spo2=95, full_name="Âu Thị Nhung")
    r = services.routing_propose(patient=p, actor=care.officer)
    page = phone390_page
    browser_login(page, live_server, care.coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/care/")
    assert "Âu Thị Nhung" in page.inner_text("main")
    page.click(f"a[href='/care/facilities/{r.facility_id}/']")
    page.wait_for_selector(f"#routing-{r.pk}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "facility")
    page.click(f"#routing-{r.pk} button.primary")
    page.wait_for_selector(".flash")
    assert Routing.objects.get(pk=r.pk).status == "accepted"
    assert BedPool.objects.get(facility=r.facility, kind="oxygen").reserved == 1
    assert page.inner_text(".free-oxygen") == str(
        BedPool.objects.get(facility=r.facility, kind="oxygen").free
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_f0_sends_her_self_report_from_her_phone(
    phone390_page, live_server, care, new_patient, screenshot
):
    from epiqr.hotline.models import Ticket

    p = services.patient_home(
        patient=new_patient(full_name="Lục Thị Vân", birth_year=1993), actor=care.officer
    )
    name, value, _device = citizen_phone(p.person)
    page = phone390_page
    host = live_server.url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies([{"name": name, "value": value, "domain": host, "path": "/"}])
    page.goto(f"{live_server.url}/care/my/")
    assert "Lục Thị Vân" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("input[name=spo2]", "93")
    page.fill("input[name=respiratory_rate]", "24")
    page.fill("input[name=temperature]", "38,2")
    page.check("input[name=signs][value=breathless_exertion]")
    screenshot(page, "report")
    page.click("button.primary")
    page.wait_for_selector(".flash")
    report = p.reports.get()
    assert (report.spo2, report.respiratory_rate, report.warning) == (93, 24, True)
    assert Ticket.objects.filter(person_id=p.person_id, warning_sign=True).exists()
    assert Routing.objects.filter(patient=p, status="proposed").exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_coordinator_accepts_a_surge_at_once_on_a_phone(
    phone390_page, live_server, care, new_patient, browser_login, screenshot
):
    """Three proposals wait at the tier 2 hospital; on her phone the coordinator ticks two and accepts
    them, then accepts the rest with one tap (confirming): every bed reserved once, the page fits 390 px."""
    ps = [new_patient(rr=22, spo2=95, full_name=f"Kha Văn Lực {i}") for i in range(3)]
    rs = [services.routing_propose(patient=p, actor=care.officer) for p in ps]
    t2 = care.facilities["t2"]
    page = phone390_page
    browser_login(page, live_server, care.coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/care/facilities/{t2.pk}/")
    page.wait_for_selector("#bulk-accept")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.check(f"#routing-{rs[0].pk} input[type=checkbox]")
    page.check(f"#routing-{rs[1].pk} input[type=checkbox]")
    screenshot(page, "bulk-ticked")
    page.click("#bulk-accept button[value=checked]")
    page.wait_for_selector(".flash")
    assert [Routing.objects.get(pk=r.pk).status for r in rs] == ["accepted", "accepted", "proposed"]
    page.once("dialog", lambda d: d.accept())
    page.click("#bulk-accept button[value=all]")
    page.wait_for_selector(".flash")
    page.wait_for_function("!document.querySelector('#bulk-accept')")
    assert Routing.objects.get(pk=rs[2].pk).status == "accepted"
    assert BedPool.objects.get(facility=t2, kind="oxygen").reserved == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
