"""Typing the venue code printed on a poster: the address the poster prints, forgiving input, precise
messages, the same check-in page as scanning, and guessing limited."""

import re

import pytest
from django.core.cache import cache

from epiqr.venues import codes
from epiqr.venues.services import CODE_GUESS_LIMIT
from tests.checkins.test_self_checkin import register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_guess_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def coded_venue(commune, owner):
    from tests.factories import VenueFactory

    return VenueFactory(commune=commune, owner=owner, code=codes.code_make(), name="Tiệm phở Bà Năm")


def unknown_codes(n: int, taken: str) -> list[str]:
    out = []
    while len(out) < n:
        code = codes.code_make()
        if code != taken:
            out.append(code)
    return out


def test_the_address_printed_on_the_poster_is_this_page(client, coded_venue, settings):
    from epiqr.venues.posters import Text, poster_layout
    from epiqr.venues.selectors import venue_url

    settings.PUBLIC_BASE_URL = "https://qr.example.gov.vn"
    layout = poster_layout(venue=coded_venue, url=venue_url(venue=coded_venue))
    printed = " ".join(item.text for item in layout.items if isinstance(item, Text))
    (address,) = set(re.findall(r"Vào (\S+) và nhập mã", printed))
    assert address == "qr.example.gov.vn/v"
    page = client.get("/" + address.split("/", 1)[1])
    assert page.status_code == 200
    body = page.content.decode()
    assert "Nhập mã địa điểm" in body and 'name="code"' in body
    assert client.get("/v/").status_code == 200


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.lower(),
        lambda c: f" {c[:3]} {c[3:].lower()} ",
        codes.code_display,
        lambda c: codes.code_display(c).replace("-", " - "),
    ],
)
def test_a_code_typed_loosely_opens_the_same_check_in_page_as_the_poster(
    client, coded_venue, venue_url, checkins, typed
):
    response = client.get("/v", {"code": typed(coded_venue.code)})
    assert response.status_code == 302
    assert response["Location"] == venue_url(coded_venue)
    page = client.get(response["Location"])
    assert coded_venue.name in page.content.decode()
    assert register(client, response["Location"]).status_code == 200
    assert checkins.filter(venue=coded_venue).count() == 1


def test_a_code_typed_in_the_address_bar_works_too(client, coded_venue, venue_url):
    response = client.get(f"/v/{codes.code_display(coded_venue.code).lower()}")
    assert (response.status_code, response["Location"]) == (302, venue_url(coded_venue))


def test_a_typing_mistake_is_caught_before_any_lookup_and_the_text_is_kept(
    client, coded_venue, django_assert_num_queries
):
    code = coded_venue.code
    wrong = code[:2] + code[3] + code[2] + code[4:]
    if wrong == code:
        wrong = code[:6] + ("2" if code[6] != "2" else "3")
    with django_assert_num_queries(0):
        response = client.get("/v", {"code": wrong.lower()})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Mã địa điểm bị gõ nhầm" in body
    assert f'value="{wrong.lower()}"' in body


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("HK7M3Q0", "không bao giờ có 0"),
        ("HK7M3", "bạn đã gõ 5"),
        ("HÁĐĐĐĐĐ", "Bàn phím của bạn đã thêm dấu tiếng Việt"),
        ("", "Hãy nhập mã địa điểm"),
    ],
)
def test_each_wrong_shape_gets_a_message_saying_what_to_fix(client, typed, expected):
    response = client.get("/v", {"code": typed})
    assert response.status_code == 422
    assert expected in response.content.decode()


def test_english_messages_for_english_readers(client):
    client.cookies["django_language"] = "en"
    response = client.get("/v", {"code": "hk7m3"})
    assert "A venue code has 7 characters; you typed 5." in response.content.decode()
    assert "Type the venue code" in response.content.decode()


def test_closed_and_unknown_venues_are_told_apart(client, coded_venue):
    unknown = unknown_codes(1, coded_venue.code)[0]
    response = client.get("/v", {"code": unknown})
    assert response.status_code == 404
    assert codes.code_display(unknown) in response.content.decode()
    coded_venue.is_active = False
    coded_venue.save()
    response = client.get("/v", {"code": coded_venue.code})
    assert response.status_code == 422
    assert "đã ngừng hoạt động" in response.content.decode()


def test_guessing_codes_is_limited_per_network_and_typos_do_not_count(client, coded_venue):
    wrong = coded_venue.code[:6] + ("2" if coded_venue.code[6] != "2" else "3")
    for _i in range(3 * CODE_GUESS_LIMIT):  # typing mistakes cost nothing
        assert client.get("/v", {"code": wrong}).status_code == 422
    for code in unknown_codes(CODE_GUESS_LIMIT, coded_venue.code):
        assert client.get("/v", {"code": code}).status_code == 404
    blocked = client.get("/v", {"code": coded_venue.code})
    assert blocked.status_code == 429
    assert "Quá nhiều mã" in blocked.content.decode()
    assert client.get(f"/v/{coded_venue.code}").status_code == 429  # the address bar is the same door
    other_network = client.get("/v", {"code": coded_venue.code}, REMOTE_ADDR="10.9.8.7")
    assert other_network.status_code == 302


@pytest.mark.parametrize(
    "junk",
    [
        "\x00",
        "%",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "Ω" * 5000,
        "🙂" * 30,
        "٣٤٥",
    ],
)
def test_junk_is_a_clear_refusal_never_an_error(client, junk):
    response = client.get("/v", {"code": junk})
    # A NUL is refused before any view, like everywhere (core.middleware.RequestGuard): 400.
    assert response.status_code in ((400,) if "\x00" in junk else (404, 422))
    assert "<script>alert" not in response.content.decode()
