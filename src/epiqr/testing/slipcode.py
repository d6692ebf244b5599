"""The result code printed on a person's sampling slip: the second factor that opens their result.

Ten random characters (50 bits from `secrets`) and one check character, in Crockford's base 32 (digits
and capitals without I, L, O, U, so nothing reads as another character). Shown in groups of four:
`7K3M-Q9XD-T2F`. Tube barcodes are printed by tube makers in sequence and are not secret; this code is,
and it cannot be guessed: one guess in 2^50 is right for a given tube, and the asker is rate-limited.

The check character (Luhn mod 32) catches every single mistyped character and almost every swap of two
neighbours, so a typo is answered "check the code" without counting as a failed try.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 10
LENGTH = BODY_LENGTH + 1
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
# What people type for a character that is not in the alphabet but looks like one.
_LOOKALIKE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_N = len(ALPHABET)


def _luhn_sum(values: list[int], *, double_first: bool) -> int:
    total, double = 0, double_first
    for value in reversed(values):
        if double:
            value *= 2
            value = value // _N + value % _N
        total += value
        double = not double
    return total


def check_char(body: str) -> str:
    """The Luhn mod 32 check character of a code body."""
    total = _luhn_sum([_INDEX[ch] for ch in body], double_first=True)
    return ALPHABET[(_N - total % _N) % _N]


def new() -> str:
    """A fresh code, stored without dashes."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_char(body)


def new_many(count: int) -> list[str]:
    return [new() for _ in range(count)]


def normalise(text: str) -> str | None:
    """The code as stored, from what a person typed (any case, spaces, dashes, O for 0, I or L for 1);
    None unless it is a well-formed code with a right check character."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -_.\t").translate(_LOOKALIKE)
    if len(cleaned) != LENGTH or any(ch not in _INDEX for ch in cleaned):
        return None
    if _luhn_sum([_INDEX[ch] for ch in cleaned], double_first=False) % _N:
        return None
    return cleaned


def display(code: str) -> str:
    """`7K3MQ9XDT2F` -> `7K3M-Q9XD-T2F`."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
