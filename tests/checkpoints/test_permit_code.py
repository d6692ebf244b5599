"""The permit's QR payload: round trip, size, and every way a scanned text can be wrong."""

from dataclasses import replace
from datetime import date

import base45
import cbor2
import pytest
import segno
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from epiqr.checkpoints import permit_code as pc

KEY = ec.generate_private_key(ec.SECP256R1())
OTHER = ec.generate_private_key(ec.SECP256R1())
KID = bytes.fromhex("0102030405060708")
CLAIM = pc.PermitClaim(
    serial=4821,
    holder_id="001087012345",
    holder_name="NGUYEN THI THANH HUONG",
    purpose=1,
    valid_from=date(2026, 12, 1),
    valid_until=date(2026, 12, 31),
    weekdays=0b0011111,
    start_minute=6 * 60,
    end_minute=22 * 60,
    provinces=(1,),
    communes=(70, 4),
    plate="29A12345",
)


def make(claim=CLAIM, key=KEY, kid=KID) -> str:
    return pc.encode(claim, kid=kid, sign=pc.es256_signer(key))


def test_round_trip_keeps_every_field_and_the_leading_zeros_of_the_id():
    signed = pc.decode(make())
    assert signed.claim == CLAIM and signed.kid == KID
    assert signed.claim.holder_id.startswith("00")
    assert pc.signature_valid(signed, KEY.public_key())
    assert not pc.signature_valid(signed, OTHER.public_key())


def test_text_is_alphanumeric_and_fits_a_version_8_code_at_level_m():
    text = make()
    assert text.startswith("GD1:")
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    symbol = segno.make(text, error="m", micro=False)
    assert symbol.mode == "alphanumeric"
    assert symbol.version <= 8, (len(text), symbol.version)


def test_passport_holders_and_whole_country_permits():
    claim = replace(CLAIM, holder_id="C1234567", provinces=(), communes=(), plate="")
    assert pc.decode(make(claim)).claim == claim


def test_altering_one_character_is_caught():
    text = make()
    for i in range(len(pc.PREFIX), len(text)):
        ch = "A" if text[i] != "A" else "B"
        changed = text[:i] + ch + text[i + 1 :]
        try:
            signed = pc.decode(changed)
        except pc.PermitCodeError:
            continue
        assert not pc.signature_valid(signed, KEY.public_key()), i


def test_a_signature_for_another_purpose_never_fits():
    """A signature made over the bare message (without the permit context) does not verify."""
    message = pc.message_bytes(CLAIM, kid=KID)
    bare = pc.es256_signer(KEY)(message)
    text = pc.PREFIX + base45.b45encode(message + bare).decode()
    assert not pc.signature_valid(pc.decode(text), KEY.public_key())


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "not_a_permit"),
        ("001087012345|123456789|Nguyen Van An|01011987|Nam|Ha Noi|01012021", "not_a_permit"),
        ("GD1:", "malformed"),
        ("GD1:%%%%", "malformed"),
        ("GD1:" + "A" * 700, "malformed"),
        ("GD1:" + base45.b45encode(b"\x00" * 70).decode(), "malformed"),
        ("GD1:" + base45.b45encode(cbor2.dumps([1, 2, 3]) + b"\x01" * 64).decode(), "malformed"),
    ],
)
def test_garbage_is_refused_with_a_code(text, code):
    with pytest.raises(pc.PermitCodeError) as info:
        pc.decode(text)
    assert info.value.code == code


def test_non_canonical_or_trailing_bytes_are_refused():
    message = pc.message_bytes(CLAIM, kid=KID)
    sig = pc.es256_signer(KEY)(pc.CONTEXT + message)
    for tampered in (
        message + b"\x00",
        message.replace(cbor2.dumps(4821), b"\x1a" + (4821).to_bytes(4, "big")),
    ):
        with pytest.raises(pc.PermitCodeError):
            pc.decode(pc.PREFIX + base45.b45encode(tampered + sig).decode())


def test_claims_that_cannot_be_encoded_are_refused_before_signing():
    for bad in (
        replace(CLAIM, serial=0),
        replace(CLAIM, holder_name="Nguyễn"),
        replace(CLAIM, weekdays=0),
        replace(CLAIM, valid_until=date(2026, 11, 30)),
        replace(CLAIM, plate="29A 123"),
        replace(CLAIM, communes=(-5,)),
    ):
        with pytest.raises(ValueError):
            make(bad)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_decodes_or_is_refused_never_crashes(text):
    try:
        pc.decode("GD1:" + text)
    except pc.PermitCodeError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_are_refused(blob):
    try:
        pc.decode("GD1:" + base45.b45encode(blob).decode())
    except pc.PermitCodeError:
        pass
