"""Posters: printed and scanned back, the QR must open the venue's check-in URL."""

import io

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from epiqr.core.qr import read_image
from epiqr.venues import posters
from epiqr.venues.codes import code_display
from epiqr.venues.selectors import venue_url

DPI = 100


def pages(pdf_bytes: bytes) -> list:
    doc = pdfium.PdfDocument(pdf_bytes)
    return [doc[i] for i in range(len(doc))]


def render(page, dpi=DPI) -> Image.Image:
    return page.render(scale=dpi / 72).to_pil().convert("L")


def page_text(page) -> str:
    return page.get_textpage().get_text_range()


def qr_width_mm(image: Image.Image, dpi=DPI) -> float:
    """Width of the decoded QR symbol on the page, from the corner points the reader found."""
    (result,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    pos = result.position
    width_px = max(pos.top_right.x, pos.bottom_right.x) - min(pos.top_left.x, pos.bottom_left.x)
    return width_px * 25.4 / dpi


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
    def test_a4_poster_scans_back_to_the_venue_url_and_qr_is_at_least_15cm(self, venue):
        url = venue_url(venue=venue)
        (page,) = pages(posters.poster_pdf(venue=venue, url=url, size="A4"))
        width_pt, height_pt = page.get_size()
        assert (round(width_pt * 25.4 / 72), round(height_pt * 25.4 / 72)) == (210, 297)
        image = render(page)
        assert read_image(image) == [url]
        assert qr_width_mm(image) >= 150

    def test_a5_poster_scans_back_with_a_proportionally_smaller_qr(self, venue):
        url = venue_url(venue=venue)
        (page,) = pages(posters.poster_pdf(venue=venue, url=url, size="A5"))
        assert round(page.get_size()[0] * 25.4 / 72) == 148
        image = render(page)
        assert read_image(image) == [url]
        assert qr_width_mm(image) >= 150 * 148 / 210

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
        (page,) = pages(posters.poster_pdf(venue=long, url=venue_url(venue=long)))
        assert read_image(render(page)) == [venue_url(venue=long)]

    def test_batch_has_one_page_per_venue_each_with_its_own_code(self, register):
        venues = [register(name=f"Quán phở số {n}", address=f"{n} Phố Lò Sũ") for n in range(1, 4)]
        pdf = posters.posters_pdf(venues=[(v, venue_url(venue=v)) for v in venues], size="A5")
        docs = pages(pdf)
        assert len(docs) == 3
        for page, v in zip(docs, venues, strict=True):
            assert read_image(render(page)) == [venue_url(venue=v)]
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
    assert read_image(image.convert("L")) == [url]
    assert qr_width_mm(image.convert("L"), dpi=150) >= 150


def test_text_wrapping_keeps_every_word():
    text = "Trường Trung học cơ sở Trưng Vương quận Hoàn Kiếm cũ"
    lines = posters.wrap(text, size=26, bold=True, width=80)
    assert len(lines) > 1
    assert " ".join(lines) == text
    assert all(posters.text_width_mm(line, 26, True) <= 80 for line in lines)
