"""What a citizen reads when EpiQR refuses: plain words in the page's language and what to do next,
never an internal reason code such as `token_revoked`."""

import html
import re

import pytest
from django.core.cache import cache
from django.test import Client

from epiqr.venues import codes
from epiqr.venues.tokens import rotating_token_make

pytestmark = pytest.mark.django_db

RAW_CODE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", page))


@pytest.fixture
def poster_venue(commune, owner):
    from tests.factories import VenueFactory

    return VenueFactory(commune=commune, owner=owner, code=codes.code_make(), name="Quán bún chả Cửa Nam")


def refusals(venue, venue_url):
    """(method, path, data) of each refusal a citizen can meet on the public pages."""
    good = venue_url(venue)
    expired = "/v/" + rotating_token_make(venue_id=venue.pk, generation=venue.token_generation, at=1_000_000)
    return [
        ("get", good[:-4] + "AAAA", None),  # forged or damaged
        ("get", expired, None),
        ("get", "/v/9999999-1." + good.rsplit(".", 1)[1], None),
        ("get", "/v", {"code": ""}),
        ("get", "/v", {"code": "HK7M3Q0"}),
        ("get", "/v", {"code": "HK7M"}),
        ("get", "/v", {"code": "HÁĐĐĐĐĐ"}),
        ("get", "/v", {"code": venue.code[:6] + ("2" if venue.code[6] != "2" else "3")}),
        ("get", "/v", {"code": codes.code_make()}),
        ("post", "/c/checkout", {"checkin": "12"}),
        ("post", "/testing/result/", {"barcode": "HN-0000", "factor": "01/01/1990"}),
        ("post", "/testing/result/", {"barcode": "", "factor": ""}),
        ("post", "/declare/", {"kind": "domestic", "full_name": ""}),
        ("post", good, {"action": "register", "full_name": "x", "phone": "12", "birth_year": "3000"}),
    ]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_refusal_shows_an_internal_code(venue_url, poster_venue, language):
    cache.clear()
    client = Client()
    client.cookies["django_language"] = language
    old_poster = venue_url(poster_venue)
    for method, path, data in refusals(poster_venue, venue_url):
        response = getattr(client, method)(path, data)
        assert 400 <= response.status_code < 500, path
        text = visible_text(response.content.decode())
        assert not RAW_CODE.findall(text), (path, RAW_CODE.findall(text))
    poster_venue.token_generation += 1  # a reprint: the old poster is refused
    poster_venue.is_active = False  # and then the venue closes
    poster_venue.save()
    for path in (old_poster, "/v", f"/v/{poster_venue.code}", venue_url(poster_venue)):
        response = client.get(path, {"code": poster_venue.code} if path == "/v" else None)
        assert response.status_code in (400, 422), path
        assert not RAW_CODE.findall(visible_text(response.content.decode())), path


def test_a_replaced_poster_says_so_and_offers_the_code_page(client, poster_venue, venue_url):
    old = venue_url(poster_venue)
    poster_venue.token_generation += 1  # the owner reprinted the poster
    poster_venue.save()
    response = client.get(old)
    assert response.status_code == 400
    text = visible_text(response.content.decode())
    assert "Áp phích này đã được thay" in text
    assert "Hãy quét áp phích mới nhất ở lối vào, hoặc nhập mã địa điểm in trên đó" in text
    assert "token_revoked" not in text
    assert 'href="/v"' in response.content.decode()
    client.cookies["django_language"] = "en"
    text = visible_text(client.get(old).content.decode())
    assert "This poster has been replaced" in text and "Scan the newest poster at the entrance" in text


def test_an_expired_screen_code_says_to_scan_the_screen_again(client, poster_venue):
    expired = rotating_token_make(venue_id=poster_venue.pk, generation=poster_venue.token_generation, at=1e6)
    text = visible_text(client.get(f"/v/{expired}").content.decode())
    assert "Mã này đã hết hạn" in text and "Hãy quét lại mã trên màn hình" in text
