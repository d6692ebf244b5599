"""Reading a venue code as a person types it: forgiving where it is safe, precise where it is not."""

from hypothesis import given
from hypothesis import strategies as st

from epiqr.venues.codes import ALPHABET, CODE_LENGTH, check_char, code_display, code_read

bodies = st.text(alphabet=ALPHABET, min_size=CODE_LENGTH - 1, max_size=CODE_LENGTH - 1)
codes = bodies.map(lambda body: body + check_char(body))

# A Telex keyboard as a phone types: a vowel then a tone key makes one accented letter, and so do
# "AA", "EE", "AW", "UW" and "DD". Enough of the input method to type a code the way a person would.
_TELEX_TONES = {"S": "\u0301", "F": "\u0300", "R": "\u0309", "X": "\u0303", "J": "\u0323"}
_TELEX_SHAPES = {"AA": "Â", "EE": "Ê", "AW": "Ă", "UW": "Ư", "DD": "Đ"}


def telex(keys: str) -> str:
    import unicodedata

    out = ""
    for key in keys:
        last = out[-1:]
        if last and last + key in _TELEX_SHAPES:
            out = out[:-1] + _TELEX_SHAPES[last + key]
        elif key in _TELEX_TONES and last and unicodedata.normalize("NFD", last)[0] in "AEUY":
            if len(unicodedata.normalize("NFD", last)) > 1 and any(
                m in _TELEX_TONES.values() for m in unicodedata.normalize("NFD", last)[1:]
            ):
                out += key  # already has a tone
            else:
                out = out[:-1] + unicodedata.normalize("NFC", last + _TELEX_TONES[key])
        else:
            out += key
    return out


@given(codes, st.sampled_from([str.lower, str.upper, code_display, lambda c: f" {c[:2]} {c[2:5]}-{c[5:]}. "]))
def test_case_spaces_dashes_and_dots_are_forgiven(code, typed):
    assert code_read(typed(code)).code == code
    assert code_read(typed(code)).problem == ""


@given(codes, st.integers(0, CODE_LENGTH - 1), st.sampled_from(ALPHABET))
def test_one_wrong_character_is_always_called_a_typing_mistake(code, position, char):
    typed = code[:position] + char + code[position + 1 :]
    if typed != code:
        assert code_read(typed).problem == "check"


@given(codes, st.integers(0, CODE_LENGTH - 2))
def test_two_neighbours_swapped_are_always_called_a_typing_mistake(code, position):
    typed = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if typed != code:
        assert code_read(typed).problem == "check"


@given(codes)
def test_accents_from_a_vietnamese_keyboard_never_give_another_code(code):
    """Typed on a Telex keyboard, the code is either read back exactly or the person is told to switch
    the keyboard; the reading never lands on a different code."""
    typed = code_read(telex(code))
    assert (typed.problem, typed.code) == ("", code) or typed.problem == "accents"


def test_the_usual_keyboard_accents_are_undone():
    body = "HASDD"  # Telex turns these keys into "HÁĐ"
    body += "7"
    code = body + check_char(body)
    assert telex(code).startswith("HÁĐ")
    assert code_read(telex(code).lower()).code == code


def test_each_problem_is_named_with_what_to_fix():
    assert code_read("").problem == code_read("  - ").problem == "missing"
    assert (code_read("HK7M3Q0").problem, code_read("HK7M3Q0").detail) == ("letters", "0")
    assert code_read("hk7-m3qo1").detail == "O1"
    assert (code_read("HK7M3Q").problem, code_read("HK7M3Q").detail) == ("length", "6")
    assert code_read("HK7M3QXX").detail == "8"
    assert code_read("😀HK7").problem == "letters"
    assert code_read("ĐĐĐĐĐ").problem == "accents"
    assert code_read("Ｈｋ７").code == "HK7"  # full-width letters from some phone keyboards


def test_long_or_strange_text_is_read_quickly_and_cut():
    typed = code_read("ÁÀẢÃẠ" * 2000)
    assert typed.problem == "accents" and len(typed.code) <= 20
    assert len(code_read("A" * 10_000).code) <= 20
