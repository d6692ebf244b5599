"""`epiqr posters`: batch posters from the command line."""

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from epiqr.core.qr import read_image
from epiqr.venues.selectors import venue_url


@pytest.mark.django_db
def test_posters_command_writes_one_page_per_matching_venue(register, commune, other_commune, tmp_path):
    cafe = register(name="Cà phê Giảng", address="39 Nguyễn Hữu Huân")
    register(name="Trường Tiểu học Tràng An", sector="school", address="1 Hàng Bài")
    register(name="Quán xa", commune_id=other_commune.code)
    out = tmp_path / "posters.pdf"
    call_command(
        "posters", "--commune", str(commune.code), "--sector", "food", "--size", "A5", "--out", str(out)
    )
    doc = pdfium.PdfDocument(out.read_bytes())
    assert len(doc) == 1
    assert read_image(doc[0].render(scale=100 / 72).to_pil().convert("L")) == [venue_url(venue=cafe)]
    doc.close()

    call_command("posters", "--commune", str(commune.code), "--out", str(out))
    assert len(pdfium.PdfDocument(out.read_bytes())) == 2


@pytest.mark.django_db
def test_posters_command_refuses_an_empty_selection(geo, tmp_path):
    with pytest.raises(CommandError):
        call_command("posters", "--commune", "70", "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
