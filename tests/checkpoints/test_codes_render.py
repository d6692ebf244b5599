"""Every permit code as people meet it, read back with zxing-cpp: the PDF printed (and photographed at an
angle), the holder's phone page at 390 px, and that screen seen by a camera at an angle."""

import cv2
import numpy as np
import pytest
from django.test import Client
from PIL import Image

from epiqr.checkpoints import documents
from tests.codes import (
    PHOTO_DPI,
    PRINTER_DPI,
    QR_ONLY,
    QUEUE_DPI,
    assert_codes,
    decode,
    element_codes,
    pdf_codes,
    pdf_images,
    symbol_width_mm,
)

from .scenes import on_phone, tilted


@pytest.mark.django_db
@pytest.mark.parametrize("dpi", [PRINTER_DPI, PHOTO_DPI, QUEUE_DPI])
def test_the_printed_permit_reads_back(approved, dpi):
    pdf = documents.permits_pdf(permits=[approved])
    assert_codes(pdf_codes(pdf, dpi=dpi, formats=QR_ONLY), [[approved.payload]])


@pytest.mark.django_db
def test_the_printed_code_is_60_mm_wide(approved):
    (page,) = pdf_images(documents.permits_pdf(permits=[approved]), dpi=PRINTER_DPI)
    assert 58 <= symbol_width_mm(page, dpi=PRINTER_DPI, text=approved.payload) <= 62


@pytest.mark.django_db
@pytest.mark.parametrize("yaw, roll", [(0.25, 0), (0.35, 15), (0.2, -30)])
def test_a_photo_of_the_sheet_at_an_angle_reads_back(approved, yaw, roll):
    (page,) = pdf_images(documents.permits_pdf(permits=[approved]), dpi=PHOTO_DPI)
    warped, _mask = tilted(np.asarray(page), yaw=yaw, pitch=0.1, roll=roll)
    assert_codes(decode(Image.fromarray(warped)), [approved.payload])


@pytest.mark.django_db
def test_the_pdf_route_serves_the_same_code(approved, org_user):
    client = Client()
    client.force_login(org_user)
    response = client.get(f"/checkpoints/permits/{approved.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert_codes(pdf_codes(response.content, dpi=PHOTO_DPI, formats=QR_ONLY), [[approved.payload]])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_holders_phone_page_at_390px_and_that_screen_seen_at_an_angle(
    live_server, phone390_page, screenshot, approved
):
    from epiqr.checkpoints.selectors import permit_link

    path = permit_link(permit=approved).split("/checkpoints/", 1)[1]
    phone390_page.goto(f"{live_server.url}/checkpoints/{path}")
    code = phone390_page.locator(".permit-qr svg")
    assert code.bounding_box()["width"] >= 300
    screenshot(phone390_page, "checkpoints-holder-permit")
    assert_codes(element_codes(code), [approved.payload])
    # The same screen as a checkpoint camera sees it: a phone held at an angle, a little blurred.
    shot = cv2.imdecode(np.frombuffer(code.screenshot(), np.uint8), cv2.IMREAD_GRAYSCALE)
    shot = cv2.copyMakeBorder(shot, 16, 16, 16, 16, cv2.BORDER_CONSTANT, value=255)
    for yaw, roll in ((0.3, 10), (0.4, -20)):
        warped, _mask = tilted(on_phone(shot), yaw=yaw, pitch=0.15, roll=roll)
        assert_codes(decode(Image.fromarray(cv2.GaussianBlur(warped, (3, 3), 0.8))), [approved.payload])
