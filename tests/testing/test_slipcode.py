"""The slip's result code: unguessable, typed forgivingly, typos caught by the check character."""

from hypothesis import given
from hypothesis import strategies as st

from epiqr.testing import slipcode


def test_codes_carry_fifty_random_bits_and_do_not_repeat():
    assert len(slipcode.ALPHABET) == 32 and slipcode.BODY_LENGTH == 10  # 32**10 = 2**50 bodies
    codes = {slipcode.new() for _ in range(20_000)}
    assert len(codes) == 20_000
    assert all(len(c) == slipcode.LENGTH and set(c) <= set(slipcode.ALPHABET) for c in codes)
    # Every character position takes many values (no fixed or sequential part).
    for i in range(slipcode.LENGTH):
        assert len({c[i] for c in codes}) == 32


bodies = st.text(alphabet=slipcode.ALPHABET, min_size=slipcode.BODY_LENGTH, max_size=slipcode.BODY_LENGTH)


@given(bodies, st.integers(0, slipcode.LENGTH - 1), st.sampled_from(slipcode.ALPHABET))
def test_any_single_mistyped_character_is_caught(body, position, char):
    code = body + slipcode.check_char(body)
    assert slipcode.normalise(code) == code
    typo = code[:position] + char + code[position + 1 :]
    assert (slipcode.normalise(typo) is None) == (typo != code)


@given(bodies)
def test_display_and_typing_variants_read_back(body):
    code = body + slipcode.check_char(body)
    shown = slipcode.display(code)
    assert shown.count("-") == 2
    assert slipcode.normalise(shown.lower()) == code
    assert slipcode.normalise(" " + shown.replace("0", "O").replace("1", "I") + " ") == code


def test_wrong_length_or_letters_are_refused():
    code = slipcode.new()
    assert slipcode.normalise(code[:-1]) is None
    assert slipcode.normalise(code + "0") is None
    assert slipcode.normalise("U" + code[1:]) is None
    assert slipcode.normalise("") is None and slipcode.normalise("01/01/1990") is None
