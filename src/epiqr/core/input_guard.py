"""Request-level rules for text that may reach the database, shared by the middleware and the API parser.

PostgreSQL refuses NUL (U+0000) in text and a lone UTF-16 surrogate (U+D800..U+DFFF) cannot be encoded
as UTF-8 at all, so both are refused at the door with a clear 400 instead of failing deep inside a view.
JSON bodies are read as strict UTF-8 (RFC 8259), without NaN/Infinity, and at most MAX_JSON_DEPTH levels
deep: deeper nesting has no use in this API and only exhausts the recursion limit of whoever walks it.
"""

import json
import re
from typing import Any

from django.utils.translation import gettext as _

from .errors import BadRequest

MAX_JSON_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# Escapes that can decode to NUL or to a surrogate: only when one appears must strings be inspected.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text ("nul" or "surrogate"), or None when it can."""
    if "\x00" in value:
        return "nul"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "surrogate"
    return None


def int_or_none(value) -> int | None:
    """A query-string or form value as an integer the database can hold (signed 64-bit), else None.

    For pages that read numbers by hand: `int()` alone lets "9" * 40 through to a query, where SQLite
    raises OverflowError and PostgreSQL "out of range" (a 500)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if INT64_MIN <= number <= INT64_MAX else None


def text_refusal(problem: str, where: str) -> BadRequest:
    """The 400 for a `text_problem` found in `where` (a field, a header, "query string"...)."""
    if problem == "nul":
        return BadRequest(
            _("%(where)s contains a NUL character (\\u0000), which is never accepted.") % {"where": where},
            code="nul_character",
            field=where,
        )
    return BadRequest(
        _("%(where)s contains an unpaired surrogate (\\ud800-\\udfff), which is not valid Unicode text.")
        % {"where": where},
        code="bad_unicode",
        field=where,
    )


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


# One decoder for every request (json.loads with an option builds a new one a call).
_DECODER = json.JSONDecoder(parse_constant=_no_constants)


def json_loads(raw: bytes, *, check_text: bool = True) -> Any:
    """The JSON document in `raw`, or BadRequest saying why it cannot be accepted. `check_text=False`
    leaves NUL and lone surrogates inside strings to the caller, which then must judge every string
    itself (the check-in scan and offline batch: each item gets its own verdict, never one bad item
    refusing a thousand good ones)."""
    try:
        text = raw.decode("utf-8")
        data = _DECODER.decode(text)
    except RecursionError as exc:
        raise _too_deep() from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(_("The request body is not valid JSON."), code="bad_json") from exc
    # Nesting deeper than the limit needs at least that many brackets; NUL and surrogates need an escape.
    suspect_text = check_text and _SUSPECT_ESCAPE.search(text) is not None
    if suspect_text or text.count("[") + text.count("{") > MAX_JSON_DEPTH:
        _inspect(data, check_text=suspect_text)
    return data


def _too_deep() -> BadRequest:
    return BadRequest(
        _("The JSON body is nested more than %(n)s levels deep.") % {"n": MAX_JSON_DEPTH},
        code="json_too_deep",
    )


def _inspect(data: Any, *, check_text: bool) -> None:
    """Walk the document without recursion: depth, and (when asked) every key and string."""
    stack: list[tuple[Any, int, tuple]] = [(data, 0, ())]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if check_text and (problem := text_problem(value)):
                raise text_refusal(problem, _dotted(path))
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            if not check_text:  # only the depth to judge: the scalars need no visit (a batch's thousands)
                stack.extend(
                    (item, depth + 1, (path, key)) for key, item in items if isinstance(item, dict | list)
                )
                continue
            for key, item in items:
                if isinstance(key, str) and (problem := text_problem(key)):
                    raise text_refusal(problem, _dotted(path))
                stack.append((item, depth + 1, (path, key)))


def _dotted(path: tuple) -> str:
    """("items", 3, "payload") kept as nested pairs while walking -> "items.3.payload"; "body" for the root."""
    parts = []
    while path:
        path, key = path
        parts.append(str(key))
    return ".".join(reversed(parts)) or "body"
