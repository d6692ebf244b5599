"""Every item of an offline batch is judged alone, and nothing the validators pass is refused by the
database: the same hostile items give the same answers on SQLite and on PostgreSQL, never a 500 for the
batch (the device would retry it forever) nor for the single-scan endpoint."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epiqr.checkins.models import CheckIn
from tests.people.payloads import bhyt, cccd, cccd_number, national

pytestmark = pytest.mark.django_db
BATCH, SCAN = "/api/v1/checkins/batch", "/api/v1/checkins/scan"
_serial = iter(range(500_000, 900_000))


def good_card() -> str:
    """A CCCD nobody has scanned yet (a fresh made-up person)."""
    n = next(_serial)
    return cccd(number=cccd_number(born=1985, sex="M", serial=n), old="", born=date(1985, 1, 1 + n % 28))


def post(client, url, body):
    """The body as a device sends it: JSON text, where a lone surrogate travels as an escape."""
    return client.post(url, json.dumps(body), content_type="application/json")


def recent(minutes: int = 30) -> datetime:
    return (timezone.now() - timedelta(minutes=minutes)).replace(microsecond=0)


def odd_offset(instant: datetime) -> str:
    """The instant written with the offset +07:00:30.5, which PostgreSQL's time input cannot read."""
    local = instant.astimezone(UTC) + timedelta(hours=7, seconds=30.5)
    return local.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+07:00:30.5"


ODD_INSTANT_MINUTES = 40


def hostile_items(venue, odd_instant: datetime | None = None) -> list[tuple[dict, str]]:
    """(item, the verdict code every database must give it)."""
    at = recent().isoformat()
    odd = odd_offset(odd_instant or recent(ODD_INSTANT_MINUTES))
    item = {"venue": venue.code, "scanned_at": at}
    return [
        ({**item, "payload": national(qid="Q" * 33)}, "bad_qid"),
        ({**item, "payload": bhyt(name="Trần\x00Thị Bình")}, "mangled_text"),
        ({**item, "payload": bhyt(name="Trần\x07Thị Bình")}, "mangled_text"),
        ({**item, "payload": cccd(name="Nguyễn Văn \ud800An", old="")}, "mangled_text"),
        ({**item, "payload": cccd(name="Nguyễn " + "Văn " * 30 + "An", old="")}, "name_too_long"),
        ({**item, "payload": cccd(name="Nguyễn " + "北" * 60, old="")}, "name_too_long"),
        ({**item, "payload": good_card(), "venue": venue.code + "\x00"}, "code_unknown"),
        ({**item, "payload": good_card(), "venue": "\ud800"}, "code_unknown"),
        ({**item, "payload": good_card(), "scanned_at": at + "\x00"}, "bad_time"),
        ({**item, "payload": good_card(), "person": "\x00"}, "bad_person"),
        ({**item, "payload": good_card(), "scanned_at": odd}, ""),  # stored
        ({**item, "payload": good_card()}, ""),  # stored
    ]


def test_hostile_items_get_their_own_verdicts_and_good_items_are_stored(owner_api, venue):
    odd_instant = recent(ODD_INSTANT_MINUTES)
    cases = hostile_items(venue, odd_instant)
    items = [{**item, "client_id": str(uuid.uuid4())} for item, _code in cases]
    r = post(owner_api, BATCH, {"items": items})
    assert r.status_code == 200, r.content
    verdicts = r.json()["items"]
    assert [v["index"] for v in verdicts] == list(range(len(items)))
    assert [v.get("code", "") for v in verdicts] == [code for _item, code in cases]
    assert [v["status"] for v in verdicts][-2:] == ["stored", "stored"]
    odd = CheckIn.objects.get(pk=verdicts[-2]["checkin_id"])
    assert odd.checked_in_at == odd_instant  # the same instant, whatever the offset said


@pytest.mark.parametrize("index", range(9))
def test_the_single_scan_endpoint_refuses_the_same_items_with_a_4xx(owner_api, venue, index):
    item, code = hostile_items(venue)[index]
    body = {k: v for k, v in item.items() if k in ("venue", "payload", "scanned_at")}
    r = post(owner_api, SCAN, body)
    assert 400 <= r.status_code < 500, r.content
    if code in ("bad_qid", "mangled_text", "name_too_long", "code_unknown", "bad_time"):
        assert r.json()["code"] == code


def test_the_single_scan_endpoint_stores_a_time_with_an_odd_offset(owner_api, venue):
    at = recent(25)
    r = post(owner_api, SCAN, {"venue": venue.code, "payload": good_card(), "scanned_at": odd_offset(at)})
    assert r.status_code == 200, r.content
    assert CheckIn.objects.get(pk=r.json()["checkin_id"]).checked_in_at == at


# --- the property: random items, hostile strings included ---------------------------------------------

hostile_text = st.text(
    alphabet=st.characters(codec=None, categories=None, exclude_categories=()), max_size=40
) | st.sampled_from(["\x00", "\ud800", "\udfff", "\x00" * 3, "Ω" * 200, "", " ", "null", "'; --"])
offsets = st.builds(
    lambda sign, h, m, s, us: (
        f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "") + (f".{us:06d}" if us else "")
    ),
    st.sampled_from("+-"),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.integers(0, 999_999),
)
times = st.one_of(
    st.builds(
        lambda m, o: recent(m).replace(tzinfo=None).isoformat() + o, st.integers(0, 60 * 24 * 30), offsets
    ),
    hostile_text,
    st.none(),
    st.integers(),
    # JSON numbers only: NaN and Infinity are not JSON, and the whole body is refused (tests/api).
    st.floats(allow_nan=False, allow_infinity=False),
)


def bhyt_named(name: str) -> str:
    """A BHYT card whose hex name field carries `name`, lone surrogates included (as their raw bytes)."""
    return bhyt(name="Ă").replace("Ă".encode().hex(), name.encode("utf-8", "surrogatepass").hex(), 1)


def payloads(venue_code: str):
    return st.one_of(
        st.builds(lambda: good_card()),
        st.builds(lambda q: national(qid=q), hostile_text),
        st.builds(bhyt_named, hostile_text),
        st.builds(lambda n, a: cccd(name=n, address=a, old=""), hostile_text, hostile_text),
        hostile_text,
        st.integers(),
        st.lists(st.integers(), max_size=2),
    )


@st.composite
def items(draw, venue_code: str):
    keys = {
        "client_id": st.one_of(st.uuids().map(str), hostile_text, st.integers()),
        "venue": st.one_of(st.just(venue_code), hostile_text, st.integers()),
        "payload": payloads(venue_code),
        "person": st.one_of(st.uuids().map(str), hostile_text),
        "scanned_at": times,
        "has_symptoms": st.one_of(st.booleans(), st.none(), hostile_text, st.integers()),
    }
    chosen = draw(st.sets(st.sampled_from(sorted(keys)), min_size=0, max_size=len(keys)))
    item = {k: draw(keys[k]) for k in chosen}
    return (
        draw(st.one_of(st.just(item), hostile_text, st.integers(), st.none()))
        if draw(st.integers(0, 9)) == 0
        else item
    )


PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
def test_any_batch_gets_one_verdict_per_item_and_stores_its_good_items(owner_api, venue, data):
    noise = data.draw(st.lists(items(venue.code), max_size=12))
    good = [
        {
            "client_id": str(uuid.uuid4()),
            "venue": venue.code,
            "payload": good_card(),
            "scanned_at": recent(m).isoformat(),
        }
        for m in data.draw(st.lists(st.integers(20, 600), max_size=3, unique=True))
    ]
    order = data.draw(st.permutations(noise + good))
    r = post(owner_api, BATCH, {"items": order})
    assert r.status_code == 200, r.content
    verdicts = r.json()["items"]
    assert [v["index"] for v in verdicts] == list(range(len(order)))
    assert all(v["status"] in ("stored", "duplicate", "rejected") for v in verdicts)
    for v, item in zip(verdicts, order, strict=True):
        if any(item is g for g in good):
            assert v["status"] == "stored", (v, item)
            assert CheckIn.objects.filter(pk=v["checkin_id"]).exists()


@PROPERTY
@given(data=st.data())
def test_any_single_scan_is_answered_without_a_server_error(owner_api, venue, data):
    body = {
        "venue": data.draw(st.one_of(st.just(venue.code), hostile_text)),
        "payload": data.draw(payloads(venue.code)),
    }
    if data.draw(st.booleans()):
        body["scanned_at"] = data.draw(times)
    r = post(owner_api, SCAN, body)
    assert r.status_code < 500, r.content
