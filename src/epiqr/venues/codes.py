"""Venue codes for manual entry: 6 random characters plus a check character, no look-alike symbols.

The alphabet leaves out 0/O and 1/I/L, so a code can be read over the phone and typed on a feature phone.
It has 31 symbols, a prime, so the check character (weighted sum of all 7 positions = 0 mod 31) catches
every single mistyped character and every swap of two neighbours before any database lookup: a typo
never checks a person into the wrong venue. 31^6 (about 887 million) codes leave ample room.
Pure functions, no Django.
"""

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BODY_LENGTH = 6
CODE_LENGTH = BODY_LENGTH + 1
_BASE = len(ALPHABET)  # 31, prime
_SEPARATORS = re.compile(r"[\s\-_.]+")


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
    """What a person typed, as stored: upper case, separators removed ("hk7 m3q-x" -> "HK7M3QX")."""
    return _SEPARATORS.sub("", (text or "").upper())[:20]


def code_is_well_formed(code: str) -> bool:
    """True when the code has our shape and its check character matches."""
    return len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) and _weighted(code) % _BASE == 0


def code_display(code: str) -> str:
    """Grouped for reading aloud: "HK7M3QX" -> "HK7-M3QX"."""
    return f"{code[:3]}-{code[3:]}" if len(code) == CODE_LENGTH else code
