import pytest

from epiqr.core import signing


def test_signed_message_round_trips():
    token = signing.sign("venue", "abc-1")
    assert signing.unsign("venue", token) == "abc-1"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # altered signature
        lambda t: "x" + t,  # altered message
        lambda t: t.split(".")[0],  # signature removed
        lambda t: "",
    ],
)
def test_altered_or_forged_tokens_are_rejected(mutate):
    with pytest.raises(signing.BadSignature):
        signing.unsign("venue", mutate(signing.sign("venue", "abc-1")))


def test_a_token_signed_for_one_purpose_does_not_pass_for_another():
    with pytest.raises(signing.BadSignature):
        signing.unsign("person", signing.sign("venue", "abc-1"))


def test_ints_pack_compactly():
    text = signing.encode_ints(123456, 3)
    assert signing.decode_ints(text, 2) == (123456, 3)
    with pytest.raises(signing.BadSignature):
        signing.decode_ints("zz-!", 2)


@pytest.mark.parametrize("garbage", ["abc.Ÿñ", "ä.ö", "x.\udcff", "abc." + "é" * 20])
def test_non_ascii_signatures_are_rejected_not_crashing(garbage):
    with pytest.raises(signing.BadSignature):
        signing.unsign("venue", garbage)
