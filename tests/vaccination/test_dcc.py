"""The DCC encoder and verifier (no database): names in ICAO 9303 form, the chain round trip through an
independent decoder, and every reason a verifier refuses a code."""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from epiqr.vaccination import dcc
from tests.vaccination.independent import decode_and_verify

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
KEY = ec.generate_private_key(ec.SECP256R1())
OTHER = ec.generate_private_key(ec.SECP256R1())
KID = b"\x01\x02\x03\x04\x05\x06\x07\x08"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
ENTRY = {
    "tg": "840539006",
    "vp": "1119349007",
    "mp": "EU/1/20/1528",
    "ma": "ORG-100030215",
    "dn": 2,
    "sd": 2,
    "dt": "2021-09-01",
    "co": "VN",
    "is": "Bộ Y tế",
    "ci": "URN:UVCI:01:VN:TESTCERT000000000000001",
}


def _code(*, key=KEY, kid=KID, issued=NOW, days=365, name="Nguyễn Thị Đào"):
    hcert = dcc.hcert_document(full_name=name, dob="1990-01-02", kind="v", entries=[ENTRY])
    return dcc.encode(
        hcert,
        private_key=key,
        kid=kid,
        issuer="VN",
        issued_at=issued,
        expires_at=issued + timedelta(days=days),
    )


def _verify(code, at=NOW, **kw):
    return dcc.verify_code(code, keys={KID: KEY.public_key()}.get, at=at, **kw)


@pytest.mark.parametrize(
    "name, icao",
    [
        ("Nguyễn", "NGUYEN"),
        ("Thị Đào", "THI<DAO"),
        ("Đặng Văn Đức", "DANG<VAN<DUC"),
        ("Hoàng-Lê Thu Hà", "HOANG<LE<THU<HA"),
        ("  Ngô   Bảo   Châu ", "NGO<BAO<CHAU"),
        ("Trần Thị Ngọc Ánh", "TRAN<THI<NGOC<ANH"),
        ("Lý Ưng Ơn", "LY<UNG<ON"),
        ("O'Brien", "OBRIEN"),
    ],
)
def test_vietnamese_names_in_icao_9303_form(name, icao):
    assert dcc.transliterate(name) == icao


@given(st.text(max_size=200))
def test_any_name_transliterates_to_the_machine_readable_alphabet(name):
    out = dcc.transliterate(name)
    assert set(out) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ<") and len(out) <= 80
    assert not out.startswith("<") and "<<" not in out


def test_a_code_decodes_and_verifies_with_an_independent_decoder():
    code = _code()
    claims = decode_and_verify(code, KEY.public_key())
    hcert = claims[-260][1]
    assert hcert["nam"] == {"fn": "Nguyễn", "fnt": "NGUYEN", "gn": "Thị Đào", "gnt": "THI<DAO"}
    assert hcert["v"] == [ENTRY] and hcert["ver"] == "1.3.0"
    assert claims[1] == "VN" and claims[4] - claims[6] == 365 * 86400
    verdict = _verify(code)
    assert verdict.valid and verdict.reason == "valid"
    assert (verdict.family_name, verdict.given_name, verdict.date_of_birth) == (
        "Nguyễn",
        "Thị Đào",
        "1990-01-02",
    )


def test_each_reason_a_code_is_refused():
    code = _code()
    assert _verify(code, at=NOW + timedelta(days=366)).reason == "expired"
    assert _verify(code, at=NOW - timedelta(hours=1)).reason == "not_yet_valid"
    assert _verify(code, at=NOW - timedelta(minutes=2)).valid  # a verifier's clock a little behind
    assert _verify(_code(kid=b"unknown!")).reason == "unknown_key"
    assert _verify(_code(kid=b"unknown!"), withdrawn=lambda kid: kid == b"unknown!").reason == "withdrawn_key"
    assert _verify(_code(key=OTHER)).reason == "bad_signature"  # a forger who guessed our key id
    assert _verify(code, revoked=lambda ci: ci == ENTRY["ci"]).reason == "revoked"
    for bad in [
        "",
        "HC1:",
        "HC2:" + code[4:],
        code[4:],
        "HC1:!!!!",
        "HC1:" + "A" * 30,
        code[:-10],
        "x" * 9000,
    ]:
        assert _verify(bad).reason == "malformed", bad[:20]


def test_an_altered_payload_fails_the_signature():
    import zlib

    import base45
    import cbor2

    cose = cbor2.loads(zlib.decompress(base45.b45decode(_code()[4:])))
    protected, unprotected, payload, signature = cose.value
    claims = cbor2.loads(payload)
    claims[-260][1]["v"][0]["dn"] = 3  # a third dose written in by hand
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(claims), signature]))
    assert _verify("HC1:" + base45.b45encode(zlib.compress(forged)).decode()).reason == "bad_signature"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=600), st.text(alphabet=BASE45_ALPHABET, max_size=600).map("HC1:".__add__)))
def test_the_verifier_never_raises_on_any_text(text):
    verdict = _verify(text)
    assert verdict.reason in dcc.REASONS and not verdict.valid


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_under_the_prefix_are_refused_cleanly(blob):
    import zlib

    import base45

    for body in (blob, zlib.compress(blob)):
        verdict = _verify("HC1:" + base45.b45encode(body).decode())
        assert verdict.reason in dcc.REASONS and not verdict.valid


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300).map(lambda b: __import__("b45").encode(b)),
        st.text(alphabet=BASE45_ALPHABET + "a!", max_size=60),
    )
)
def test_base45_decoding_agrees_with_the_reference_package_and_refuses_what_it_refuses(text):
    """b45 (fast, used by EpiQR) checked against the pure-Python base45 package on any text."""
    import base45

    try:
        expected = base45.b45decode(text)
    except ValueError:
        expected = None
    try:
        got = dcc.base45_decode(text)
    except dcc.DccError:
        got = None
    assert got == expected


def test_the_fast_deflate_is_standard_zlib_and_packs_certificates_as_level_9_does():
    """dcc._deflate (zlib's fastest level: cheaper per certificate) gives a stream any inflater reads,
    starting with the 0x78 byte verifiers look for, and really compresses (never a stored copy); on
    certificates it is, on average, no longer than zlib's level 9."""
    import os
    import zlib

    from epiqr.vaccination import dcc

    for size in (0, 1, 200, 400, 900, 3000):
        data = (b"URN:UVCI:01:VN:" + os.urandom(size // 4)) * 4
        packed = dcc._deflate(data)
        assert zlib.decompress(packed) == data and packed[:1] == b"\x78"
        if size >= 200:
            assert len(packed) < len(data) * 0.5  # the repeats are found: compressed, not stored

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime(2022, 1, 10, tzinfo=UTC)
    sizes = []
    for i, name in enumerate(["Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hữu Đức", "Phạm Minh Thu"] * 10):
        hcert = dcc.hcert_document(
            full_name=name, dob=f"19{50 + i}-0{1 + i % 9}-1{i % 10}", kind="v", entries=[]
        )
        claims = dcc.cbor_dumps({1: "VN", 6: int(now.timestamp()), -260: {1: hcert}, 99: os.urandom(64)})
        signed = dcc._cose_context().encode_and_sign(
            claims, dcc._signing_key(key, b"testkid1"), protected={1: -7, 4: b"testkid1"}, unprotected={}
        )
        sizes.append((len(dcc._deflate(signed)), len(zlib.compress(signed, 9))))
    assert sum(fast for fast, _ in sizes) <= sum(best for _, best in sizes) + len(sizes)


CBOR_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.binary() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.integers() | st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(CBOR_VALUES)
def test_the_kept_cbor_encoder_gives_the_bytes_of_cbor2_dumps(value):
    """dcc.cbor_dumps (cbor2's encoder kept per thread, issue 12's issuing speed) is `cbor2.dumps`, byte for
    byte, call after call, and after an encoding that failed half-way."""
    import cbor2

    assert dcc.cbor_dumps(value) == cbor2.dumps(value)
    with pytest.raises(cbor2.CBOREncodeError):
        dcc.cbor_dumps({"a": [1, 2, object()]})
    assert dcc.cbor_dumps(value) == cbor2.dumps(value)


def test_the_kept_cbor_encoder_is_one_per_thread():
    """Issuing from several threads at once (a threaded server) never mixes two encodings."""
    import threading

    import cbor2

    wrong: list = []

    def work(n: int) -> None:
        for i in range(300):
            value = {"n": n, "i": i, "text": "x" * (n * 7 + i % 13)}
            if dcc.cbor_dumps(value) != cbor2.dumps(value):
                wrong.append((n, i))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
