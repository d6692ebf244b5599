"""Venue codes for manual entry: 6 random characters plus a check character, no look-alike symbols.

The alphabet leaves out 0/O and 1/I/L, so a code can be read over the phone and typed on a feature phone.
It has 31 symbols, a prime, so the check character (weighted sum of all 7 positions = 0 mod 31) catches
every single mistyped character and every swap of two neighbours before any database lookup: a typo
never checks a person into the wrong venue. 31^6 (about 887 million) codes leave ample room.
`code_read` takes what a citizen typed on the manual-entry page and says precisely what is wrong with
it, if anything, so that the page can help instead of answering "not found". Pure functions, no Django.
"""

import itertools
import re
import secrets
import unicodedata
from dataclasses import dataclass

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BODY_LENGTH = 6
CODE_LENGTH = BODY_LENGTH + 1
_BASE = len(ALPHABET)  # 31, prime
_SEPARATORS = re.compile(r"[\s\-_.]+")
_NOT_CODE = re.compile(r"[^0-9A-Z]")
LOOK_ALIKES = "01ILO"  # never in a code: what a reader probably saw is one of its neighbours in ALPHABET


def _weighted(chars: str) -> int:
    return sum(position * ALPHABET.index(c) for position, c in enumerate(chars, start=1))


def check_char(body: str) -> str:
    """The 7th character c such that sum(position * value) over all 7 is divisible by 31."""
    inverse_of_7 = pow(CODE_LENGTH, -1, _BASE)
    return ALPHABET[(-_weighted(body) * inverse_of_7) % _BASE]


def code_make(*, rand=secrets.choice) -> str:
    body = "".join(rand(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_char(body)


def code_normalise(text: str) -> str:
    """What a person typed, as stored: upper case, separators removed ("hk7 m3q-x" -> "HK7M3QX").
    Any other character becomes "?", which no code has: a lookup finds nothing, and never sends a
    database text it cannot hold (a NUL, a lone surrogate)."""
    return _NOT_CODE.sub("?", _SEPARATORS.sub("", (text or "").upper()))[:20]


def code_is_well_formed(code: str) -> bool:
    """True when the code has our shape and its check character matches."""
    return len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) and _weighted(code) % _BASE == 0


def code_display(code: str) -> str:
    """Grouped for reading aloud: "HK7M3QX" -> "HK7-M3QX"."""
    return f"{code[:3]}-{code[3:]}" if len(code) == CODE_LENGTH else code


# --- what a citizen typed ---------------------------------------------------------------------------

# Vietnamese keyboards (Telex and VNI input methods) turn some letter pairs of a code into one accented
# letter as it is typed: "HAS" becomes "HÁ", "DD" becomes "Đ", "A8" becomes "Ă". Each accent is undone
# into the keys that made it; the check character then tells which reading is the code.
_TONE_KEYS = {  # combining mark: (Telex key, VNI key)
    "\u0301": ("S", "1"),
    "\u0300": ("F", "2"),
    "\u0309": ("R", "3"),
    "\u0303": ("X", "4"),
    "\u0323": ("J", "5"),
}
_SHAPE_KEYS = {  # (base letter, combining mark): (Telex keys, VNI keys) that follow the base letter
    ("A", "\u0302"): (("A",), ("6",)),
    ("E", "\u0302"): (("E",), ("6",)),
    ("O", "\u0302"): (("O",), ("6",)),
    ("A", "\u0306"): (("W",), ("8",)),
    ("O", "\u031b"): (("W",), ("7",)),
    ("U", "\u031b"): (("W",), ("7",)),
}
_MAX_ACCENTED = 3  # more accented letters than this is not a code typed on a Vietnamese keyboard


@dataclass(frozen=True)
class TypedCode:
    """The result of reading typed text: the code, or the first problem a person can fix.

    problem: "" (a well-formed code), "missing", "accents" (a keyboard added Vietnamese accents that could
    not be undone), "letters" (characters never used in codes; `detail` lists them), "length" (`detail`
    is how many characters were typed), "check" (the check character does not match: a typing mistake).
    """

    code: str
    problem: str = ""
    detail: str = ""


def _key_sequences(char: str) -> list[tuple[str, str]]:
    """The ways one accented capital letter can have been typed: (keys from the letter on, tone key).

    The tone key may have been typed later than the letter (an input method puts the tone on the vowel
    of the syllable), so it is returned apart. An empty list: not a letter a Vietnamese keyboard makes.
    """
    if char == "Đ":
        return [("DD", ""), ("D9", "")]
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    shape = [m for m in marks if m not in _TONE_KEYS]
    tone = [m for m in marks if m in _TONE_KEYS]
    if base not in "AEIOUY" or not marks or len(shape) > 1 or len(tone) > 1:
        return []
    if shape and (base, shape[0]) not in _SHAPE_KEYS:
        return []
    ways = []
    for scheme in (0, 1):  # Telex, VNI
        keys = base + ("".join(_SHAPE_KEYS[(base, shape[0])][scheme]) if shape else "")
        ways.append((keys, _TONE_KEYS[tone[0]][scheme] if tone else ""))
    if (base, shape) == ("U", ["\u031b"]):  # Telex also makes Ư from a lone W
        ways.append(("W", _TONE_KEYS[tone[0]][0] if tone else ""))
    return ways


def _unaccented_readings(text: str) -> dict[str, int]:
    """Every string the accented letters of `text` may have been typed as (see _TONE_KEYS), each with how
    far its tone keys sit from their letters (0: typed right after, the usual case)."""
    accented = [i for i, c in enumerate(text) if not c.isascii()]
    if not accented or len(accented) > _MAX_ACCENTED or len(text) > 2 * CODE_LENGTH:
        return {}
    options = [_key_sequences(text[i]) for i in accented]
    if not all(options):
        return {}
    readings: dict[str, int] = {}
    for choice in itertools.product(*options):
        plain, tones = "", []
        for i, c in enumerate(text):
            if i in accented:
                keys, tone = choice[accented.index(i)]
                plain += keys
                if tone:
                    tones.append((len(plain), tone))
            else:
                plain += c
        for reading, distance in _with_tones(plain, tones, 0):
            readings[reading] = min(distance, readings.get(reading, distance))
    return readings


def _with_tones(plain: str, tones: list[tuple[int, str]], distance: int):
    """`plain` with each (earliest index, key) inserted at that index or after it, and the total shift."""
    if not tones:
        yield plain, distance
        return
    *earlier, (at, key) = tones
    for pos in range(at, len(plain) + 1):
        yield from _with_tones(plain[:pos] + key + plain[pos:], earlier, distance + pos - at)


def code_read(text: str) -> TypedCode:
    """What a person typed, read as a venue code: case, spaces, dashes and dots are forgiven, full-width
    characters folded, and accents added by a Vietnamese keyboard undone when only one reading passes
    the check character."""
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")[:100]).upper()
    if not cleaned:
        return TypedCode("", "missing")
    if not cleaned.isascii():
        fits = {r: d for r, d in _unaccented_readings(cleaned).items() if code_is_well_formed(r)}
        nearest = [r for r, d in fits.items() if d == min(fits.values())]
        if len(nearest) == 1:  # one reading needs the fewest moved keys; others would be guesses
            return TypedCode(nearest[0])
        accents = "".join(dict.fromkeys(c for c in cleaned if not c.isascii()))
        if all(_key_sequences(c) for c in accents):
            return TypedCode(cleaned[:20], "accents", accents[:10])
        strange = "".join(c for c in accents if not _key_sequences(c))
        return TypedCode(cleaned[:20], "letters", strange[:10])
    strange = "".join(dict.fromkeys(c for c in cleaned if c not in ALPHABET))
    if strange:
        return TypedCode(cleaned[:20], "letters", strange[:10])
    if len(cleaned) != CODE_LENGTH:
        return TypedCode(cleaned[:20], "length", str(len(cleaned)))
    if not code_is_well_formed(cleaned):
        return TypedCode(cleaned, "check")
    return TypedCode(cleaned)
