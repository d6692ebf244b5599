"""Message ids for errors raised by the pure modules (parsers, ID numbers, phones).

The pure modules mark English message ids with `gettext_noop`; `translate` renders one in the active
language when Django is running (the API and pages), and leaves it English in a bare Python process.
"""


def gettext_noop(message: str) -> str:
    """Mark a message id for the vi catalogue; it is translated where the error is raised."""
    return message


def translate(msgid: str, params: dict | None = None) -> str:
    text = msgid
    try:
        # Imported here so that the parsers stay importable and testable without Django settings.
        from django.conf import settings

        if settings.configured:
            from django.utils.translation import gettext

            text = gettext(msgid)
    except Exception:  # noqa: BLE001 - translation must never turn a clear error into a crash
        text = msgid
    if params:
        try:
            return text % params
        except (KeyError, TypeError, ValueError):
            return msgid % params
    return text
