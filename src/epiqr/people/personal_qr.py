"""EpiQR's own signed personal QR: `EPIQR1:<public id>|<generation>|<birth year>|<ASCII NAME>.<mac>`.

It names the person (public id, name without diacritics, birth year) so staff can see who is shown,
but never carries an ID number. The signature (purpose "person", epiqr.core.signing) is checked
without the database; the generation is compared with Person.qr_generation by the caller, so rotating
a person's QR invalidates every copy printed before.
"""

import re
import uuid
from dataclasses import dataclass

from epiqr.core import signing
from epiqr.core.text import ascii_upper

PREFIX = "EPIQR1:"
PURPOSE = "person"
NAME_MAX = 40  # keeps the code small enough to scan from a phone screen
_NOT_NAME = re.compile(r"[^A-Z ]+")


@dataclass(frozen=True)
class PersonalClaim:
    public_id: str
    generation: int
    birth_year: int | None
    ascii_name: str


def personal_qr_make(
    *, public_id: uuid.UUID | str, generation: int, full_name: str, birth_year: int | None
) -> str:
    """The EPIQR1 payload for one person (pure: the caller passes the person's fields)."""
    pid = signing.b64url(uuid.UUID(str(public_id)).bytes)
    name = _NOT_NAME.sub(" ", ascii_upper(full_name)).strip()[:NAME_MAX].strip()
    message = f"{pid}|{signing.encode_ints(generation)}|{birth_year or ''}|{name}"
    return PREFIX + signing.sign(PURPOSE, message)


def personal_qr_read(payload: str) -> PersonalClaim:
    """The claim in an EPIQR1 payload, or signing.BadSignature if it was forged, altered or mangled."""
    if not payload.startswith(PREFIX):
        raise signing.BadSignature("not an EpiQR personal code")
    if not payload.isascii():  # our codes are ASCII; hmac.compare_digest raises TypeError on anything else
        raise signing.BadSignature("not ASCII")
    message = signing.unsign(PURPOSE, payload[len(PREFIX) :])
    parts = message.split("|")
    if len(parts) != 4:
        raise signing.BadSignature("wrong number of fields")
    pid, gen, year, name = parts
    raw = signing.b64url_decode(pid)
    if len(raw) != 16:
        raise signing.BadSignature("bad person id")
    (generation,) = signing.decode_ints(gen, 1)
    if year and not (year.isascii() and year.isdigit()):
        raise signing.BadSignature("bad birth year")
    return PersonalClaim(str(uuid.UUID(bytes=raw)), generation, int(year) if year else None, name)
