"""Vietnamese text helpers: folding diacritics for search and for ASCII-only codes."""

import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case ASCII form used for diacritic-insensitive search ("Hà Nội" -> "ha noi")."""
    return _SPACES.sub(" ", unidecode(text or "").lower()).strip()


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
