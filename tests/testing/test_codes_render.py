"""Codes the sampling team prints: the result slips (read by the citizen's phone) and the tube manifest
(read by the lab's or the station's scanner), rendered at their real size and read back."""

import pytest

from epiqr.testing import documents, selectors, slipcode
from tests.codes import PHOTO_DPI, PRINTER_DPI, all_texts, assert_codes, element_codes, pdf_codes
from tests.factories import PASSWORD

CM_IN_CSS_PX = 96 / 2.54


def slip_urls(tube, base: str) -> list[str]:
    lookup = f"{base}/testing/result/"
    return [
        selectors.slip_url(lookup=lookup, barcode=tube.barcode, code=m.slip_code)
        for m in selectors.tube_members(tube=tube)
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_printed_slip_carries_its_own_result_code_in_a_qr_at_least_25mm_wide(
    desk_page, live_server, settings, browser_login, screenshot, sampler, filled_tube
):
    settings.PUBLIC_BASE_URL = "https://qr.example.gov.vn"
    tube = filled_tube("SL-0001", 3)
    browser_login(desk_page, live_server, sampler.username, PASSWORD)
    desk_page.goto(f"{live_server.url}/testing/tubes/{tube.barcode}/slips/")
    desk_page.emulate_media(media="print")
    screenshot(desk_page, "print")
    tube.refresh_from_db()
    expected = slip_urls(tube, "https://qr.example.gov.vn")
    slips = desk_page.locator("[data-slip] .qr svg")
    assert slips.count() == 3
    read = []
    for i in range(3):
        box = slips.nth(i).bounding_box()
        assert box["width"] >= 2.5 * CM_IN_CSS_PX and box["height"] >= 2.5 * CM_IN_CSS_PX
        read += element_codes(slips.nth(i))
    assert read == expected  # each slip its own person's code, in the order printed
    shown = [slipcode.normalise(t) for t in desk_page.locator("[data-code]").all_inner_texts()]
    assert [u.rsplit("#code=", 1)[1] for u in read] == shown


@pytest.mark.django_db
@pytest.mark.parametrize("dpi", [PHOTO_DPI, PRINTER_DPI])
def test_every_tube_on_the_manifest_scans_to_its_barcode(dpi, pooled_session, filled_tube):
    barcodes = [f"HK-{n:04d}" for n in range(1, 31)] + ["HK-2021-LONG-" + "X" * 48]
    for barcode in barcodes:
        filled_tube(barcode, 1)
    pdf = documents.manifest_pdf(session=pooled_session)
    pages = pdf_codes(pdf, dpi=dpi)
    assert len(pages) >= 2  # the table runs over pages, every row still scans
    assert all_texts(pages) == [b.upper() for b in barcodes]


@pytest.mark.django_db
def test_manifest_barcodes_are_code128_a_lab_scanner_reads(pooled_session, filled_tube):
    import zxingcpp

    filled_tube("MF-0001", 2)
    pdf = documents.manifest_pdf(session=pooled_session)
    assert_codes(pdf_codes(pdf, dpi=PHOTO_DPI, formats=zxingcpp.BarcodeFormat.Code128), [["MF-0001"]])
