"""Vietnamese text helpers: folding diacritics for search and for ASCII-only codes."""

import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case ASCII form used for diacritic-insensitive search ("Hà Nội" -> "ha noi")."""
    return _SPACES.sub(" ", unidecode(text or "").lower()).strip()


def _length_keeping() -> frozenset[str]:
    # Latin letters (the Vietnamese alphabet among them) that case mapping and unidecode each turn into at
    # most one character; computed, not listed, so the property holds by construction.
    latin = [*range(0x41, 0x7B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]
    letters = (chr(code) for code in latin if chr(code).isalpha())
    return frozenset(
        c for c in letters if len(c.upper()) == 1 and len(c.lower()) == 1 and len(unidecode(c)) <= 1
    ) | {" "}


# A name of these characters is no longer once title-cased (normalise_name) or folded (fold): a length
# check on the name itself then stands for both.
LENGTH_KEEPING = _length_keeping()


def ascii_upper(text: str) -> str:
    """Upper-case ASCII form, as the 2021 national QR printed names ("Nguyễn Văn An" -> "NGUYEN VAN AN")."""
    return fold(text).upper()


def normalise_name(text: str) -> str:
    """Collapse spaces and title-case each word of a personal name."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in _SPACES.split((text or "").strip()) if w)


def initials(name: str) -> str:
    """The first letter of each word of a name ("Nguyễn Văn An" -> "N. V. A."): enough to tell a typo from
    the right person, too little to learn whose a phone number is."""
    return " ".join(w[:1].upper() + "." for w in _SPACES.split((name or "").strip()) if w)
