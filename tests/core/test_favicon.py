"""The site's icon: /favicon.ico answers for every browser, pages link the drawn SVG mark."""

import io
import re

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served_to_anyone_in_three_sizes(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert "max-age" in response["Cache-Control"]
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO" and {(16, 16), (32, 32), (48, 48)} <= set(icon.info["sizes"])


def test_pages_link_the_svg_icon_and_the_phone_home_screen_icon(client):
    page = client.get("/v").content.decode()
    for rel, name in (("icon", "favicon.svg"), ("apple-touch-icon", "apple-touch-icon.png")):
        (href,) = re.findall(rf'<link rel="{rel}" href="/static/epiqr/({re.escape(name)})"', page)
        assert finders.find(f"epiqr/{href}")
    svg = open(finders.find("epiqr/favicon.svg"), encoding="utf-8").read()
    assert svg.startswith("<svg") and 'viewBox="0 0 11 11"' in svg
    assert Image.open(finders.find("epiqr/apple-touch-icon.png")).size == (180, 180)
