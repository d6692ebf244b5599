"""Posters: printed and scanned back (tests/codes.py), the QR must open the venue's check-in URL."""

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image

from epiqr.venues import posters
from epiqr.venues.codes import code_display
from epiqr.venues.selectors import venue_url
from tests.codes import (
    PRINTER_DPI,
    QR_ONLY,
    QUEUE_DPI,
    assert_codes,
    image_codes,
    pdf_codes,
    pdf_images,
    symbol_width_mm,
)


def pages(pdf_bytes: bytes) -> list:
    doc = pdfium.PdfDocument(pdf_bytes)
    return [doc[i] for i in range(len(doc))]


def page_text(page) -> str:
    return page.get_textpage().get_text_range()


@pytest.fixture
def venue(register, make_user):
    from epiqr.core.permissions import Role

    return register(
        name="Nhà thuốc Hàng Bạc Đức Thịnh",
        address="35 Phố Hàng Bạc, ngõ Ấu Triệu",
        sector="health",
        owner=make_user(Role.VENUE_OWNER),
    )


@pytest.mark.django_db
class TestPdf:
    @pytest.mark.parametrize("dpi", [QUEUE_DPI, PRINTER_DPI])
    def test_a4_poster_scans_back_to_the_venue_url_and_qr_is_at_least_15cm(self, venue, dpi):
        url = venue_url(venue=venue)
        pdf = posters.poster_pdf(venue=venue, url=url, size="A4")
        width_pt, height_pt = pages(pdf)[0].get_size()
        assert (round(width_pt * 25.4 / 72), round(height_pt * 25.4 / 72)) == (210, 297)
        assert_codes(pdf_codes(pdf, dpi=dpi, formats=QR_ONLY), [[url]])
        assert symbol_width_mm(pdf_images(pdf, dpi=dpi)[0], dpi=dpi, text=url) >= 150

    @pytest.mark.parametrize("dpi", [QUEUE_DPI, PRINTER_DPI])
    def test_a5_poster_scans_back_with_a_proportionally_smaller_qr(self, venue, dpi):
        url = venue_url(venue=venue)
        pdf = posters.poster_pdf(venue=venue, url=url, size="A5")
        assert round(pages(pdf)[0].get_size()[0] * 25.4 / 72) == 148
        assert_codes(pdf_codes(pdf, dpi=dpi, formats=QR_ONLY), [[url]])
        assert symbol_width_mm(pdf_images(pdf, dpi=dpi)[0], dpi=dpi, text=url) >= 150 * 148 / 210

    def test_vietnamese_text_is_in_the_pdf(self, venue):
        (page,) = pages(posters.poster_pdf(venue=venue, url=venue_url(venue=venue)))
        text = page_text(page)
        for expected in [
            "Nhà thuốc Hàng Bạc Đức Thịnh",
            "35 Phố Hàng Bạc, ngõ Ấu Triệu",
            venue.commune.name,
            "QUÉT MÃ ĐỂ KHAI BÁO",
            "Scan to check in",
            "No app needed",
            code_display(venue.code),
            "Sở Y tế",  # the responsible agency of a health venue
        ]:
            assert expected in text, expected

    def test_a_very_long_name_is_shrunk_and_still_fits_the_page(self, register):
        long = register(
            name=("Công ty Trách nhiệm Hữu hạn Thương mại Dịch vụ " * 5)[:200], address="1 Phố Huế"
        )
        layout = posters.poster_layout(venue=long, url=venue_url(venue=long))
        for item in layout.items:
            if isinstance(item, posters.Text):
                assert item.x >= 0
                assert item.x + posters.text_width_mm(item.text, item.size, item.bold) <= layout.width + 0.01
        pdf = posters.poster_pdf(venue=long, url=venue_url(venue=long))
        assert_codes(pdf_codes(pdf, dpi=QUEUE_DPI, formats=QR_ONLY), [[venue_url(venue=long)]])

    def test_batch_has_one_page_per_venue_each_with_its_own_code(self, register):
        venues = [register(name=f"Quán phở số {n}", address=f"{n} Phố Lò Sũ") for n in range(1, 4)]
        pdf = posters.posters_pdf(venues=[(v, venue_url(venue=v)) for v in venues], size="A5")
        assert_codes(pdf_codes(pdf, dpi=QUEUE_DPI, formats=QR_ONLY), [[venue_url(venue=v)] for v in venues])
        for page, v in zip(pages(pdf), venues, strict=True):
            assert v.name in page_text(page)

    def test_unknown_size_refused(self, venue):
        with pytest.raises(ValueError):
            posters.poster_pdf(venue=venue, url=venue_url(venue=venue), size="A3")


@pytest.mark.django_db
def test_png_poster_scans_back_to_the_venue_url(venue):
    url = venue_url(venue=venue)
    blob = posters.poster_png(venue=venue, url=url)
    image = Image.open(io.BytesIO(blob))
    assert image.size == (round(210 / 25.4 * 150), round(297 / 25.4 * 150))
    assert_codes(image_codes(blob, formats=QR_ONLY), [url])
    assert symbol_width_mm(image, dpi=150, text=url) >= 150


def test_text_wrapping_keeps_every_word():
    text = "Trường Trung học cơ sở Trưng Vương quận Hoàn Kiếm cũ"
    lines = posters.wrap(text, size=26, bold=True, width=80)
    assert len(lines) > 1
    assert " ".join(lines) == text
    assert all(posters.text_width_mm(line, 26, True) <= 80 for line in lines)
